import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pruneVolumes } from '../../volume/volumes.ts';
import { pruneAll, volumeFilter } from '../../runtime/volume-filters.ts';
import { category } from './category.ts';

export class VolumePruneCommand extends TspodCommand {
  static paths = [['volume', 'prune']];
  static usage = TspodCommand.Usage({ category, description: 'Remove volumes no container uses', details: 'Anonymous volumes only (docker 23+), every unused one with `--all`.' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask (tspod never asks)' });
  all = Option.Boolean('-a,--all', false, { description: 'Named volumes too' });
  filter = Option.Array('--filter', [], { description: 'label=..., label!=..., name=...' });

  async run(): Promise<void> {
    const removed = await pruneVolumes(this.openStore(), volumeFilter(this.filter, ['label', 'label!', 'name', 'all']), { all: this.all || pruneAll(this.filter) });
    if (removed.length) this.out(`Deleted Volumes:\n${removed.join('\n')}`);
  }
}
