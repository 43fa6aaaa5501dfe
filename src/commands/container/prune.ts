import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pruneContainers } from '../../runtime/remove.ts';

export class ContainerPruneCommand extends TspodCommand {
  static paths = [['container', 'prune']];
  static usage = TspodCommand.Usage({
    category: 'Containers', description: 'Remove all stopped containers',
    details: 'Each container is tried in turn: one that cannot be removed is reported on stderr and the others still go; the exit status is then 1.',
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    if (!this.force && (this.context.stdin as NodeJS.ReadStream).isTTY) {
      this.context.stdout.write('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
      const answer = await new Promise<string>((resolve) => this.context.stdin.once('data', (d) => resolve(String(d))));
      (this.context.stdin as NodeJS.ReadStream).pause();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    const reports = await pruneContainers(this.openStore());
    this.out('Deleted Containers:');
    for (const r of reports) if (!r.error) this.out(r.id);
    return this.reportFailures(reports.map((r) => r.error));
  }
}
