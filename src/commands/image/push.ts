import { Option, isEnum } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { pushImage } from '../../image/push.ts';
import { progressFor } from '../../ui/progress.ts';

export class PushCommand extends TspodCommand {
  static paths = [['push'], ['image', 'push']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Upload an image to a registry',
    details: `
      Pushes the image named IMAGE to the registry its name says (or to DESTINATION). Blobs the registry has are skipped, blobs of another repository of the same registry are mounted, the rest uploaded. A pulled layer keeps no compressed blob: unless the registry has it in a form it is known by, it is gzipped again, and the manifest pushed names that blob (the image id stays the same). Progress per layer is shown on a terminal; the last line, \`TAG: digest: DIGEST size: N\`, is printed on stdout.

      \`--format\` rewrites the manifest's media types (the blobs stay the same): \`oci\` or \`v2s2\` (docker's). Credentials come from \`tspod login\` (auth.json, ~/.docker/config.json, credential helpers).
    `,
    examples: [
      ['Push to a local registry', '$0 push 127.0.0.1:5000/me/app:1.0'],
      ['Keep the digest for a deploy script', '$0 push --digestfile app.digest 127.0.0.1:5000/me/app:1.0'],
    ],
  });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print nothing but errors' });
  tlsVerify = Option.Boolean('--tls-verify', true, { description: 'Require HTTPS with a verified certificate' });
  authfile = Option.String('--authfile', { description: 'Path of the authentication file' });
  digestfile = Option.String('--digestfile', { description: 'Write the manifest digest to this file' });
  format = Option.String('--format', { description: 'Manifest format: oci or v2s2', validator: isEnum(['oci', 'v2s2'] as const) });
  image = Option.String();
  destination = Option.String({ required: false });

  async run(): Promise<void> {
    const progress = progressFor(this.context.stderr as NodeJS.WriteStream, this.quiet);
    const r = await pushImage({
      store: this.openStore(), image: this.image, destination: this.destination,
      tlsVerify: this.tlsVerify, format: this.format, digestFile: this.digestfile, authfile: this.authfile, progress,
    });
    if (!this.quiet) this.out(`${r.reference.tag ?? 'latest'}: digest: ${r.digest} size: ${r.size}`);
  }
}
