import fs from 'node:fs';
import { Option } from '../../cli/options.ts';
import { TspodCommand } from '../base.ts';
import { buildImage, type BuildOptions } from '../../build/builder.ts';
import { plainOutput, quietOutput, ttyOutput } from '../../build/output.ts';
import { UsageError } from '../../errors.ts';

/** `K=V` flags into a record; a bare `K` takes the value of the environment variable K (docker's --build-arg). */
function pairs(list: string[], flag: string, fromEnv: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const i = item.indexOf('=');
    if (i < 0) {
      if (!fromEnv) throw new UsageError(`invalid ${flag} \`${item}\`: want KEY=VALUE`);
      if (process.env[item] !== undefined) out[item] = process.env[item]!;
      continue;
    }
    out[item.slice(0, i)] = item.slice(i + 1);
  }
  return out;
}

/** `id=x,src=path` (also `source=`, `type=file`). */
function secrets(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of list) {
    const kv = Object.fromEntries(s.split(',').map((p) => { const i = p.indexOf('='); return i < 0 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)]; }));
    const id = kv.id;
    const src = kv.src ?? kv.source ?? (kv.env ? undefined : undefined);
    if (!id || !src) throw new UsageError(`invalid --secret \`${s}\`: want id=ID,src=FILE`);
    out[id] = src;
  }
  return out;
}

function outputSpec(o: string | undefined): BuildOptions['output'] {
  if (!o) return undefined;
  const kv = Object.fromEntries(o.split(',').map((p) => { const i = p.indexOf('='); return i < 0 ? ['dest', p] : [p.slice(0, i), p.slice(i + 1)]; }));
  const type = kv.type ?? 'local';
  if (type !== 'local' && type !== 'tar') throw new UsageError(`invalid -o \`${o}\`: type must be local or tar`);
  if (!kv.dest) throw new UsageError(`invalid -o \`${o}\`: dest= is needed`);
  return { type, dest: kv.dest };
}

export class BuildCommand extends TspodCommand {
  static paths = [['build'], ['image', 'build'], ['buildx', 'build']];
  static usage = TspodCommand.Usage({
    category: 'Images',
    description: 'Build an image from a Dockerfile',
    details: 'Builds the Dockerfile (or Containerfile) of CONTEXT as a non-root user: each RUN is a rootless container on tspod\'s own runtime whose changes become a layer; COPY and ADD make their layer from the context (`.dockerignore` honoured). Every step is cached in the user\'s store: an identical rebuild gives the same image id; a changed file rebuilds from the step that reads it. Progress goes to stderr; stdout gets only the image id. CONTEXT `-` reads a tar (or a bare Dockerfile) from stdin.',
    examples: [
      ['Build and tag', '$0 build -t me/app:1 .'],
      ['Build one stage with a build arg', '$0 build --target build --build-arg VERSION=2 -t me/app:build .'],
      ['Export the result as files', '$0 build -o type=local,dest=out .'],
    ],
  });

  tags = Option.Array('-t,--tag', [], { description: 'Name and optionally a tag (name:tag)' });
  file = Option.String('-f,--file', { description: 'Name of the Dockerfile (default: CONTEXT/Dockerfile, else Containerfile; - for stdin)' });
  buildArgs = Option.Array('--build-arg', [], { description: 'Set a build-time variable' });
  target = Option.String('--target', { description: 'Build this stage (and what it needs) only' });
  noCache = Option.Boolean('--no-cache', false, { description: 'Do not use the cache' });
  pull = Option.Boolean('--pull', false, { description: 'Always pull base images (default: only when missing)' });
  pullAlways = Option.Boolean('--pull-always', false, { description: 'Always pull base images (podman)' });
  pullNever = Option.Boolean('--pull-never', false, { description: 'Never pull base images: use stored ones only (podman)' });
  pullMissing = Option.Boolean('--pull-missing', false, { description: 'Pull base images only when missing (the default; also --pull=missing|always|never)' });
  labels = Option.Array('--label', [], { description: 'Set metadata on the image' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the image id' });
  iidfile = Option.String('--iidfile', { description: 'Write the image id to the file' });
  network = Option.String('--network', 'default', { description: 'Network for RUN: default, host or none' });
  platform = Option.String('--platform', { description: 'Target platform (os/arch[/variant]): sets TARGETPLATFORM and the platform pulled' });
  secret = Option.Array('--secret', [], { description: 'A secret for RUN --mount=type=secret: id=ID,src=FILE' });
  progress = Option.String('--progress', 'auto', { description: 'auto, plain or tty' });
  output = Option.String('-o,--output', { description: 'Also write the result: type=local,dest=DIR or type=tar,dest=FILE' });
  cacheFrom = Option.Array('--cache-from', [], { description: 'Reuse the build cache pushed to REGISTRY/REPO[:TAG] (tag default: buildcache)' });
  cacheTo = Option.String('--cache-to', { description: 'Push the build cache to REGISTRY/REPO[:TAG] (for CI runners with no disk between jobs)' });
  contextDir = Option.String();

  async run(): Promise<number> {
    if (this.pullNever && (this.pull || this.pullAlways)) throw new UsageError('--pull-never cannot be combined with --pull or --pull-always');
    const pull = this.pullNever ? 'never' : this.pull || this.pullAlways ? 'always' : 'missing';
    if (!['auto', 'plain', 'tty'].includes(this.progress)) throw new UsageError(`invalid --progress=${this.progress}: want auto, plain or tty`);
    if (!['default', 'host', 'none', 'bridge'].includes(this.network)) throw new UsageError(`invalid --network=${this.network}: want default, host or none`);
    const { stdin, stdout, stderr } = this.io();
    const tty = this.progress === 'tty' || (this.progress === 'auto' && stderr.isTTY);
    const out = this.quiet ? quietOutput(stderr) : tty ? ttyOutput(stderr) : plainOutput(stderr);
    const result = await buildImage({
      store: this.openStore(), contextArg: this.contextDir, file: this.file, stdin, stdout,
      tags: this.tags, buildArgs: pairs(this.buildArgs, '--build-arg', true), target: this.target, noCache: this.noCache,
      pull,
      labels: pairs(this.labels, '--label', false), network: this.network === 'bridge' ? 'default' : this.network, platform: this.platform,
      secrets: secrets(this.secret), output: outputSpec(this.output), out, cacheFrom: this.cacheFrom, cacheTo: this.cacheTo,
    });
    if (this.iidfile) fs.writeFileSync(this.iidfile, result.id);
    if (!this.quiet) {
      stderr.write(`Successfully built ${result.id.slice(7, 19)}\n`);
      for (const n of result.names) stderr.write(`Successfully tagged ${n}\n`);
    }
    if (this.output?.includes('dest=-')) return 0;
    this.out(result.id);
    return 0;
  }
}
