import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pullImage, pullAllTags } from '../../image/pull.ts';
import { parsePlatform } from '../../registry/manifest.ts';
import { formatReference } from '../../model/reference.ts';
import { progressFor } from '../../ui/progress.ts';

export class PullCommand extends TspodCommand {
  static paths = [['pull'], ['image', 'pull']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Download an image from a registry',
    details: 'Fetches the manifest (choosing the host platform from a manifest list), verifies every blob against its digest and unpacks the layers into the per-user store. Progress is shown on a terminal; scripts get only the image reference on stdout.',
    examples: [['Pull from a local registry', '$0 pull 127.0.0.1:5000/busybox:latest']],
  });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image reference' });
  allTags = Option.Boolean('-a,--all-tags', false, { description: 'Download all tagged images in the repository' });
  platform = Option.String('--platform', { description: 'Pull for os/arch[/variant] instead of the host' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require HTTPS with a verified certificate' });
  reference = Option.String();

  async run(): Promise<void> {
    const progress = progressFor(this.context.stderr as NodeJS.WriteStream, this.quiet);
    if (this.allTags) {
      const results = await pullAllTags({ store: this.openStore(), reference: this.reference, platform: this.platform ? parsePlatform(this.platform) : undefined, tlsVerify: this.tlsVerify, authfile: this.authfile, progress });
      for (const r of results) this.out(formatReference(r.reference));
      return;
    }
    const result = await pullImage({
      store: this.openStore(),
      reference: this.reference,
      platform: this.platform ? parsePlatform(this.platform) : undefined,
      tlsVerify: this.tlsVerify,
      authfile: this.authfile,
      progress,
    });
    if (!this.quiet && (this.context.stderr as NodeJS.WriteStream).isTTY) {
      this.context.stderr.write(`Digest: ${result.manifestDigest}\n`);
    }
    this.out(formatReference(result.reference));
  }
}
