import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { removeVolume } from '../../volume/volumes.ts';
import { category } from './category.ts';

export class VolumeRmCommand extends TspodCommand {
  static paths = [['volume', 'rm'], ['volume', 'remove']];
  static usage = TspodCommand.Usage({ category, description: 'Remove volumes', details: 'Refused while a container (running or not) uses the volume.' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not fail when a volume does not exist' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.names, (q) => removeVolume(store, q), { missingOk: this.force ? 'ERR_TSPOD_NO_SUCH_VOLUME' : undefined });
  }
}
