import { Option, isNumber } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup, tspodArgv } from '../../runtime/lifecycle.ts';
import { systemdUnit } from '../../system/systemd.ts';

export class GenerateSystemdCommand extends TspodCommand {
  static paths = [['generate', 'systemd']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Print a systemd user unit that runs an existing container',
    details: 'With `loginctl enable-linger`, the container comes back after a reboot or logout.',
    examples: [['Install for container web', '$0 generate systemd web > ~/.config/systemd/user/container-web.service']],
  });

  time = Option.String('-t,--time', '10', { validator: isNumber(), description: 'Stop timeout in seconds' });
  container = Option.String();

  async run(): Promise<void> {
    const c = lookup(this.openStore(), this.container);
    this.context.stdout.write(systemdUnit({ tspod: tspodArgv(), name: c.rec.name, stopTimeout: this.time }));
  }
}
