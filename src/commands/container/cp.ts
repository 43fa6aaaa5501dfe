import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { copy, splitContainerPath } from '../../runtime/cp.ts';
import { UsageError } from '../../errors.ts';

export class CpCommand extends TspodCommand {
  static paths = [['cp'], ['container', 'cp']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Copy files between a container and the host',
    details: 'One side is CONTAINER:PATH. Into an existing directory the source keeps its name; SRC/. copies the contents. Symlinks in the container never lead out onto the host. Works on running and stopped containers.',
    examples: [['Copy a directory out', '$0 cp web:/etc/nginx ./nginx-conf'], ['Copy a file in', '$0 cp app.conf web:/etc/app/']],
  });

  src = Option.String();
  dest = Option.String();

  async run(): Promise<void> {
    const from = splitContainerPath(this.src);
    const to = splitContainerPath(this.dest);
    if (!!from === !!to) throw new UsageError('copying needs exactly one side to be CONTAINER:PATH');
    const store = this.openStore();
    if (from) await copy(store, lookup(store, from.container), 'from-container', from.path, this.dest);
    else await copy(store, lookup(store, to!.container), 'to-container', to!.path, this.src);
  }
}
