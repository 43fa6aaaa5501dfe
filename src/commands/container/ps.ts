import { Option } from 'clipanion';
import * as t from 'typanion';
import { portsColumn } from '../../network/ports.ts';
import { listNetworks } from '../../network/networks.ts';
import { TspodCommand } from '../base.ts';
import { listContainers, type Container } from '../../runtime/lifecycle.ts';
import { parseFilters, containerFilter, CONTAINER_FILTERS } from '../../runtime/filters.ts';
import { humanAgo, humanDuration, goTime } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';
import { hasHealthcheck, readHealth } from '../../runtime/health.ts';

function statusText(c: Container): string {
  const s = c.state;
  switch (s.status) {
    case 'running': {
      const health = hasHealthcheck(c.rec.config.healthcheck) ? readHealth(c.layout)?.Status ?? 'starting' : undefined;
      const shown = health === 'starting' ? ' (health: starting)' : health ? ` (${health})` : '';
      return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))}${shown}`;
    }
    case 'paused': return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))} (Paused)`;
    case 'restarting': return `Restarting (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
    case 'created': return 'Created';
    case 'unknown': return 'Unknown';
    default: return `Exited (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
  }
}

/** docker shows a linked container also under LINKER/ALIAS for each --link to it. */
function linkNames(name: string, all: Container[]): string[] {
  return all.flatMap((o) => (o.rec.hostConfig.links ?? []).filter((l) => l.split(':')[0] === name).map((l) => `${o.rec.name}/${l.split(':')[1]}`));
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
  last = Option.String('-n,--last', { validator: t.isNumber(), description: 'Show the n last created containers' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output (key=value)' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });

  async run(): Promise<void> {
    const filters = parseFilters(this.filter, CONTAINER_FILTERS);
    const tpl = compileTemplate(this.quiet ? '{{.ID}}' : this.format ?? DEFAULT_TABLE, { headers: HEADERS, defaultTable: DEFAULT_TABLE });
    const store = this.openStore();
    const all = listContainers(store).sort((a, b) => b.rec.created.localeCompare(a.rec.created));
    const matches = containerFilter(filters, { all, images: filters.has('ancestor') ? store.images() : [], networks: filters.has('network') ? listNetworks(store.root) : [] });
    const showAll = this.all || this.latest || this.last !== undefined || ['status', 'exited', 'before', 'since'].some((k) => filters.has(k));
    let rows = all.filter((c) => (showAll || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting') && matches(c));
    if (this.latest) rows = rows.slice(0, 1);
    if (this.last !== undefined && this.last >= 0) rows = rows.slice(0, this.last);
    this.context.stdout.write(tpl.list(rows.map((c) => this.view(c, all))));
  }

  /** docker's ps context: its fields in docker's (alphabetical) JSON order, and its Label method. */
  private view(c: Container, all: Container[]): Record<string, unknown> {
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
      Names: [rec.name, ...linkNames(rec.name, all)].join(','),
      Networks: [rec.hostConfig.networkMode, ...Object.keys(rec.hostConfig.networks ?? {})].filter((n, i, a) => a.indexOf(n) === i).join(','),
      Ports: active ? portsColumn(rec.hostConfig.portBindings ?? []) : '',
      RunningFor: humanAgo(rec.created),
      Size: '0B',
      State: state.status,
      Status: statusText(c),
      Label: (key: string) => labels[key] ?? '',
    };
  }
}
