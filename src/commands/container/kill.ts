import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, killContainer, signalNumber } from '../../runtime/lifecycle.ts';

export class KillCommand extends TspodCommand {
  static paths = [['kill'], ['container', 'kill']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Send a signal (default SIGKILL) to one or more running containers' });

  signal = Option.String('-s,--signal', 'KILL', { description: 'Signal name or number' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const sig = signalNumber(this.signal);
    const store = this.openStore();
    return this.eachItem(this.containers, (q) => killContainer(lookup(store, q), sig));
  }
}
