import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { execInContainer } from '../../runtime/exec.ts';

export class ExecCommand extends TspodCommand {
  static paths = [['exec'], ['container', 'exec']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Run a command in a running container',
    details: 'Exits with the command\'s status (126 cannot invoke, 127 not found). The process joins the container\'s namespaces with nsenter; as root inside, it keeps the full capability set of the container\'s user namespace (nsenter cannot drop capabilities), unlike the container\'s own processes.',
    examples: [['A shell in a running container', '$0 exec -it web sh']],
  });

  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep stdin open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  detach = Option.Boolean('-d,--detach', false, { description: 'Run in the background' });
  user = Option.String('-u,--user', { description: 'User: name, uid, uid:gid or name:group' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  env = Option.Array('-e,--env', [], { description: 'Set an environment variable' });
  container = Option.String();
  command = Option.Proxy();

  async run(): Promise<number> {
    const c = lookup(this.openStore(), this.container);
    const io = this.io();
    return execInContainer(c, {
      command: this.command, interactive: this.interactive, tty: this.tty, detach: this.detach,
      user: this.user, workdir: this.workdir, env: this.env,
    }, io);
  }
}
