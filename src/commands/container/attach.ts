import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, attachContainer } from '../../runtime/lifecycle.ts';
import { parseDetachKeys } from '../../runtime/attach-client.ts';

export class AttachCommand extends TspodCommand {
  static paths = [['attach'], ['container', 'attach']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Attach your terminal to a running container',
    details: 'Ctrl-P Ctrl-Q (or --detach-keys) detaches and leaves it running; otherwise tspod exits with the container\'s status when it ends.',
  });

  noStdin = Option.Boolean('--no-stdin', false, { description: 'Do not attach stdin' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'Key sequence that detaches' });
  container = Option.String();

  async run(): Promise<number> {
    const store = this.openStore();
    const c = lookup(store, this.container);
    const io = this.io();
    const r = await attachContainer(c, { io, tty: c.rec.config.tty, stdin: !this.noStdin && c.rec.config.openStdin, detachKeys: parseDetachKeys(this.detachKeys) });
    if (r.detached) return 0;
    return r.exitCode ?? 0;
  }
}
