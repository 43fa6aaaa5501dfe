import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, startContainer } from '../../runtime/lifecycle.ts';
import { parseDetachKeys } from '../../runtime/attach-client.ts';

export class StartCommand extends TspodCommand {
  static paths = [['start'], ['container', 'start']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Start one or more stopped containers',
    details: 'With -a, attaches to the (single) container and exits with its status; -i also forwards stdin.',
  });

  attach = Option.Boolean('-a,--attach', false, { description: 'Attach stdout/stderr and wait for the exit status' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Attach stdin' });
  detachKeys = Option.String('--detach-keys', 'ctrl-p,ctrl-q', { description: 'Key sequence that detaches' });
  containers = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    if (this.attach || this.interactive) {
      const c = lookup(store, this.containers[0]);
      const io = this.io();
      const r = await startContainer(store, c.rec, { attach: { io, tty: c.rec.config.tty, stdin: this.interactive, detachKeys: parseDetachKeys(this.detachKeys) } });
      return r.attach?.exitCode ?? 0;
    }
    return this.eachItem(this.containers, async (q) => {
      const c = lookup(store, q);
      if (c.state.status !== 'running') await startContainer(store, c.rec);
    });
  }
}
