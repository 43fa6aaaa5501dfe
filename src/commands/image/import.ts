import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { importImage } from '../../image/import.ts';
import { parsePlatform } from '../../registry/manifest.ts';

export class ImportCommand extends TspodCommand {
  static paths = [['import'], ['image', 'import']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Import the contents from a tarball to create a filesystem image',
    details: 'FILE is a tar archive (plain, gzip or zstd), or `-` for STDIN. `--change` applies Dockerfile instructions to the new image\'s config (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR). Prints the new image id.',
    examples: [['A container\'s filesystem as an image with a command', '$0 export c1 | $0 import --change \'CMD ["/bin/sh"]\' - flat:1']],
  });

  change = Option.Array('-c,--change', [], { description: 'Apply a Dockerfile instruction to the image config' });
  message = Option.String('-m,--message', { description: 'Commit message for the imported image' });
  platform = Option.String('--platform', { description: 'os/arch[/variant] of the image' });
  source = Option.String();
  reference = Option.String({ required: false });

  async run(): Promise<void> {
    const rec = await importImage({
      store: this.openStore(), source: this.source, stdin: this.context.stdin as NodeJS.ReadStream, reference: this.reference,
      changes: this.change, message: this.message, platform: this.platform ? parsePlatform(this.platform) : undefined,
    });
    this.out(rec.id);
  }
}
