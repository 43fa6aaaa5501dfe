import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { getVolume, volumeView } from '../../volume/volumes.ts';
import { compileDocsFormat } from '../../ui/template.ts';
import { category } from './category.ts';

export class VolumeInspectCommand extends TspodCommand {
  static paths = [['volume', 'inspect']];
  static usage = TspodCommand.Usage({ category, description: 'Show volumes as JSON', details: 'docker\'s shape: CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope.' });

  format = Option.String('-f,--format', { description: 'Go template for each volume' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const out = compileDocsFormat(this.format);
    const store = this.openStore();
    const docs: unknown[] = [];
    const status = await this.eachItem(this.names, (q) => { docs.push(volumeView(store, getVolume(store, q))); }, { echo: false });
    this.context.stdout.write(out.render(docs));
    return status;
  }
}
