/**
 * `cp` between a container and the host, or a tar stream (`-`), with docker's
 * rules (src/runtime/copier.ts). The host half runs here, with the user's own
 * permissions; the container half is the copier, started inside the
 * container's user namespace and chrooted into its root, so no path or
 * symlink in the container can name a host file. A tar stream crosses
 * between them on the copier's stdin or stdout.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { collectAll, start, which } from '../sys/spawn.ts';
import { selfArgv } from '../sys/self.ts';
import { enterNamespaces, waitExit } from '../userns/trampoline.ts';
import { lookup, type Container } from './lifecycle.ts';
import { layerLink } from '../storage/layout.ts';
import type { Store } from '../storage/store.ts';
import { TspodError, UsageError } from '../errors.ts';
import {
  assertsDir, findDest, findSource, pack, placement, unpack, COPIER_FD,
  type CopierJob, type CopierMessage, type Source,
} from './copier.ts';

/** Splits `NAME:PATH`; undefined for a host path or `-`. */
export function splitContainerPath(arg: string): { container: string; path: string } | undefined {
  const i = arg.indexOf(':');
  if (i <= 0 || arg.startsWith('/') || arg.startsWith('.')) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

export interface CopyOptions {
  /** `CONTAINER:PATH`, a host path, or `-` (a tar stream on `stdin`). */
  src: string;
  /** `CONTAINER:PATH`, a host path, or `-` (a tar stream to `stdout`). */
  dest: string;
  stdin: Readable;
  stdout: Writable;
}

/** A host path made absolute; `SRC/.` and a trailing `/` keep their meaning. */
function hostPath(p: string): string {
  const abs = path.resolve(p);
  if (abs === '/') return p.endsWith('/.') || p === '.' ? '/.' : '/';
  if (p === '.' || p.endsWith('/.')) return `${abs}/.`;
  return assertsDir(p) ? `${abs}/` : abs;
}

/** Copies as `docker cp SRC DEST` does; exactly one side is `CONTAINER:PATH`. */
export async function copy(store: Store, opts: CopyOptions): Promise<void> {
  const from = splitContainerPath(opts.src);
  const to = splitContainerPath(opts.dest);
  if (!!from === !!to) throw new UsageError('copying needs exactly one side to be CONTAINER:PATH');
  if (from) {
    const c = lookup(store, from.container);
    if (opts.dest === '-') return copyOut(store, c, from.path, undefined, opts.stdout);
    return copyOut(store, c, from.path, hostPath(opts.dest));
  }
  const c = lookup(store, to!.container);
  if (opts.src === '-') return copyIn(store, c, to!.path, undefined, opts.stdin);
  return copyIn(store, c, to!.path, hostPath(opts.src));
}

/** Container → host path (unpacked by docker's rules) or, without one, the tar stream itself to `out`. */
async function copyOut(store: Store, c: Container, containerPath: string, host: string | undefined, out?: Writable): Promise<void> {
  const copier = await startCopier(store, c, { op: 'pack', path: containerPath });
  try {
    const { source } = await copier.ready();
    await copier.whole(host === undefined
      ? pipeline(copier.child.stdout!, out!, { end: false }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EPIPE') throw err;
        return 'reader gone' as const; // `tspod cp C:/x - | head`: ends quietly, as any Unix tool
      })
      : unpack(copier.child.stdout!, placement(source!, findDest(host)), source));
  } finally {
    copier.stop();
  }
}

/** Host path (packed here) or, without one, a tar stream from `input` → the container, by docker's rules. */
async function copyIn(store: Store, c: Container, containerPath: string, host: string | undefined, input?: Readable): Promise<void> {
  const source = host === undefined ? undefined : findSource(host, 'on the host');
  const job: CopierJob = { op: 'unpack', path: containerPath, source: source && { name: source.name, dir: source.dir } };
  const copier = await startCopier(store, c, job);
  try {
    await copier.ready();
    await copier.whole(source ? pack(source, copier.child.stdin!) : pipeline(input!, copier.child.stdin!));
  } finally {
    copier.stop();
  }
}

interface Copier {
  child: ChildProcess;
  /** Resolves once the copier is in the container root and about to send or receive (its error otherwise). */
  ready(): Promise<{ source?: Source }>;
  /**
   * Resolves when this side's part of the transfer and the copier are both
   * done; a failure of the copier is reported before the broken stream it
   * caused on this side.
   */
  whole(transfer: Promise<void | 'reader gone'>): Promise<void>;
  /** Kills the copier if it is still running (an error on this side). */
  stop(): void;
}

/** Starts the copier in the container's user namespace: joined if it runs, else a new one that mounts its rootfs. */
async function startCopier(store: Store, c: Container, job: CopierJob): Promise<Copier> {
  const stdio: Array<'pipe' | 'ignore'> = [job.op === 'unpack' ? 'pipe' : 'ignore', job.op === 'pack' ? 'pipe' : 'ignore', 'pipe'];
  let child: ChildProcess;
  let channel: Readable;
  if (c.state.pid) {
    const argv = [...selfArgv(), '__cp', JSON.stringify({ ...job, root: `/proc/${c.state.pid}/root` })];
    const nsenter = which('nsenter');
    if (!nsenter) throw new TspodError('ERR_TSPOD_SUBPROCESS', 'cp needs `nsenter` (util-linux)');
    child = start([nsenter, '-t', String(c.state.pid), '--user', '--', ...argv], { stdio: [...stdio, 'pipe'] });
    channel = child.stdio[COPIER_FD] as Readable;
  } else {
    const lowers = [...c.rec.layers].reverse().map(layerLink);
    if (!lowers.length) {
      fs.mkdirSync(c.layout.emptyLower, { recursive: true });
      lowers.push(c.layout.emptyLower);
    }
    const mount = { lowers, cwd: store.root, upper: c.layout.upper, work: c.layout.work, target: c.layout.merged };
    const argv = [...selfArgv(), '__cp', JSON.stringify({ ...job, mount })];
    const entered = await enterNamespaces({ namespaces: ['mount'], argv, stdio });
    child = entered.child;
    channel = entered.channel;
  }
  const stderr = collectAll(child.stderr);
  // The other side's streams fail when the copier stops early; its own report says why.
  child.stdin?.on('error', () => {});
  child.stdout?.on('error', () => {});
  const exited = waitExit(child);
  const messages = lines(channel);
  const next = async (): Promise<CopierMessage> => {
    const msg = await messages.next();
    if (msg) return msg;
    const code = await exited;
    const tail = stderr().trim().split('\n').pop();
    return { error: { code: 'ERR_TSPOD_SUBPROCESS', message: `the copier in ${c.rec.name} exited with status ${code}${tail ? `: ${tail}` : ''}` } };
  };
  const expect = async <K extends 'ready' | 'done'>(key: K) => {
    const msg = await next();
    if ('error' in msg) throw new TspodError(msg.error.code, msg.error.message);
    if (!(key in msg)) throw new TspodError('ERR_TSPOD_SUBPROCESS', `the copier said ${JSON.stringify(msg)}, expected ${key}`);
    return msg as Extract<CopierMessage, Record<K, unknown>>;
  };
  return {
    child,
    ready: async () => (await expect('ready')).ready,
    whole: async (transfer) => {
      const ours = await transfer.then((r) => r, (err: unknown) => err ?? new TspodError('ERR_TSPOD_SUBPROCESS', 'transfer failed'));
      if (ours === 'reader gone') return; // stop() ends the copier
      if (ours instanceof TspodError) throw ours; // this side's own verdict; stop() ends the copier
      if (ours) {
        // A broken stream here: the copier's report, if it has one, says why.
        child.stdin?.destroy();
        child.stdout?.destroy();
        const msg = await next();
        throw 'error' in msg ? new TspodError(msg.error.code, msg.error.message) : ours;
      }
      await expect('done');
      await exited;
    },
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** JSON lines from a stream, one at a time; undefined once it ends. */
function lines(stream: Readable): { next(): Promise<CopierMessage | undefined> } {
  const queue: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let buf = '';
  let ended = false;
  stream.setEncoding('utf8');
  stream.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  const end = () => {
    ended = true;
    for (const w of waiting.splice(0)) w(undefined);
  };
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return {
    async next() {
      const line = queue.length ? queue.shift() : ended ? undefined : await new Promise<string | undefined>((r) => waiting.push(r));
      if (line === undefined) return undefined;
      try {
        return JSON.parse(line) as CopierMessage;
      } catch {
        return { error: { code: 'ERR_TSPOD_SUBPROCESS', message: `the copier said: ${line}` } };
      }
    },
  };
}
