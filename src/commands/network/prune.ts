import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pruneNetworks } from '../../network/membership.ts';
import { category } from './category.ts';

export class NetworkPruneCommand extends TspodCommand {
  static paths = [['network', 'prune']];
  static usage = TspodCommand.Usage({ category, description: 'Remove every network no container is on' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask (tspod never asks)' });

  async run(): Promise<void> {
    const removed = await pruneNetworks(this.openStore());
    if (removed.length) this.out(`Deleted Networks:\n${removed.join('\n')}`);
  }
}
