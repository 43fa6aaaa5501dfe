import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { resetStore } from '../../system/reset.ts';

export class ResetCommand extends TspodCommand {
  static paths = [['system', 'reset']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Remove all containers, images and volumes of this user',
    details: 'Running containers are killed. Asks for confirmation on a terminal unless `-f`.',
  });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    const store = this.openStore();
    if (!this.force && (this.context.stdin as NodeJS.ReadStream).isTTY) {
      this.context.stdout.write(`This removes every container, image and volume under ${store.root}. Continue? [y/N] `);
      const answer = await new Promise<string>((resolve) => this.context.stdin.once('data', (d) => resolve(String(d))));
      (this.context.stdin as NodeJS.ReadStream).pause();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    await resetStore(store);
    return 0;
  }
}
