import { Option, isNumber } from '../../cli/options.ts';
import { portsColumn } from '../../network/ports.ts';
import { TspodCommand } from '../base.ts';
import type { Container } from '../../runtime/lifecycle.ts';
import { listedContainers } from '../../runtime/listing.ts';
import { parseFilters, containerFilter, CONTAINER_FILTERS } from '../../runtime/filters.ts';
import { humanAgo, humanDuration, goTime } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';

type HealthModule = typeof import('../../runtime/health.ts');

/** starting, healthy, unhealthy, or none without a check. */
function healthOf(h: HealthModule, c: Container): string {
  return h.hasHealthcheck(c.rec.config.healthcheck) ? h.readHealth(c.layout)?.Status ?? 'starting' : 'none';
}

function statusText(c: Container, h: HealthModule | undefined): string {
  const s = c.state;
  switch (s.status) {
    case 'running': {
      const health = h ? healthOf(h, c) : 'none';
      const shown = health === 'none' ? '' : health === 'starting' ? ' (health: starting)' : ` (${health})`;
      return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))}${shown}`;
    }
    case 'paused': return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))} (Paused)`;
    case 'restarting': return `Restarting (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
    case 'created': return 'Created';
    case 'unknown': return 'Unknown';
    default: return `Exited (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
  }
}

/** docker shows a linked container also under LINKER/ALIAS for each --link to it: those names, by linked container. */
function linkNames(all: Container[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const o of all) {
    for (const l of o.rec.hostConfig.links ?? []) {
      const [target, alias] = l.split(':');
      out.set(target, [...(out.get(target) ?? []), `${o.rec.name}/${alias}`]);
    }
  }
  return out;
}

/** docker's ps column titles. */
const HEADERS = {
  ID: 'CONTAINER ID', Image: 'IMAGE', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS', State: 'STATE',
  Status: 'STATUS', Size: 'SIZE', Names: 'NAMES', Labels: 'LABELS', Label: 'LABEL', Mounts: 'MOUNTS', LocalVolumes: 'LOCAL VOLUMES', Networks: 'NETWORKS',
};
const DEFAULT_TABLE = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

export class PsCommand extends TspodCommand {
  static paths = [['ps'], ['container', 'ls'], ['container', 'list']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'List containers',
    details: `
      \`--format\` takes a Go template over Command, CreatedAt, ID, Image, Labels, Label "KEY", LocalVolumes, Mounts, Names, Networks, Ports, RunningFor, Size, State, Status; \`table\` adds a header and aligns columns; \`json\` prints one JSON object per container.

      Filters (\`-f key=value\`, repeatable: values of one key OR, keys AND, every label must match): id, name, label (KEY or KEY=VALUE), status, exited, ancestor, before, since, network, volume, publish, health.
    `,
    examples: [
      ['All containers, stopped ones too', '$0 ps -a'],
      ['Only the ids, for scripts', '$0 ps -aq'],
      ['Names and status of exited containers', '$0 ps -a --filter status=exited --format "{{.Names}}\\t{{.Status}}"'],
      ['Containers of a compose project, as JSON lines', '$0 ps --filter label=com.docker.compose.project=web --format json'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers (default shows just running)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only display container ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate output' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Show the latest created container' });
  last = Option.String('-n,--last', { validator: isNumber(), description: 'Show the n last created containers' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output (key=value)' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });

  async run(): Promise<void> {
    const filters = parseFilters(this.filter, CONTAINER_FILTERS);
    const tpl = compileTemplate(this.quiet ? '{{.ID}}' : this.format ?? DEFAULT_TABLE, { headers: HEADERS, defaultTable: DEFAULT_TABLE });
    const store = this.openStore();
    const all = listedContainers(store);
    // The health and network modules load only when something needs them: without a health check anywhere, every health is none.
    const health = all.some((c) => c.rec.config.healthcheck) ? await import('../../runtime/health.ts') : undefined;
    const networks = filters.has('network') ? (await import('../../network/networks.ts')).listNetworks(store.root) : [];
    const matches = containerFilter(filters, {
      all, networks, images: filters.has('ancestor') ? store.images() : [], healthOf: (c) => (health ? healthOf(health, c) : 'none'),
    });
    const showAll = this.all || this.latest || this.last !== undefined || ['status', 'exited', 'before', 'since'].some((k) => filters.has(k));
    let rows = all.filter((c) => (showAll || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting') && matches(c));
    if (this.latest) rows = rows.slice(0, 1);
    if (this.last !== undefined && this.last >= 0) rows = rows.slice(0, this.last);
    const links = linkNames(all);
    this.context.stdout.write(tpl.list(rows.map((c) => this.view(c, links, health))));
  }

  /** docker's ps context: its fields in docker's (alphabetical) JSON order, and its Label method. */
  private view(c: Container, links: Map<string, string[]>, health: HealthModule | undefined): Record<string, unknown> {
    const { rec, state } = c;
    const argv = [...rec.config.entrypoint, ...rec.config.cmd].join(' ');
    const labels = rec.config.labels ?? {};
    const active = state.status === 'running' || state.status === 'paused';
    return {
      Command: JSON.stringify(this.noTrunc || argv.length <= 20 ? argv : `${argv.slice(0, 19)}…`),
      CreatedAt: goTime(rec.created),
      ID: this.noTrunc ? rec.id : rec.id.slice(0, 12),
      Image: rec.image,
      Labels: Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`).join(','),
      LocalVolumes: String(rec.hostConfig.mounts.filter((m) => m.type === 'volume').length),
      Mounts: rec.hostConfig.mounts.map((m) => m.name ?? m.source).join(','),
      Names: [rec.name, ...(links.get(rec.name) ?? [])].join(','),
      Networks: [rec.hostConfig.networkMode, ...Object.keys(rec.hostConfig.networks ?? {})].filter((n, i, a) => a.indexOf(n) === i).join(','),
      Ports: active ? portsColumn(rec.hostConfig.portBindings ?? []) : '',
      RunningFor: humanAgo(rec.created),
      Size: '0B',
      State: state.status,
      Status: statusText(c, health),
      Label: (key: string) => labels[key] ?? '',
    };
  }
}
