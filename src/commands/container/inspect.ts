import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { lookup } from '../../runtime/lifecycle.ts';
import { inspectContainer, inspectImage, inspectNetwork } from '../../runtime/inspect.ts';
import { requireImage } from '../../storage/images.ts';
import { findShownNetwork } from '../../network/predefined.ts';
import { describeError, TspodError, UsageError } from '../../errors.ts';
import { compileDocsFormat } from '../../ui/template.ts';
import type { Store } from '../../storage/store.ts';

const TYPES = ['container', 'image', 'network'] as const;
type Kind = typeof TYPES[number];

export class InspectCommand extends TspodCommand {
  static paths = [['inspect'], ['container', 'inspect'], ['image', 'inspect']];
  static usage = TspodCommand.Usage({
    category: 'Containers',
    description: 'Show low-level information on containers, images or networks as JSON',
    details: `
      Each name is looked up as a container, then an image, then a network (or only one kind with \`--type\`, or via \`container inspect\` / \`image inspect\`). The documents have docker's shape: State, Config, HostConfig, Mounts, NetworkSettings.Networks, GraphDriver for containers; RepoTags, RepoDigests, Os, Architecture, Size, RootFS.Layers for images.

      \`--format\` takes a Go template run once per object (\`json\` prints the array on one line). A missing key prints \`<no value>\`.
    `,
    examples: [
      ['A container\'s status and exit code', '$0 inspect -f "{{.State.Status}} {{.State.ExitCode}}" web'],
      ['Its address on every network', '$0 inspect -f "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}" web'],
      ['An image\'s layers', '$0 inspect --type image -f "{{json .RootFS.Layers}}" busybox'],
    ],
  });

  format = Option.String('-f,--format', { description: 'Go template for each object, or `json`' });
  type = Option.String('--type', { description: 'Only this kind: container, image or network' });
  size = Option.Boolean('-s,--size', false, { description: 'Add SizeRw and SizeRootFs to containers' });
  names = Option.Rest({ required: 1 });

  async run(): Promise<number> {
    if (this.type !== undefined && !(TYPES as readonly string[]).includes(this.type)) {
      throw new UsageError(`"${this.type}" is not a valid value for --type`);
    }
    const out = compileDocsFormat(this.format);
    const store = this.openStore();
    const kind = (this.type as Kind | undefined) ?? (this.path[0] === 'container' ? 'container' : this.path[0] === 'image' ? 'image' : undefined);
    const docs: unknown[] = [];
    let status = 0;
    for (const name of this.names) {
      try {
        docs.push(await this.find(store, name, kind));
      } catch (err) {
        this.context.stderr.write(`Error: ${describeError(err)}\n`);
        status = 1;
      }
    }
    this.context.stdout.write(out.render(docs));
    return status;
  }

  private async find(store: Store, name: string, kind?: Kind): Promise<unknown> {
    const tries: Array<[Kind, () => unknown]> = [
      ['container', () => inspectContainer(store, lookup(store, name), { size: this.size })],
      ['image', () => inspectImage(store, requireImage(store.images(), name))],
      ['network', async () => inspectNetwork(store, await findShownNetwork(store, name))],
    ];
    for (const [k, get] of tries) {
      if (kind && k !== kind) continue;
      try {
        return await get();
      } catch (err) {
        if (kind) throw err;
        if (err instanceof TspodError && err.code === 'ERR_TSPOD_DAMAGED_RECORD') throw err;
      }
    }
    throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `no such object: ${name}`);
  }
}
