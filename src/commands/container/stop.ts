import { Option, isNumber } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, stopContainer } from '../../runtime/lifecycle.ts';

export class StopCommand extends TspodCommand {
  static paths = [['stop'], ['container', 'stop']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Stop one or more running containers',
    details: 'Sends the image\'s StopSignal (SIGTERM by default), then SIGKILL after the timeout. A stopped container is not restarted by its restart policy.',
  });

  time = Option.String('-t,--time,--timeout', { validator: isNumber(), description: 'Seconds to wait before killing (default: the container\'s --stop-timeout, else 10)' });
  signal = Option.String('-s,--signal', { description: 'Signal to send instead of the StopSignal' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.containers, (q) => stopContainer(lookup(store, q), this.time, this.signal), { parallel: true });
  }
}
