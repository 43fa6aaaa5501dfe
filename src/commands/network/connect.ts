import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { connect } from '../../network/membership.ts';
import { category } from './category.ts';

export class NetworkConnectCommand extends TspodCommand {
  static paths = [['network', 'connect']];
  static usage = TspodCommand.Usage({ category, description: 'Connect a container to a network', details: 'A running container gets its new interface at once; a stopped one at its next start.' });

  alias = Option.Array('--alias', [], { description: 'Another name for the container on this network' });
  ip = Option.String('--ip', { description: 'IPv4 address on this network' });
  network = Option.String();
  container = Option.String();

  async run(): Promise<void> {
    await connect(this.openStore(), this.network, this.container, { aliases: this.alias, ip: this.ip });
  }
}
