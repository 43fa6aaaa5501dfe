import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { findShownNetwork } from '../../network/predefined.ts';
import { inspectNetwork } from '../../runtime/inspect.ts';
import { compileDocsFormat } from '../../ui/template.ts';
import { category } from './category.ts';

export class NetworkInspectCommand extends TspodCommand {
  static paths = [['network', 'inspect']];
  static usage = TspodCommand.Usage({ category, description: 'Show networks as JSON' });

  format = Option.String('-f,--format', { description: 'Go template for each network' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const out = compileDocsFormat(this.format);
    const store = this.openStore();
    const docs: unknown[] = [];
    const status = await this.eachItem(this.names, async (q) => { docs.push(inspectNetwork(store, await findShownNetwork(store, q))); }, { echo: false });
    this.context.stdout.write(out.render(docs));
    return status;
  }
}
