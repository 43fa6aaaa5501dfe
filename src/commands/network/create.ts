import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { collectLabels } from '../../runtime/labels.ts';
import { addNetwork } from '../../network/membership.ts';
import { category } from './category.ts';

export class NetworkCreateCommand extends TspodCommand {
  static paths = [['network', 'create']];
  static usage = TspodCommand.Usage({
    category, description: 'Create a network',
    details: 'A bridge in the per-user network namespace; containers on it reach each other by name and address, and the outside through their own pasta/slirp4netns. Subnets default to the first free 10.89.N.0/24.',
  });

  driver = Option.String('-d,--driver', 'bridge', { description: 'Driver: bridge' });
  subnet = Option.String('--subnet', { description: 'IPv4 subnet in CIDR form' });
  gateway = Option.String('--gateway', { description: 'Gateway address (default: the first in the subnet)' });
  internal = Option.Boolean('--internal', false, { description: 'No access to the outside' });
  label = Option.Array('--label', [], { description: 'Label KEY=VALUE' });
  name = Option.String();

  async run(): Promise<void> {
    const n = await addNetwork(this.openStore(), {
      name: this.name, driver: this.driver, subnet: this.subnet, gateway: this.gateway, internal: this.internal, labels: collectLabels([], this.label),
    });
    this.out(n.id);
  }
}
