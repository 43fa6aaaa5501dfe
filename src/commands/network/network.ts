/** `network create|ls|inspect|rm|prune|connect|disconnect`: user-defined networks. */
import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { findNetwork, listNetworks } from '../../network/networks.ts';
import type { NetworkRecord } from '../../model/network.ts';
import { inspectNetwork } from '../../runtime/inspect.ts';
import { collectLabels } from '../../runtime/labels.ts';
import { addNetwork, connect, disconnect, pruneNetworks, removeNetwork } from '../../network/membership.ts';
import { compileDocsFormat, compileTemplate } from '../../ui/template.ts';
import { goTime } from '../../ui/format.ts';
import { dockerMatch, matchLabels, parseFilters } from '../../runtime/filters.ts';

const category = 'Networks';

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

/** docker's network ls column titles. */
const NETWORK_HEADERS = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', Label: 'LABEL', CreatedAt: 'CREATED AT', Subnet: 'SUBNET' };
const NETWORK_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

export class NetworkLsCommand extends TspodCommand {
  static paths = [['network', 'ls'], ['network', 'list']];
  static usage = TspodCommand.Usage({ category, description: 'List networks', details: '`--format` takes a Go template over CreatedAt, Driver, ID, IPv6, Internal, Labels, Label "KEY", Name, Scope, Subnet (`table` adds a header, `json` prints one JSON object per line).' });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only network ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Full ids' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });
  filter = Option.Array('-f,--filter', [], { description: 'name=..., id=..., driver=..., label=...' });

  async run(): Promise<void> {
    const filters = parseFilters(this.filter, ['name', 'id', 'driver', 'label']);
    const tpl = compileTemplate(this.quiet ? '{{.ID}}' : this.format ?? NETWORK_TABLE, { headers: NETWORK_HEADERS, defaultTable: NETWORK_TABLE });
    const id = (n: NetworkRecord) => (this.noTrunc ? n.id : n.id.slice(0, 12));
    const rows = listNetworks(this.openStore().root).filter((n) => [...filters].every(([key, values]) => (key === 'label'
      ? matchLabels(values, n.labels)
      : values.some((v) => (key === 'name' ? dockerMatch(v, n.name) : key === 'id' ? dockerMatch(v, n.id) : n.driver === v)))));
    const view = (n: NetworkRecord) => ({
      CreatedAt: goTime(n.created), Driver: n.driver, ID: id(n), IPv6: 'false', Internal: String(n.internal),
      Labels: Object.entries(n.labels).map(([k, v]) => `${k}=${v}`).join(','), Name: n.name, Scope: 'local', Subnet: n.subnet,
      Label: (key: string) => n.labels[key] ?? '',
    });
    this.context.stdout.write(tpl.list(rows.map(view)));
  }
}

export class NetworkInspectCommand extends TspodCommand {
  static paths = [['network', 'inspect']];
  static usage = TspodCommand.Usage({ category, description: 'Show networks as JSON' });

  format = Option.String('-f,--format', { description: 'Go template for each network' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const out = compileDocsFormat(this.format);
    const store = this.openStore();
    const docs: unknown[] = [];
    const status = await this.eachItem(this.names, (q) => { docs.push(inspectNetwork(store, findNetwork(store.root, q))); }, { echo: false });
    this.context.stdout.write(out.render(docs));
    return status;
  }
}

export class NetworkRmCommand extends TspodCommand {
  static paths = [['network', 'rm'], ['network', 'remove']];
  static usage = TspodCommand.Usage({ category, description: 'Remove networks', details: 'Refused while a container is on the network.' });

  force = Option.Boolean('-f,--force', false, { description: 'Do not fail when a network does not exist' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    return this.eachItem(this.names, (q) => removeNetwork(store, q), { missingOk: this.force ? 'ERR_TSPOD_NO_SUCH_NETWORK' : undefined });
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
