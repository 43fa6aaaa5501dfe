/** `run` and `create` as domain calls: find or pull the image, create, start (attached or not). */
import fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { findImage } from '../storage/images.ts';
import { TspodError, UsageError } from '../errors.ts';
import type { ImageRecord } from '../model/image.ts';
import { createContainer, parseCreateFlags, type CreateOptions } from './create.ts';
import { startContainer } from './lifecycle.ts';
import { awaitRemoval, claimRemoval, finishRemoval, leaveRemoval, removeContainer } from './remove.ts';
import { refuseLimits } from '../cgroupv2/delegation.ts';
import { readPersistent } from '../storage/state.ts';
import type { AttachIo } from './attach-client.ts';
import type { ContainerRecord } from '../model/container.ts';
import type { Store } from '../storage/store.ts';
import type { Progress } from '../ui/progress.ts';

export interface CreateRequest {
  store: Store;
  image: string;
  create: CreateOptions;
  stderr: NodeJS.WritableStream;
  progress: Progress;
  tlsVerify: boolean;
  /** --pull: always, missing (default), never. */
  pull?: string;
  /** --platform os/arch[/variant] of a pull. */
  platform?: string;
  /** --cidfile: the new container's id is written there (it must not exist). */
  cidfile?: string;
}

async function imageFor(req: CreateRequest): Promise<ImageRecord> {
  const found = findImage(req.store.images(), req.image);
  if (found && req.pull !== 'always') return found;
  if (!found && req.pull === 'never') throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `no such image: ${req.image} (--pull never)`);
  if (!found) req.stderr.write(`Unable to find image '${req.image}' locally\n`);
  // The registry client loads only when a pull is needed.
  const { pullImage } = await import('../image/pull.ts');
  const { parsePlatform } = await import('../registry/manifest.ts');
  const platform = req.platform ? parsePlatform(req.platform) : undefined;
  return (await pullImage({ store: req.store, reference: req.image, progress: req.progress, tlsVerify: req.tlsVerify, platform })).image;
}

/** -a: the streams not named get nothing (stdout, stderr) or give nothing (stdin). */
function attachedStreams(io: AttachIo, streams: string[]): AttachIo {
  if (!streams.length) return io;
  const sink = new Writable({ write: (_c, _e, done) => done() }) as unknown as NodeJS.WriteStream;
  const wanted = new Set(streams.map((s) => s.toLowerCase()));
  return {
    stdin: wanted.has('stdin') ? io.stdin : (Readable.from([]) as unknown as NodeJS.ReadStream),
    stdout: wanted.has('stdout') ? io.stdout : sink,
    stderr: wanted.has('stderr') ? io.stderr : sink,
  };
}

/** --pull and --cidfile checked before anything is pulled or created. */
function checkRequest(req: CreateRequest): void {
  if (req.pull !== undefined && !['always', 'missing', 'never'].includes(req.pull)) {
    throw new UsageError(`invalid argument "${req.pull}" for "--pull" flag: not one of always, missing, never`);
  }
  for (const a of (req as Partial<RunRequest>).attach ?? []) {
    if (!['stdin', 'stdout', 'stderr'].includes(a.toLowerCase())) throw new UsageError(`invalid argument "${a}" for "--attach" flag: not one of stdin, stdout, stderr`);
  }
  if (req.cidfile && fs.existsSync(req.cidfile)) {
    throw new UsageError(`container ID file found, make sure the other container isn't running or delete ${req.cidfile}`);
  }
}

export async function createFromImage(req: CreateRequest): Promise<ContainerRecord> {
  // Before any pull: a bad value, or a limit this host cannot enforce, is refused at once.
  checkRequest(req);
  parseCreateFlags(req.create);
  if (req.create.limits) refuseLimits(req.create.limits);
  const rec = await createContainer(req.store, await imageFor(req), req.image, req.create, (msg) => req.stderr.write(`WARNING: ${msg}\n`));
  if (req.cidfile) fs.writeFileSync(req.cidfile, rec.id, { flag: 'wx' });
  return rec;
}

export interface RunRequest extends CreateRequest {
  detach: boolean;
  /** -a/--attach: the streams attached (all when empty): stdin, stdout, stderr. */
  attach?: string[];
  /** --sig-proxy (default true). */
  sigProxy?: boolean;
  io: AttachIo;
  detachKeys: Buffer;
}

export type RunResult = { detached: true; id: string } | { detached: false; exitCode: number };

export async function runContainer(req: RunRequest): Promise<RunResult> {
  const rec = await createFromImage(req);
  const layout = req.store.layout(rec.id);
  const start = async (opts: Parameters<typeof startContainer>[2]) => {
    try {
      return await startContainer(req.store, rec, opts);
    } catch (err) {
      // A --rm container that never ran (e.g. its port is taken) goes too.
      if (rec.hostConfig.autoRemove && readPersistent(layout).state.status === 'created') {
        await removeContainer(req.store, rec.id, { force: true, volumes: true }).catch(() => {});
      }
      throw err;
    }
  };
  if (req.detach) {
    await start(undefined);
    return { detached: true, id: rec.id };
  }
  // --rm: this command removes the container once it exits (the monitor leaves it to a client that took it
  // on), or hides it and leaves its files to the monitor (remove.ts leaveRemoval).
  let claimed = false;
  let left = false;
  const { attach } = await start({
    attach: {
      io: attachedStreams(req.io, req.attach ?? []), tty: rec.config.tty, stdin: rec.config.openStdin, detachKeys: req.detachKeys, sigProxy: req.sigProxy,
      onExit: rec.hostConfig.autoRemove ? () => { left = leaveRemoval(layout, rec); claimed = left || claimRemoval(layout); } : undefined,
    },
  });
  if (claimed) {
    if (!left) await finishRemoval(req.store, rec, { volumes: true });
  } else if (rec.hostConfig.autoRemove && !attach?.detached) await awaitRemoval(layout);
  if (attach?.detached) return { detached: true, id: rec.id };
  return { detached: false, exitCode: attach?.exitCode ?? 0 };
}
