import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { login, logout } from '../../registry/login.ts';
import { UsageError } from '../../errors.ts';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let s = '';
  for await (const c of stream) s += c.toString();
  return s;
}

export class LoginCommand extends TspodCommand {
  static paths = [['login']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Log in to a registry',
    details: `
      Checks the username and password with the registry first, then stores them where docker and podman read them: \`$XDG_RUNTIME_DIR/containers/auth.json\`, and \`~/.docker/config.json\` when you have one — or in a credential helper (\`docker-credential-NAME\`) when that file names one in \`credHelpers\` or \`credsStore\`. \`--authfile\` (or REGISTRY_AUTH_FILE) uses that file alone.

      Prefer \`--password-stdin\`: a password given with \`-p\` is visible to other users in the process list.
    `,
    examples: [['Log in from a CI secret', 'echo "$TOKEN" | $0 login -u ci --password-stdin registry.example.com']],
  });

  username = Option.String('-u,--username', { description: 'Username' });
  password = Option.String('-p,--password', { description: 'Password' });
  passwordStdin = Option.Boolean('--password-stdin', false, { description: 'Take the password from stdin' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require HTTPS with a verified certificate' });
  registry = Option.String({ required: false });

  async run(): Promise<void> {
    let password = this.password;
    if (this.passwordStdin) {
      if (this.password) throw new UsageError('--password and --password-stdin are mutually exclusive');
      if (!this.username) throw new UsageError('must provide --username with --password-stdin');
      password = (await readAll(this.context.stdin)).replace(/\r?\n$/, '');
    } else if (this.password) {
      this.context.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (this.username && password === undefined) throw new UsageError('a password is needed: use --password-stdin (or -p)');
    if (password !== undefined && !this.username) throw new UsageError('a username is needed: use -u');
    await login({
      registry: this.registry, authfile: this.authfile, tlsVerify: this.tlsVerify, configHome: this.openStore().paths.configHome,
      credentials: this.username ? { username: this.username, password: password! } : undefined,
    });
    this.out('Login Succeeded');
  }
}

export class LogoutCommand extends TspodCommand {
  static paths = [['logout']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Log out from a registry',
    details: 'Removes the registry\'s credentials from every auth file tspod reads (and from their credential helpers); `--all` removes every registry\'s.',
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove the credentials of every registry' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  registry = Option.String({ required: false });

  async run(): Promise<void> {
    const removed = logout({ registry: this.registry, all: this.all, authfile: this.authfile });
    if (this.all) this.out('Removed login credentials for all registries');
    else this.out(`Removed login credentials for ${removed[0]}`);
  }
}
