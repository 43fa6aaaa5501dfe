import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { runContainer } from '../../runtime/run.ts';
import { progressFor } from '../../ui/progress.ts';

export class RunCommand extends TspodCommand {
  static paths = [['run'], ['container', 'run']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Create and run a new container from an image',
    details: 'The image is pulled if it is not in the store. The exit status is the container\'s; 125 means tspod itself failed, 126 that the command cannot be invoked, 127 that it was not found.',
    examples: [
      ['Run a command and remove the container', '$0 run --rm busybox echo hello'],
      ['An interactive shell', '$0 run -it --rm busybox sh'],
    ],
  });

  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  name = Option.String('--name', { description: 'Name the container' });
  env = Option.Array('-e,--env', [], { description: 'Set an environment variable (KEY=VALUE, or KEY to take the host\'s)' });
  envFile = Option.Array('--env-file', [], { description: 'Read environment variables from a file' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  user = Option.String('-u,--user', { description: 'User: name, uid, uid:gid or name:group' });
  hostname = Option.String('-h,--hostname', { description: 'Container host name' });
  entrypoint = Option.String('--entrypoint', { description: 'Override the image\'s entrypoint' });
  volume = Option.Array('-v,--volume', [], { description: 'Bind mount HOST:CONTAINER[:ro], or a named volume NAME:CONTAINER' });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep stdin open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  readOnly = Option.Boolean('--read-only', false, { description: 'Mount the root filesystem read-only' });
  network = Option.String('--network,--net', 'host', { description: 'Network: host or none' });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require verified HTTPS when pulling' });
  image = Option.String();
  command = Option.Proxy();

  async run(): Promise<number> {
    return runContainer({
      image: this.image,
      tlsVerify: this.tlsVerify,
      create: {
        name: this.name,
        command: this.command,
        entrypoint: this.entrypoint,
        env: this.env,
        envFiles: this.envFile,
        workdir: this.workdir,
        user: this.user,
        hostname: this.hostname,
        volumes: this.volume,
        tty: this.tty,
        interactive: this.interactive,
        autoRemove: this.rm,
        readOnly: this.readOnly,
        network: this.network,
      },
      io: { stdin: this.context.stdin as NodeJS.ReadStream, stdout: this.context.stdout as NodeJS.WriteStream, stderr: this.context.stderr as NodeJS.WriteStream },
      progress: progressFor(this.context.stderr as NodeJS.WriteStream),
      store: this.openStore(),
    });
  }
}
