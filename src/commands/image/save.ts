import { streamToFileAtomic } from '../../storage/atomic.ts';
import { Option, isEnum } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { saveImages, ARCHIVE_FORMATS } from '../../image/archive.ts';
import { UsageError } from '../../errors.ts';

export class SaveCommand extends TspodCommand {
  static paths = [['save'], ['image', 'save']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
    details: `
      The default format is docker's (\`docker-archive\`: what \`docker load\` and \`podman load\` read), several images in one archive. \`--format oci-archive\` writes an OCI image layout as a tar; \`--format docker-dir\` writes skopeo's \`dir:\` layout into the directory \`-o\` names (one image).

      Without \`-o\` the archive goes to stdout, which must not be a terminal. A failed save removes the file it was writing.
    `,
    examples: [
      ['Save two images into one file', '$0 save -o images.tar busybox 127.0.0.1:5000/me/app:1.0'],
      ['Compress on the way', '$0 save busybox | gzip > busybox.tar.gz'],
    ],
  });

  output = Option.String('-o,--output', { description: 'Write to a file (a directory for docker-dir), instead of STDOUT' });
  format = Option.String('--format', 'docker-archive', { description: 'docker-archive, oci-archive or docker-dir', validator: isEnum(ARCHIVE_FORMATS) });
  images = Option.Rest({ required: 1 });

  async run(): Promise<void> {
    const store = this.openStore();
    const stdout = this.context.stdout as NodeJS.WriteStream;
    if (this.format === 'docker-dir') {
      if (!this.output) throw new UsageError('the docker-dir format needs -o DIRECTORY');
      await saveImages({ store, images: this.images, format: this.format, dir: this.output });
      return;
    }
    if (!this.output) {
      if (stdout.isTTY) throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      await saveImages({ store, images: this.images, format: this.format, out: stdout });
      return;
    }
    await streamToFileAtomic(this.output, (file) => saveImages({ store, images: this.images, format: this.format, out: file }));
  }
}
