import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { portLines } from '../../network/ports.ts';

export class PortCommand extends TspodCommand {
  static paths = [['port'], ['container', 'port']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'List port mappings of a container',
    details: 'PORT may be 80 or 80/udp. Containers on the host network publish nothing: their ports are the host\'s.',
  });

  container = Option.String();
  port = Option.String({ required: false });

  async run(): Promise<number> {
    const c = lookup(this.openStore(), this.container);
    const lines = portLines(c.rec.hostConfig.portBindings ?? [], this.port);
    if (this.port && !lines.length) {
      this.context.stderr.write(`Error: no public port '${this.port}' published for ${c.rec.name}\n`);
      return 1;
    }
    for (const l of lines) this.out(l);
    return 0;
  }
}
