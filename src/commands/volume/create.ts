import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { collectLabels } from '../../runtime/labels.ts';
import { createVolume } from '../../volume/volumes.ts';
import { category } from './category.ts';

export class VolumeCreateCommand extends TspodCommand {
  static paths = [['volume', 'create']];
  static usage = TspodCommand.Usage({
    category, description: 'Create a volume',
    details: 'A directory in the store (`volume inspect` shows its Mountpoint); without a name, a random one. `--opt type=tmpfs[,o=size=64m]` makes a volume that is a fresh tmpfs at each mount; `--opt type=none --opt o=bind --opt device=/path` one that binds a host directory. An existing name is returned as it is.',
    examples: [['A named volume', 'tspod volume create data'], ['A tmpfs volume', 'tspod volume create --opt type=tmpfs --opt o=size=64m scratch']],
  });

  driver = Option.String('-d,--driver', 'local', { description: 'Driver: local' });
  label = Option.Array('-l,--label', [], { description: 'Label KEY=VALUE' });
  opt = Option.Array('-o,--opt', [], { description: 'Driver option KEY=VALUE: type, device, o' });
  name = Option.String({ required: false });

  async run(): Promise<void> {
    const v = createVolume(this.openStore(), { name: this.name, driver: this.driver, labels: collectLabels([], this.label), options: collectLabels([], this.opt) });
    this.out(v.name);
  }
}
