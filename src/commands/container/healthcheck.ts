import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { runHealthcheck } from '../../runtime/health.ts';

export class HealthcheckRunCommand extends TspodCommand {
  static paths = [['healthcheck', 'run'], ['container', 'healthcheck', 'run']];
  static usage = TspodCommand.Usage({
    category: 'Containers', description: 'Run a container\'s health check now',
    details: 'Runs the check once, records the result as the monitor does, and exits 0 when the container is healthy, 1 otherwise (podman\'s healthcheck run).',
  });

  container = Option.String();

  async run(): Promise<number> {
    const health = await runHealthcheck(lookup(this.openStore(), this.container));
    if (health.Status !== 'healthy') this.out(health.Status);
    return health.Status === 'healthy' ? 0 : 1;
  }
}
