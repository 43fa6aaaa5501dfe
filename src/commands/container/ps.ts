import { Option } from 'clipanion';
import * as t from 'typanion';
import { portsColumn } from '../../slirp/ports.ts';
import { TspodCommand } from '../base.ts';
import { listContainers, type Container } from '../../runtime/lifecycle.ts';
import { parseFilters, matchesFilters } from '../../runtime/filters.ts';
import { table, humanAgo, humanDuration } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';

function statusText(c: Container): string {
  const s = c.state;
  switch (s.status) {
    case 'running': return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))}`;
    case 'paused': return `Up ${humanDuration(Date.now() - Date.parse(s.startedAt))} (Paused)`;
    case 'restarting': return `Restarting (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
    case 'created': return 'Created';
    default: return `Exited (${s.exitCode}) ${humanAgo(s.finishedAt)}`;
  }
}

/** docker shows a linked container also under LINKER/ALIAS for each --link to it. */
function linkNames(name: string, all: Container[]): string[] {
  return all.flatMap((o) => (o.rec.hostConfig.links ?? []).filter((l) => l.split(':')[0] === name).map((l) => `${o.rec.name}/${l.split(':')[1]}`));
}

export class PsCommand extends TspodCommand {
  static paths = [['ps'], ['container', 'ls'], ['container', 'list']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'List containers',
    details: '`--format` takes a Go template over ID, Image, Command, CreatedAt, RunningFor, Ports, State, Status, Names, Labels; `table` adds a header. Filters: id, name, status, exited, ancestor, label, before, since.',
    examples: [
      ['All containers, stopped ones too', '$0 ps -a'],
      ['Only the ids, for scripts', '$0 ps -aq'],
      ['Names and status of exited containers', '$0 ps -a --filter status=exited --format "{{.Names}}\\t{{.Status}}"'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers (default shows just running)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only display container ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate output' });
  latest = Option.Boolean('-l,--latest', false, { description: 'Show the latest created container' });
  last = Option.String('-n,--last', { validator: t.isNumber(), description: 'Show the n last created containers' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output (key=value)' });
  format = Option.String('--format', { description: 'Go template' });

  async run(): Promise<void> {
    const filters = parseFilters(this.filter);
    const all = listContainers(this.openStore()).sort((a, b) => b.rec.created.localeCompare(a.rec.created));
    const showAll = this.all || this.latest || this.last !== undefined || filters.has('status') || filters.has('exited');
    let rows = all.filter((c) => (showAll || c.state.status === 'running' || c.state.status === 'paused' || c.state.status === 'restarting') && matchesFilters(c, filters, all));
    if (this.latest) rows = rows.slice(0, 1);
    if (this.last !== undefined && this.last >= 0) rows = rows.slice(0, this.last);
    const id = (c: Container) => (this.noTrunc ? c.rec.id : c.rec.id.slice(0, 12));
    if (this.quiet) {
      for (const c of rows) this.out(id(c));
      return;
    }
    const command = (c: Container) => {
      const s = [...c.rec.config.entrypoint, ...c.rec.config.cmd].join(' ');
      return JSON.stringify(this.noTrunc || s.length <= 20 ? s : `${s.slice(0, 19)}…`);
    };
    const view = (c: Container) => ({
      ID: id(c), Image: c.rec.image, Command: command(c), CreatedAt: c.rec.created, RunningFor: humanAgo(c.rec.created),
      Ports: c.state.status === 'running' || c.state.status === 'paused' ? portsColumn(c.rec.hostConfig.portBindings ?? []) : '', State: c.state.status, Status: statusText(c), Names: [c.rec.name, ...linkNames(c.rec.name, all)].join(','), Labels: Object.entries(c.rec.config.labels).map(([k, v]) => `${k}=${v}`).join(','),
      Mounts: c.rec.hostConfig.mounts.map((m) => m.name ?? m.source).join(','), Networks: c.rec.hostConfig.networkMode,
    });
    if (this.format) {
      const tpl = compileTemplate(this.format);
      if (tpl.table) this.out(tpl.header());
      for (const c of rows) this.out(tpl.render(view(c)));
      return;
    }
    this.context.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      rows.map((c) => { const v = view(c); return [v.ID, v.Image, v.Command, v.RunningFor, v.Status, v.Ports, v.Names]; })));
  }
}
