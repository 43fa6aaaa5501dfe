import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pruneImages } from '../../system/prune.ts';
import { humanSize } from '../../ui/format.ts';

export class ImagePruneCommand extends TspodCommand {
  static paths = [['image', 'prune']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Remove unused images',
    details: 'Removes dangling images (no name), or with `-a` every image no container uses. Filters: `until=DURATION|TIMESTAMP` (created before), `label=KEY[=VALUE]`, `label!=KEY[=VALUE]`. Asks on a terminal unless `-f`.',
    examples: [['Images unused for a day', '$0 image prune -a -f --filter until=24h']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all unused images, not just dangling ones' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', [], { description: 'Provide filter values (e.g. "until=<timestamp>")' });

  async run(): Promise<number> {
    if (!this.force && (this.context.stdin as NodeJS.ReadStream).isTTY) {
      this.context.stdout.write(`WARNING! This will remove all ${this.all ? 'images without at least one container associated to them' : 'dangling images'}.\nAre you sure you want to continue? [y/N] `);
      const answer = await new Promise<string>((resolve) => this.context.stdin.once('data', (d) => resolve(String(d))));
      (this.context.stdin as NodeJS.ReadStream).pause();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    const r = await pruneImages(this.openStore(), { all: this.all, filters: this.filter });
    if (r.lines.length) {
      this.out('Deleted Images:');
      for (const l of r.lines) this.out(l);
      this.out('');
    }
    this.out(`Total reclaimed space: ${humanSize(r.reclaimed)}`);
    return 0;
  }
}
