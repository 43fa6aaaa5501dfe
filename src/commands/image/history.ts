import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { imageHistory } from '../../image/history.ts';
import { humanAgo, humanSize, goTime } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';

const HEADERS = { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' };

export class HistoryCommand extends TspodCommand {
  static paths = [['history'], ['image', 'history']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Show the history of an image',
    details: 'One row per step of the image config\'s history, newest first: IMAGE (the image id on the newest step, `<missing>` on steps that are no image of their own), CREATED, CREATED BY, SIZE, COMMENT. `--format` takes a Go template over ID, CreatedSince, CreatedAt, CreatedBy, Size, Comment.',
    examples: [['The commands that made an image', '$0 history --no-trunc --format "{{.CreatedBy}}" busybox']],
  });

  human = Option.Boolean('-H,--human', true, { description: 'Sizes and dates in human-readable form' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate output' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only show image ids' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });
  image = Option.String();

  async run(): Promise<void> {
    const defaultTable = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    const tpl = compileTemplate(this.format ?? defaultTable, { headers: HEADERS, defaultTable });
    const rows = imageHistory(this.openStore(), this.image);
    const id = (i: string) => (i === '<missing>' || this.noTrunc ? i : i.slice(7, 19));
    if (this.quiet) {
      for (const r of rows) this.out(id(r.id));
      return;
    }
    const by = (s: string) => {
      const t = s.replace(/\s+/g, ' ');
      return this.noTrunc || t.length <= 45 ? t : `${t.slice(0, 44)}…`;
    };
    this.context.stdout.write(tpl.list(rows.map((r) => ({
      ID: id(r.id),
      CreatedSince: this.human ? humanAgo(r.created) : r.created,
      CreatedAt: this.human ? goTime(r.created) : r.created,
      CreatedBy: by(r.createdBy),
      Size: this.human ? humanSize(r.size) : String(r.size),
      Comment: r.comment,
    }))));
  }
}
