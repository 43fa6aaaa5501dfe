/** `network create|ls|inspect|rm|prune|connect|disconnect`: user-defined networks. */
import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { createNetwork, findNetwork, listNetworks, endpointsOn, type NetworkRecord } from '../../slirp/networks.ts';
import { connect, disconnect, pruneNetworks, removeNetwork } from '../../slirp/membership.ts';
import { compileTemplate } from '../../ui/template.ts';
import { table } from '../../ui/format.ts';
import { TspodError } from '../../errors.ts';
import type { Store } from '../../storage/store.ts';

const category = 'Networks';

function parseLabels(labels: string[]): Record<string, string> {
  return Object.fromEntries(labels.map((l) => { const i = l.indexOf('='); return i < 0 ? [l, ''] : [l.slice(0, i), l.slice(i + 1)]; }));
}

/** docker's `network inspect` shape, with the containers on the network. */
function inspectView(store: Store, n: NetworkRecord): Record<string, unknown> {
  const containers = Object.fromEntries(endpointsOn(store.containers(), n.name).map(({ rec, endpoint }) => [rec.id, {
    Name: rec.name, IPv4Address: `${endpoint.ip}/${n.subnet.split('/')[1]}`, Aliases: endpoint.aliases,
  }]));
  return {
    Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv6: false,
    IPAM: { Driver: 'default', Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
    Internal: n.internal, Containers: containers, Labels: n.labels,
  };
}

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
    const store = this.openStore();
    const n = await store.locked(() => createNetwork(store.root, {
      name: this.name, driver: this.driver, subnet: this.subnet, gateway: this.gateway, internal: this.internal, labels: parseLabels(this.label),
    }));
    this.out(n.id);
  }
}

export class NetworkLsCommand extends TspodCommand {
  static paths = [['network', 'ls'], ['network', 'list']];
  static usage = TspodCommand.Usage({ category, description: 'List networks', details: '`--format` takes a Go template over ID, Name, Driver, Scope, Subnet, Labels.' });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only network ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Full ids' });
  format = Option.String('--format', { description: 'Go template' });
  filter = Option.Array('-f,--filter', [], { description: 'name=..., id=..., driver=...' });

  async run(): Promise<void> {
    const id = (n: NetworkRecord) => (this.noTrunc ? n.id : n.id.slice(0, 12));
    let rows = listNetworks(this.openStore().root);
    for (const f of this.filter) {
      const [key, value = ''] = f.split('=');
      if (!['name', 'id', 'driver'].includes(key)) throw new TspodError('ERR_TSPOD_USAGE', `invalid filter \`${f}\`: use name=, id= or driver=`);
      rows = rows.filter((n) => (key === 'name' ? n.name.includes(value) : key === 'id' ? n.id.startsWith(value) : n.driver === value));
    }
    if (this.quiet) { for (const n of rows) this.out(id(n)); return; }
    const view = (n: NetworkRecord) => ({ ID: id(n), Name: n.name, Driver: n.driver, Scope: 'local', Subnet: n.subnet, Labels: Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(',') });
    if (this.format) {
      const tpl = compileTemplate(this.format);
      if (tpl.table) this.out(tpl.header());
      for (const n of rows) this.out(tpl.render(view(n)));
      return;
    }
    this.context.stdout.write(table(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'], rows.map((n) => { const v = view(n); return [v.ID, v.Name, v.Driver, v.Scope]; })));
  }
}

export class NetworkInspectCommand extends TspodCommand {
  static paths = [['network', 'inspect']];
  static usage = TspodCommand.Usage({ category, description: 'Show networks as JSON' });

  format = Option.String('-f,--format', { description: 'Go template for each network' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    const docs: unknown[] = [];
    const status = await this.eachItem(this.names, (q) => { docs.push(inspectView(store, findNetwork(store.root, q))); }, { echo: false });
    this.outDocs(docs, this.format);
    return status;
  }
}

export class NetworkRmCommand extends TspodCommand {
  static paths = [['network', 'rm'], ['network', 'remove']];
  static usage = TspodCommand.Usage({ category, description: 'Remove networks', details: 'Refused while a container is on the network.' });

  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.names, (q) => removeNetwork(store, q));
  }
}

export class NetworkPruneCommand extends TspodCommand {
  static paths = [['network', 'prune']];
  static usage = TspodCommand.Usage({ category, description: 'Remove every network no container is on' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not ask (tspod never asks)' });

  async run(): Promise<void> {
    const removed = await pruneNetworks(this.openStore());
    if (removed.length) this.out(`Deleted Networks:\n${removed.join('\n')}`);
  }
}

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

export class NetworkDisconnectCommand extends TspodCommand {
  static paths = [['network', 'disconnect']];
  static usage = TspodCommand.Usage({ category, description: 'Disconnect a container from a network' });

  force = Option.Boolean('-f,--force', false, { description: 'Accepted for docker compatibility' });
  network = Option.String();
  container = Option.String();

  async run(): Promise<void> {
    await disconnect(this.openStore(), this.network, this.container);
  }
}
