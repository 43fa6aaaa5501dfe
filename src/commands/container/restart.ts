import { Option } from 'clipanion';
import * as t from 'typanion';
import { TspodCommand } from '../base.ts';
import { lookup, stopContainer, startContainer } from '../../runtime/lifecycle.ts';
import { describeError } from '../../errors.ts';

export class RestartCommand extends TspodCommand {
  static paths = [['restart'], ['container', 'restart']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Restart one or more containers' });

  time = Option.String('-t,--time,--timeout', '10', { validator: t.isNumber(), description: 'Seconds to wait before killing' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    let status = 0;
    for (const q of this.containers) {
      try {
        await stopContainer(lookup(store, q), this.time);
        await startContainer(store, lookup(store, q).rec);
        this.out(q);
      } catch (err) {
        this.context.stderr.write(`Error: ${describeError(err)}\n`);
        status = 1;
      }
    }
    return status;
  }
}
