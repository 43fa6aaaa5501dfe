import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { isModeNetwork, listShownNetworks, type ShownNetwork } from '../../network/predefined.ts';
import { compileTemplate } from '../../ui/template.ts';
import { goTime } from '../../ui/format.ts';
import { dockerMatch, matchLabels, parseFilters } from '../../runtime/filters.ts';
import { category } from './category.ts';

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
    const id = (n: ShownNetwork) => (this.noTrunc ? n.id : n.id.slice(0, 12));
    const rows = (await listShownNetworks(this.openStore())).filter((n) => [...filters].every(([key, values]) => (key === 'label'
      ? matchLabels(values, isModeNetwork(n) ? {} : n.labels)
      : values.some((v) => (key === 'name' ? dockerMatch(v, n.name) : key === 'id' ? dockerMatch(v, n.id) : n.driver === v)))));
    const view = (n: ShownNetwork) => {
      const labels = isModeNetwork(n) ? {} : n.labels;
      return {
        CreatedAt: goTime(n.created), Driver: n.driver, ID: id(n), IPv6: 'false', Internal: String(!isModeNetwork(n) && n.internal),
        Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(','), Name: n.name, Scope: 'local', Subnet: isModeNetwork(n) ? '' : n.subnet,
        Label: (key: string) => labels[key] ?? '',
      };
    };
    this.context.stdout.write(tpl.list(rows.map(view)));
  }
}
