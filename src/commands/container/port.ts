import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';

export class PortCommand extends TspodCommand {
  static paths = [['port'], ['container', 'port']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'List port mappings of a container',
    details: 'Containers on the host network publish nothing: their ports are the host\'s.',
  });

  container = Option.String();
  port = Option.String({ required: false });

  async run(): Promise<number> {
    const c = lookup(this.openStore(), this.container);
    const ports = (c.rec.hostConfig as { ports?: Array<{ container: string; hostIp: string; hostPort: number }> }).ports ?? [];
    const shown = this.port ? ports.filter((p) => p.container === this.port || p.container === `${this.port}/tcp`) : ports;
    if (this.port && !shown.length) {
      this.context.stderr.write(`Error: no public port '${this.port}' published for ${c.rec.name}\n`);
      return 1;
    }
    for (const p of shown) this.out(this.port ? `${p.hostIp}:${p.hostPort}` : `${p.container} -> ${p.hostIp}:${p.hostPort}`);
    return 0;
  }
}
