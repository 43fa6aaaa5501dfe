/**
 * Decompress, hash and apply one layer. `unpackLayer` runs inside the user
 * namespace (the `__unpack` helper), reading a blob file or its stdin; it
 * returns the uncompressed digest (diffID) that the caller checks against
 * the image config, and can record the tar's tar-split as it goes.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { PassThrough, pipeline, type Readable, type Transform, type Writable } from 'node:stream';
import { readTar } from './tar-reader.ts';
import { LayerWriter } from './apply.ts';
import { TarSplitWriter } from './tar-split.ts';
import { FastGunzip } from './gunzip.ts';
import { openBlobRequest, type BlobRequest } from '../registry/client.ts';
import { RegistryError, TspodError, describeError, fileError } from '../errors.ts';

export interface UnpackResult { diffId: string; size: number }

/** Chooses a decompressor from the first bytes of the blob. */
export function sniffCompression(head: Buffer): 'gzip' | 'zstd' | 'none' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

const FEED_BATCH = 4 << 20;

function decompressor(kind: 'gzip' | 'zstd' | 'none'): Transform {
  if (kind === 'gzip') return new FastGunzip(1 << 20);
  if (kind === 'zstd') {
    const z = zlib as unknown as { createZstdDecompress?: () => Transform };
    if (!z.createZstdDecompress) throw new TspodError('ERR_TSPOD_LAYER', 'zstd-compressed layer needs Node >= 22.15');
    return z.createZstdDecompress();
  }
  return new PassThrough();
}

/** Resolves when `w` can take more, or is gone. */
function drainedOrClosed(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { w.off('drain', done); w.off('close', done); resolve(); };
    w.on('drain', done);
    w.on('close', done);
  });
}

interface Decompressing {
  /** The decompressed bytes. */
  out: Readable;
  /** The input's digest and size once it has been read to its end (read to the end even when `out` fails). */
  input: Promise<InputDigest>;
}

export interface InputDigest { digest: string; size: number }

/** The source's bytes, hashed as they are read, decompressed by what the first bytes say. */
async function decompressing(source: Readable, onInput?: (size: number) => void): Promise<Decompressing> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let ended = false;
  while (size < 4) {
    const r = await it.next();
    if (r.done) { ended = true; break; }
    hash.update(r.value);
    head.push(r.value);
    size += r.value.length;
  }
  const first = Buffer.concat(head);
  const out = decompressor(sniffCompression(first));
  // Sockets and pipes give 64 kB reads: the decompressor gets them in 4 MB
  // batches (each write is a round trip to a zlib thread; measured: 640 ms
  // of CPU for a 107 MB gzip layer in 64 kB writes, 420 ms in 1 MB ones,
  // and a cold pull of 4 such layers ~5% faster with 4 MB than with 1 MB).
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async () => {
    const chunk = batch.length === 1 ? batch[0] : Buffer.concat(batch, batched);
    batch = [];
    batched = 0;
    // Once the decompressor failed, the rest is still read and hashed: a corrupt download is told as such.
    if (out.destroyed || out.writableEnded) return;
    if (!out.write(chunk)) await drainedOrClosed(out);
  };
  const feed = async (chunk: Buffer) => {
    batch.push(chunk);
    batched += chunk.length;
    if (batched >= FEED_BATCH) await flush();
  };
  const input = (async () => {
    try {
      if (first.length) await feed(first);
      while (!ended) {
        const r = await it.next();
        if (r.done) break;
        hash.update(r.value);
        size += r.value.length;
        onInput?.(size);
        await feed(r.value);
      }
      if (batched) await flush();
      if (!out.destroyed) out.end();
    } catch (err) {
      out.destroy(err as Error);
      throw err;
    }
    return { digest: `sha256:${hash.digest('hex')}`, size };
  })();
  input.catch(() => {});
  return { out, input };
}

/** Where a write failed for want of space: one line naming the file. */
function spaceError(err: unknown, dest: string, entry?: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e?.code !== 'ENOSPC' && e?.code !== 'EDQUOT') return err;
  return fileError('unpacking a layer: writing', e.path ?? (entry ? path.join(dest, entry) : dest), err);
}

export interface UnpackOptions {
  chown: boolean;
  /** Record the tar here (src/layer/tar-split.ts) so it can be put together again without a blob. */
  tarSplit?: string;
  /** Told the input's byte count as it is read. */
  onInput?: (size: number) => void;
}

/** An unpacking failure, with the digest of the whole input when it could still be read (a corrupt download shows there). */
export class UnpackFailure extends Error {
  readonly cause: unknown;
  readonly input?: InputDigest;
  constructor(cause: unknown, input?: InputDigest) {
    super((cause as Error)?.message ?? String(cause));
    this.cause = cause;
    this.input = input;
  }
}

/**
 * Decompresses (gzip, zstd or none, by the first bytes), hashes and applies
 * one layer from `source` (a blob file, or a stream such as a download
 * piped to this helper's stdin) into `dest`. Reports the diffID, the tar's
 * size and the digest and size of the input as it came; a failure is an
 * UnpackFailure carrying the input's digest when the input could be read.
 */
export async function unpackLayer(source: string | Readable, dest: string, opts: UnpackOptions): Promise<UnpackResult & { input: InputDigest }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  const src = typeof source === 'string' ? fs.createReadStream(source, { highWaterMark: 1 << 20 }) : source;
  const { out: raw, input } = await decompressing(src, opts.onInput);
  const tee = new PassThrough({
    readableHighWaterMark: 1 << 20,
    writableHighWaterMark: 1 << 20,
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  let streamError: Error | undefined;
  pipeline(raw, tee, (err) => { if (err) streamError ??= err; });
  const split = opts.tarSplit ? new TarSplitWriter(opts.tarSplit) : undefined;
  const writer = new LayerWriter(dest, { chown: opts.chown });
  let entry: string | undefined;
  try {
    for await (const e of readTar(tee as Readable, split)) {
      entry = e.path;
      await writer.apply(e);
    }
    entry = undefined;
    // Drain trailing padding so the digest covers the whole stream.
    for await (const b of tee) split?.raw(b);
    if (streamError) throw streamError;
    split?.finish();
    writer.finish();
  } catch (err) {
    split?.abort();
    raw.destroy();
    const failure = streamError ? new TspodError('ERR_TSPOD_LAYER', `decompressing layer: ${streamError.message}`) : spaceError(err, dest, entry);
    throw new UnpackFailure(failure, await input.catch(() => undefined));
  }
  return { diffId: `sha256:${hash.digest('hex')}`, size, input: await input };
}

/** The report the `__unpack` helper writes as its last stdout line. */
function report(msg: unknown): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

function reportFailure(err: unknown): void {
  const cause = err instanceof UnpackFailure ? err.cause : err;
  const code = (cause as { code?: string }).code?.startsWith('ERR_TSPOD') ? (cause as { code: string }).code : 'ERR_TSPOD_LAYER';
  const input = err instanceof UnpackFailure ? err.input : undefined;
  const temporary = cause instanceof RegistryError ? cause.temporary : undefined;
  report({ error: { code, message: describeError(cause), temporary }, input });
  process.exitCode = 1;
}

/**
 * The helper's stdin: one JSON line (what to fetch), then nothing until the
 * caller closes it. A close before the layer is done means the caller is
 * gone (killed): the layer is abandoned at once, its temp dir left for the
 * next command to remove.
 */
async function fetchOrder(onGone: () => void): Promise<{ request: BlobRequest; progress: boolean }> {
  return new Promise((resolve, reject) => {
    let text = '';
    let got = false;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (d: string) => {
      if (got) return;
      text += d;
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      got = true;
      try { resolve(JSON.parse(text.slice(0, nl))); } catch (err) { reject(err); }
    });
    process.stdin.once('end', () => { if (got) onGone(); else reject(new TspodError('ERR_TSPOD_LAYER', 'unpacking helper: no request on stdin')); });
  });
}

/**
 * `__unpack fetch DEST chown|nochown TARSPLIT`: the helper downloads the
 * layer itself (so the caller moves no bytes) and unpacks it as it comes.
 * Progress lines (`{"progress":N}`) when asked; a response other than 200
 * is reported as `{"status":N}` with nothing unpacked (the caller fetches it
 * itself then, to authenticate or to report the registry's error); a
 * connection lost mid-way is a temporary registry error.
 */
async function fetchMain(args: string[]): Promise<void> {
  let done = false;
  let res: import('node:http').IncomingMessage | undefined;
  const order = await fetchOrder(() => {
    if (done) return;
    res?.destroy();
    process.exit(1);
  });
  res = await openBlobRequest(order.request);
  if (res.statusCode !== 200) {
    res.destroy();
    report({ status: res.statusCode });
    done = true;
    process.stdin.destroy();
    return;
  }
  let netError: string | undefined;
  res.once('error', (err) => { netError ??= err.message; });
  res.once('aborted', () => { netError ??= 'connection closed before the end of the blob'; });
  let last = 0;
  const onInput = order.progress ? (n: number) => {
    const now = Date.now();
    if (now - last < 100) return;
    last = now;
    report({ progress: n });
  } : undefined;
  try {
    const ok = await unpackLayer(res, args[1], { chown: args[2] === 'chown', tarSplit: args[3], onInput });
    report({ ok });
  } catch (err) {
    if (netError && !(err instanceof UnpackFailure && err.input)) {
      reportFailure(new RegistryError(`downloading blob: ${netError}`, { temporary: true }));
    } else reportFailure(err);
  } finally {
    done = true;
    process.stdin.destroy();
  }
}

/**
 * The `__unpack` helper: args source (a blob file, `-` for stdin, or
 * `fetch`: see fetchMain), dest, `chown`|`nochown`, [tar-split file]; one
 * JSON line on stdout.
 */
export async function unpackMain(args: string[]): Promise<void> {
  if (args[0] === 'fetch') {
    try { await fetchMain(args); } catch (err) { reportFailure(err); }
    return;
  }
  try {
    const ok = await unpackLayer(args[0] === '-' ? process.stdin : args[0], args[1], { chown: args[2] === 'chown', tarSplit: args[3] });
    report({ ok });
  } catch (err) {
    reportFailure(err);
  }
}
