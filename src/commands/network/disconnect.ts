import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { disconnect } from '../../network/membership.ts';
import { category } from './category.ts';

export class NetworkDisconnectCommand extends TspodCommand {
  static paths = [['network', 'disconnect']];
  static usage = TspodCommand.Usage({ category, description: 'Disconnect a container from a network' });

  force = Option.Boolean('-f,--force', false, { description: 'Accepted for docker compatibility' });
  network = Option.String();
  container = Option.String();

  async run(): Promise<void> {
    await disconnect(this.openStore(), this.network, this.container);
  }
}
