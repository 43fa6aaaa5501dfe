import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { liveStatus } from '../../runtime/remove.ts';
import { table, humanAgo, humanDuration } from '../../ui/format.ts';
import type { ContainerRecord } from '../../storage/containers.ts';

function statusText(c: ContainerRecord, status: string): string {
  if (status === 'running') return `Up ${humanDuration(Date.now() - Date.parse(c.state.startedAt))}`;
  if (status === 'created') return 'Created';
  return `Exited (${c.state.exitCode}) ${humanAgo(c.state.finishedAt)}`;
}

export class PsCommand extends TspodCommand {
  static paths = [['ps'], ['container', 'ls'], ['container', 'list']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'List containers' });

  all = Option.Boolean('-a,--all', false, { description: 'Show all containers (default shows just running)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only display container ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate output' });

  async run(): Promise<void> {
    const rows = this.openStore().containers()
      .map((c) => ({ c, status: liveStatus(c) }))
      .filter(({ status }) => this.all || status === 'running')
      .sort((a, b) => b.c.created.localeCompare(a.c.created));
    const id = (c: ContainerRecord) => (this.noTrunc ? c.id : c.id.slice(0, 12));
    if (this.quiet) {
      for (const { c } of rows) this.out(id(c));
      return;
    }
    const command = (c: ContainerRecord) => {
      const s = [...c.config.entrypoint, ...c.config.cmd].join(' ');
      return JSON.stringify(this.noTrunc || s.length <= 20 ? s : `${s.slice(0, 19)}…`);
    };
    this.context.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'],
      rows.map(({ c, status }) => [id(c), c.image, command(c), humanAgo(c.created), statusText(c, status), '', c.name])));
  }
}
