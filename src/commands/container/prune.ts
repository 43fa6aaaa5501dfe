import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { listContainers } from '../../runtime/lifecycle.ts';
import { removeContainer } from '../../runtime/remove.ts';
import { collectGarbage } from '../../image/remove.ts';
import { isActive } from '../../storage/state.ts';

export class ContainerPruneCommand extends TspodCommand {
  static paths = [['container', 'prune']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Remove all stopped containers' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    if (!this.force && (this.context.stdin as NodeJS.ReadStream).isTTY) {
      this.context.stdout.write('WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
      const answer = await new Promise<string>((resolve) => this.context.stdin.once('data', (d) => resolve(String(d))));
      (this.context.stdin as NodeJS.ReadStream).pause();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    const store = this.openStore();
    const stopped = listContainers(store).filter((c) => !isActive(c.state));
    this.out('Deleted Containers:');
    for (const c of stopped) {
      await removeContainer(store, c.rec.id, { force: false, volumes: false });
      this.out(c.rec.id);
    }
    await collectGarbage(store);
    return 0;
  }
}
