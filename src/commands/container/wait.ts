import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, waitContainer } from '../../runtime/lifecycle.ts';

export class WaitCommand extends TspodCommand {
  static paths = [['wait'], ['container', 'wait']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Block until containers stop, then print their exit codes' });

  containers = Option.Rest({ required: 1 });

  async run(): Promise<void> {
    const store = this.openStore();
    for (const q of this.containers) this.out(String(await waitContainer(lookup(store, q))));
  }
}
