import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { diffContainer } from '../../runtime/commit.ts';

export class DiffCommand extends TspodCommand {
  static paths = [['diff'], ['container', 'diff']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: "Inspect changes to files or directories on a container's filesystem",
    details: 'One line per changed path, sorted: `A` added, `C` changed, `D` deleted. Directories holding a change are listed as changed, as docker lists them.',
  });

  container = Option.String();

  async run(): Promise<void> {
    for (const c of await diffContainer(this.openStore(), this.container)) this.out(`${c.kind} ${c.path}`);
  }
}
