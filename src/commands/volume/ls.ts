import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { listVolumesFiltered, volumeView } from '../../volume/volumes.ts';
import { volumeFilter } from '../../runtime/volume-filters.ts';
import { compileTemplate } from '../../ui/template.ts';
import { category } from './category.ts';

/** docker's volume ls column titles. */
const VOLUME_HEADERS = { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE', Labels: 'LABELS', Label: 'LABEL', CreatedAt: 'CREATED AT' };
const VOLUME_TABLE = 'table {{.Driver}}\t{{.Name}}';

export class VolumeLsCommand extends TspodCommand {
  static paths = [['volume', 'ls'], ['volume', 'list']];
  static usage = TspodCommand.Usage({ category, description: 'List volumes', details: '`--format` takes a Go template over CreatedAt, Driver, Labels, Label "KEY", Mountpoint, Name, Scope (`table` adds a header, `json` prints one JSON object per line).' });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only volume names' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });
  filter = Option.Array('-f,--filter', [], { description: 'name=..., label=..., driver=..., dangling=true|false' });

  async run(): Promise<void> {
    const match = volumeFilter(this.filter, ['name', 'label', 'driver', 'dangling']);
    const tpl = compileTemplate(this.quiet ? '{{.Name}}' : this.format ?? VOLUME_TABLE, { headers: VOLUME_HEADERS, defaultTable: VOLUME_TABLE });
    const store = this.openStore();
    const rows = listVolumesFiltered(store, match).map((v) => ({
      ...volumeView(store, v), Labels: Object.entries(v.labels).map(([k, val]) => `${k}=${val}`).join(','), Label: (key: string) => v.labels[key] ?? '',
    }));
    this.context.stdout.write(tpl.list(rows));
  }
}
