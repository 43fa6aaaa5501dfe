import { Option } from '../../cli/options.ts';
import { CreateFlags } from './create-flags.ts';
import { runContainer } from '../../runtime/run.ts';
import { parseDetachKeys } from '../../runtime/attach-client.ts';

export class RunCommand extends CreateFlags {
  static paths = [['run'], ['container', 'run']];
  static usage = CreateFlags.Usage({
    category: 'Containers',
    description: 'Create and run a new container from an image',
    details: 'The image is pulled if it is not in the store. Attached, the exit status is the container\'s; 125 means tspod itself failed, 126 that the command cannot be invoked, 127 that it was not found. With -d the full container id is printed. With -it, Ctrl-P Ctrl-Q detaches and leaves the container running.',
    examples: [
      ['Run a command and remove the container', '$0 run --rm busybox echo hello'],
      ['An interactive shell', '$0 run -it --rm busybox sh'],
      ['A background server that comes back when it fails', '$0 run -d --restart on-failure:3 --name web busybox httpd -f'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, { description: 'Run in the background and print the container id' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'Key sequence that detaches' });

  async run(): Promise<number> {
    const keys = parseDetachKeys(this.detachKeys);
    const r = await runContainer({ ...this.createRequest(), detach: this.detach, io: this.io(), detachKeys: keys, attach: this.attachStreams, sigProxy: this.sigProxy });
    if (r.detached) {
      if (this.detach) this.out(r.id);
      return 0;
    }
    return r.exitCode;
  }
}
