import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { removeNetwork } from '../../network/membership.ts';
import { category } from './category.ts';

export class NetworkRmCommand extends TspodCommand {
  static paths = [['network', 'rm'], ['network', 'remove']];
  static usage = TspodCommand.Usage({ category, description: 'Remove networks', details: 'Refused while a container is on the network.' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not fail when a network does not exist' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.names, (q) => removeNetwork(store, q), { missingOk: this.force ? 'ERR_TSPOD_NO_SUCH_NETWORK' : undefined });
  }
}
