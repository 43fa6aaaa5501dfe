import { streamToFileAtomic } from '../../storage/atomic.ts';
import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { exportContainer } from '../../runtime/commit.ts';
import { UsageError } from '../../errors.ts';

export class ExportCommand extends TspodCommand {
  static paths = [['export'], ['container', 'export']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: "Export a container's filesystem as a tar archive",
    details: 'The merged filesystem as the container sees it (image layers and its own changes, deletions applied), owners as inside the container. Works on running and stopped containers.',
    examples: [['Flatten a container into a new image', '$0 export web | $0 import - web-flat']],
  });

  output = Option.String('-o,--output', { description: 'Write to a file, instead of STDOUT' });
  container = Option.String();

  async run(): Promise<void> {
    const store = this.openStore();
    const stdout = this.context.stdout as NodeJS.WriteStream;
    if (!this.output) {
      if (stdout.isTTY) throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      await exportContainer(store, this.container, stdout);
      return;
    }
    await streamToFileAtomic(this.output, (file) => exportContainer(store, this.container, file));
  }
}
