import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { diskUsageReport } from '../../system/prune.ts';
import { familiarNames } from '../../runtime/image-filters.ts';
import { humanAgo, humanSize } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';

const HEADERS = { Type: 'TYPE', TotalCount: 'TOTAL', Active: 'ACTIVE', Size: 'SIZE', Reclaimable: 'RECLAIMABLE' };

export class SystemDfCommand extends TspodCommand {
  static paths = [['system', 'df']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Show docker disk usage',
    details: 'Rows for images, containers, local volumes and build cache: how many, how many in use, their size and what pruning would free. `-v` lists each image, container and volume. `--format` takes a Go template over Type, TotalCount, Active, Size, Reclaimable.',
  });

  verbose = Option.Boolean('-v,--verbose', false, { description: 'Show detailed information on space usage' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });

  async run(): Promise<void> {
    const defaultTable = 'table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';
    const tpl = compileTemplate(this.format ?? defaultTable, { headers: HEADERS, defaultTable });
    const du = diskUsageReport(this.openStore());
    if (!this.verbose) {
      this.context.stdout.write(tpl.list(du.rows.map((r) => ({
        Type: r.type, TotalCount: String(r.total), Active: String(r.active), Size: humanSize(r.size),
        Reclaimable: `${humanSize(r.reclaimable)}${r.size ? ` (${Math.round((r.reclaimable / r.size) * 100)}%)` : ''}`,
      }))));
      return;
    }
    const table = (fmt: string, rows: unknown[]) => this.context.stdout.write(compileTemplate(fmt).list(rows));
    this.out('Images space usage:\n');
    table('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}\t{{.SharedSize}}\t{{.UniqueSize}}\t{{.Containers}}', du.images.flatMap((i) =>
      (i.image.repoTags.length ? i.image.repoTags : ['']).map((t) => {
        const n = t ? familiarNames(t) : { name: '<none>', tag: '<none>' };
        return { Repository: n.name, Tag: n.tag, ID: i.image.id.slice(7, 19), CreatedSince: humanAgo(i.image.created), Size: humanSize(i.size), SharedSize: humanSize(i.shared), UniqueSize: humanSize(i.unique), Containers: String(i.containers) };
      })));
    this.out('\nContainers space usage:\n');
    table('table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.CreatedSince}}\t{{.Status}}\t{{.Names}}', du.containers.map((c) => ({
      ID: c.id.slice(0, 12), Image: c.image, Command: JSON.stringify(c.command.length > 20 ? `${c.command.slice(0, 19)}…` : c.command), LocalVolumes: '0',
      Size: humanSize(c.size), CreatedSince: humanAgo(c.created), Status: c.status, Names: c.name,
    })));
    this.out('\nLocal Volumes space usage:\n');
    table('table {{.Name}}\t{{.Links}}\t{{.Size}}', du.volumes.map((v) => ({ Name: v.name, Links: String(v.links), Size: humanSize(v.size) })));
    this.out('\nBuild cache usage: 0B');
  }
}
