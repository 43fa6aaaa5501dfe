import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { renameContainer } from '../../runtime/create.ts';

export class RenameCommand extends TspodCommand {
  static paths = [['rename'], ['container', 'rename']];
  static usage = TspodCommand.Usage({ category: 'Containers', description: 'Rename a container' });

  container = Option.String();
  newName = Option.String();

  async run(): Promise<void> {
    await renameContainer(this.openStore(), this.container, this.newName);
  }
}
