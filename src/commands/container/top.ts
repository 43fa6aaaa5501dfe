import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { topContainer } from '../../runtime/top.ts';

export class TopCommand extends TspodCommand {
  static paths = [['top'], ['container', 'top']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Display the running processes of a container (ps options may follow)' });

  container = Option.String();
  psArgs = Option.Proxy();

  async run(): Promise<void> {
    const { header, rows } = topContainer(lookup(this.openStore(), this.container), this.psArgs);
    this.out([header, ...rows].join('\n'));
  }
}
