import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pruneSystem } from '../../system/prune.ts';
import { humanSize } from '../../ui/format.ts';

export class SystemPruneCommand extends TspodCommand {
  static paths = [['system', 'prune']];
  static usage = TspodCommand.Usage({
    category: 'System',
    description: 'Remove unused data',
    details: 'Removes stopped containers, networks no container is on, dangling images (every unused image with `-a`) and, with `--volumes`, volumes no container mounts. Asks on a terminal unless `-f`.',
  });

  all = Option.Boolean('-a,--all', false, { description: 'Remove all unused images not just dangling ones' });
  volumes = Option.Boolean('--volumes', false, { description: 'Prune volumes' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not prompt for confirmation' });
  filter = Option.Array('--filter', [], { description: 'Provide filter values (e.g. "label=<key>=<value>")' });

  async run(): Promise<number> {
    if (!this.force && (this.context.stdin as NodeJS.ReadStream).isTTY) {
      this.context.stdout.write(`WARNING! This will remove:\n  - all stopped containers\n  - all networks not used by at least one container\n${this.volumes ? '  - all volumes not used by at least one container\n' : ''}  - all ${this.all ? 'images without at least one container associated to them' : 'dangling images'}\n\nAre you sure you want to continue? [y/N] `);
      const answer = await new Promise<string>((resolve) => this.context.stdin.once('data', (d) => resolve(String(d))));
      (this.context.stdin as NodeJS.ReadStream).pause();
      if (!/^y(es)?$/i.test(answer.trim())) return 1;
    }
    const r = await pruneSystem(this.openStore(), { all: this.all, volumes: this.volumes, filters: this.filter });
    const section = (title: string, items: string[]) => {
      if (!items.length) return;
      this.out(title);
      for (const i of items) this.out(i);
      this.out('');
    };
    section('Deleted Containers:', r.containers);
    section('Deleted Networks:', r.networks);
    section('Deleted Volumes:', r.volumes);
    section('Deleted Images:', r.images.lines);
    this.out(`Total reclaimed space: ${humanSize(r.images.reclaimed)}`);
    return 0;
  }
}
