import { Option } from 'clipanion';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { inspectContainer, inspectImage } from '../../runtime/inspect.ts';
import { requireImage } from '../../storage/images.ts';
import { describeError, TspodError } from '../../errors.ts';

export class InspectCommand extends TspodCommand {
  static paths = [['inspect'], ['container', 'inspect'], ['image', 'inspect']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Show low-level information on containers or images as JSON',
    details: 'Containers are looked up first, then images (or only one kind with --type, or via `container inspect` / `image inspect`). `--format` takes a Go template, e.g. `{{.State.Status}}` or `{{json .Config}}`.',
  });

  format = Option.String('-f,--format', { description: 'Go template for each object' });
  type = Option.String('--type', { description: 'container or image' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    const store = this.openStore();
    const kind = this.type ?? (this.path[0] === 'container' ? 'container' : this.path[0] === 'image' ? 'image' : undefined);
    const docs: unknown[] = [];
    let status = 0;
    for (const name of this.names) {
      try {
        docs.push(this.find(store, name, kind));
      } catch (err) {
        this.context.stderr.write(`Error: ${describeError(err)}\n`);
        status = 1;
      }
    }
    this.outDocs(docs, this.format);
    return status;
  }

  private find(store: ReturnType<TspodCommand['openStore']>, name: string, kind?: string): unknown {
    if (kind !== 'image') {
      try {
        return inspectContainer(lookup(store, name));
      } catch (err) {
        if (kind === 'container') throw err;
      }
    }
    try {
      const img = requireImage(store.images(), name);
      return inspectImage(img, store.imageConfig(img));
    } catch {
      throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `no such ${kind ?? 'object'}: ${name}`);
    }
  }
}
