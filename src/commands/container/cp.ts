import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { copy } from '../../runtime/cp.ts';

export class CpCommand extends TspodCommand {
  static paths = [['cp'], ['container', 'cp']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Copy files between a container and the host',
    details: 'One side is CONTAINER:PATH. Into an existing directory the source keeps its name; SRC/. copies the contents. `-` as SRC reads a tar archive from stdin and extracts it into a directory of the container; `-` as DEST writes a tar archive of the container path to stdout. Files copied in belong to the container\'s root, files copied out to you. Symlinks in the container never lead out onto the host. Works on running and stopped containers.',
    examples: [
      ['Copy a directory out', '$0 cp web:/etc/nginx ./nginx-conf'],
      ['Copy a file in', '$0 cp app.conf web:/etc/app/'],
      ['Stream a tar archive in', '$0 cp - web:/srv < site.tar'],
      ['Stream a tar archive out', '$0 cp web:/var/log - > logs.tar'],
    ],
  });

  src = Option.String();
  dest = Option.String();

  async run(): Promise<void> {
    await copy(this.openStore(), { src: this.src, dest: this.dest, stdin: this.context.stdin, stdout: this.context.stdout });
  }
}
