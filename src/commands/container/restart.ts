import { Option, isNumber } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, stopContainer, startContainer } from '../../runtime/lifecycle.ts';

export class RestartCommand extends TspodCommand {
  static paths = [['restart'], ['container', 'restart']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Restart one or more containers' });

  time = Option.String('-t,--time,--timeout', '10', { validator: isNumber(), description: 'Seconds to wait before killing' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.containers, async (q) => {
      await stopContainer(lookup(store, q), this.time);
      await startContainer(store, lookup(store, q).rec);
    });
  }
}
