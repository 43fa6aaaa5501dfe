import fs from 'node:fs';
import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { loadArchive } from '../../image/archive.ts';
import { UsageError, fileError } from '../../errors.ts';

export class LoadCommand extends TspodCommand {
  static paths = [['load'], ['image', 'load']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Load images from a tar archive or STDIN',
    details: 'Reads docker archives (`docker save`, `podman save`), OCI archives and skopeo\'s `dir:` layout (a directory given to `-i`), plain or compressed with gzip or zstd. Every image of the archive is stored, or none. Prints `Loaded image: NAME` per name (`Loaded image ID: ID` for an untagged image).',
    examples: [['Load what docker save wrote', '$0 load -i busybox.tar'], ['From a pipe', 'gunzip -c images.tar.gz | $0 load']],
  });

  input = Option.String('-i,--input', { description: 'Read from a file (or a docker-dir directory) instead of STDIN' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Suppress progress output' });

  async run(): Promise<void> {
    const store = this.openStore();
    const stdin = this.context.stdin as NodeJS.ReadStream;
    let input: NodeJS.ReadableStream | { dir: string };
    if (this.input) {
      let st: fs.Stats;
      try { st = fs.statSync(this.input); } catch (err) { throw fileError('opening', this.input, err); }
      input = st.isDirectory() ? { dir: this.input } : fs.createReadStream(this.input);
    } else {
      if (stdin.isTTY) throw new UsageError('requested load from stdin, but stdin is empty (a terminal): use -i FILE or a redirect');
      input = stdin;
    }
    const reports = await loadArchive({ store, input: input as never });
    for (const r of reports) {
      if (!r.names.length) this.out(`Loaded image ID: ${r.id}`);
      for (const n of r.names) this.out(`Loaded image: ${n}`);
    }
  }
}
