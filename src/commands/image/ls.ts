import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { parseReference, familiarRepository } from '../../image/reference.ts';
import { table, humanSize, humanAgo } from '../../ui/format.ts';

export class ImagesCommand extends TspodCommand {
  static paths = [['images'], ['image', 'ls'], ['image', 'list']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'List images',
    details: 'Columns as docker prints them: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE. An image with several names appears once per name; untagged images show `<none>`.',
    examples: [['Every image', '$0 images'], ['The ids of one repository\'s images', '$0 images -q 127.0.0.1:5000/busybox']],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all images (intermediate ones included)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only show image ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate ids' });
  digests = Option.Boolean('--digests', false, { description: 'Show digests' });
  repository = Option.String({ required: false });

  async run(): Promise<void> {
    const images = this.openStore().images().sort((a, b) => b.stored.localeCompare(a.stored));
    const id = (i: string) => (this.noTrunc ? i : i.slice(7, 19));
    const rows: string[][] = [];
    for (const img of images) {
      const names = img.repoTags.length ? img.repoTags : [''];
      for (const name of names) {
        let repo = '<none>';
        let tag = '<none>';
        if (name) {
          const ref = parseReference(name);
          repo = familiarRepository(ref);
          tag = ref.tag ?? '<none>';
        }
        if (this.repository && repo !== this.repository && !name.startsWith(this.repository)) continue;
        const digest = img.repoDigests[0]?.split('@')[1] ?? '<none>';
        rows.push([repo, tag, ...(this.digests ? [digest] : []), id(img.id), humanAgo(img.created), humanSize(img.size)]);
      }
    }
    if (this.quiet) {
      for (const id of new Set(rows.map((r) => r[this.digests ? 3 : 2]))) this.out(id);
      return;
    }
    this.context.stdout.write(table(['REPOSITORY', 'TAG', ...(this.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'], rows));
  }
}
