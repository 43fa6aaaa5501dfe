import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { parseFilters } from '../../runtime/filters.ts';
import { familiarNames, imageFilter, IMAGE_FILTERS } from '../../runtime/image-filters.ts';
import { humanSize, humanAgo, goTime } from '../../ui/format.ts';
import { compileTemplate } from '../../ui/template.ts';

/** docker's images column titles. */
const HEADERS = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', Size: 'SIZE',
  Containers: 'CONTAINERS', VirtualSize: 'VIRTUAL SIZE', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE',
};

export class ImagesCommand extends TspodCommand {
  static paths = [['images'], ['image', 'ls'], ['image', 'list']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'List images',
    details: `
      Columns as docker prints them: REPOSITORY, TAG, IMAGE ID, CREATED, SIZE. An image with several names appears once per name; untagged images show \`<none>\`.

      \`--format\` takes a Go template over Containers, CreatedAt, CreatedSince, Digest, ID, Repository, SharedSize, Size, Tag, UniqueSize, VirtualSize (\`table\` adds a header, \`json\` prints one JSON object per line). Filters: dangling=true|false, label=KEY[=VALUE], reference=GLOB (e.g. \`busy*\` or \`*:v1\`), before=IMAGE, since=IMAGE.
    `,
    examples: [
      ['Every image', '$0 images'],
      ['The ids of one repository\'s images', '$0 images -q 127.0.0.1:5000/busybox'],
      ['Ids and names', '$0 images --format "{{.ID}} {{.Repository}}:{{.Tag}}"'],
      ['Untagged images', '$0 images --filter dangling=true -q'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show all images (intermediate ones included)' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only show image ids' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not truncate ids' });
  digests = Option.Boolean('--digests', false, { description: 'Show digests' });
  filter = Option.Array('-f,--filter', [], { description: 'Filter output (key=value)' });
  format = Option.String('--format', { description: 'Go template, `table`, or `json`' });
  repository = Option.String({ required: false });

  async run(): Promise<void> {
    const filters = parseFilters(this.filter, IMAGE_FILTERS);
    const defaultTable = `table {{.Repository}}\t{{.Tag}}\t${this.digests ? '{{.Digest}}\t' : ''}{{.ID}}\t{{.CreatedSince}}\t{{.Size}}`;
    const tpl = compileTemplate(this.format ?? defaultTable, { headers: HEADERS, defaultTable });
    const store = this.openStore();
    const images = store.images().sort((a, b) => b.stored.localeCompare(a.stored));
    const keep = imageFilter(filters, images, (img) => store.imageConfig(img).config?.Labels);
    const id = (i: string) => (this.noTrunc ? i : i.slice(7, 19));
    const rows: Array<Record<string, unknown>> = [];
    for (const img of images) {
      if (!keep.image(img)) continue;
      const names = img.repoTags.length ? img.repoTags : [''];
      for (const name of names) {
        let repo = '<none>';
        let tag = '<none>';
        if (name) {
          if (!keep.name(name)) continue;
          ({ name: repo, tag } = familiarNames(name));
        }
        if (this.repository && repo !== this.repository && !name.startsWith(this.repository) && `${repo}:${tag}` !== this.repository) continue;
        const digest = img.repoDigests[0]?.split('@')[1] ?? '<none>';
        const size = humanSize(img.size);
        rows.push({
          Containers: 'N/A', CreatedAt: goTime(img.created), CreatedSince: humanAgo(img.created), Digest: digest, ID: id(img.id),
          Repository: repo, SharedSize: 'N/A', Size: size, Tag: tag, UniqueSize: 'N/A', VirtualSize: size,
        });
      }
    }
    if (this.quiet) {
      for (const i of new Set(rows.map((r) => r.ID as string))) this.out(i);
      return;
    }
    this.context.stdout.write(tpl.list(rows));
  }
}
