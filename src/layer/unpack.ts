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

/** One JSON line on stdout (the `__unpack` helper's reports). */
function report(msg: unknown): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

/** A failure as the report's fields: the error (its code, and whether it is worth retrying) and the input's digest if it was all read. */
function failureFields(err: unknown): { error: { code: string; message: string; temporary?: boolean }; input?: InputDigest } {
  const cause = err instanceof UnpackFailure ? err.cause : err;
  const code = (cause as { code?: string }).code?.startsWith('ERR_TSPOD') ? (cause as { code: string }).code : 'ERR_TSPOD_LAYER';
  const input = err instanceof UnpackFailure ? err.input : undefined;
  const temporary = cause instanceof RegistryError ? cause.temporary : undefined;
  return { error: { code, message: describeError(cause), temporary }, input };
}

/** What the `serve` helper is sent for each layer: one JSON line. */
export interface LayerOrder {
  id: number;
  request: BlobRequest;
  dest: string;
  tarSplit: string;
  /** Send `{"id":N,"progress":BYTES}` lines about every 100 ms. */
  progress: boolean;
}

/**
 * Downloads one layer itself and unpacks it as it comes (so the caller
 * moves no bytes), telling `say` what happened: progress; `ok`; a response
 * other than 200 as `status` with nothing unpacked (the caller fetches it
 * itself then, to authenticate or to report the registry's error); or the
 * error (a connection lost mid-way is a temporary registry error).
 */
async function fetchLayer(order: LayerOrder, chown: boolean, say: (msg: object) => void): Promise<void> {
  try {
    const res = await openBlobRequest(order.request);
    if (res.statusCode !== 200) {
      res.destroy();
      return say({ status: res.statusCode });
    }
    let netError: string | undefined;
    res.once('error', (err) => { netError ??= err.message; });
    res.once('aborted', () => { netError ??= 'connection closed before the end of the blob'; });
    let last = 0;
    const onInput = order.progress ? (n: number) => {
      const now = Date.now();
      if (now - last < 100) return;
      last = now;
      say({ progress: n });
    } : undefined;
    try {
      say({ ok: await unpackLayer(res, order.dest, { chown, tarSplit: order.tarSplit, onInput }) });
    } catch (err) {
      if (netError && !(err instanceof UnpackFailure && err.input)) throw new RegistryError(`downloading blob: ${netError}`, { temporary: true });
      throw err;
    }
  } catch (err) {
    say(failureFields(err));
  }
}

/**
 * `__unpack serve - chown|nochown`: fetches and unpacks the layers it is
 * sent on stdin (LayerOrder lines), several at once, each report a line
 * tagged with its id. The caller closes stdin once it has every report: a
 * close with layers still going means the caller is gone (killed), and
 * they are abandoned at once, their temp dirs left for the next command.
 */
async function serveMain(chown: boolean): Promise<void> {
  let going = 0;
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    text += d;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      const order = JSON.parse(text.slice(0, nl)) as LayerOrder;
      text = text.slice(nl + 1);
      going++;
      void fetchLayer(order, chown, (msg) => report({ id: order.id, ...msg })).finally(() => { going--; });
    }
  });
  process.stdin.once('end', () => { if (going) process.exit(1); });
}

/**
 * The `__unpack` helper: args source (a blob file, `-` for stdin, or
 * `serve`: see serveMain), dest, `chown`|`nochown`, [tar-split file]; one
 * JSON line on stdout.
 */
export async function unpackMain(args: string[]): Promise<void> {
  if (args[0] === 'serve') return serveMain(args[2] === 'chown');
  try {
    const ok = await unpackLayer(args[0] === '-' ? process.stdin : args[0], args[1], { chown: args[2] === 'chown', tarSplit: args[3] });
    report({ ok });
  } catch (err) {
    report(failureFields(err));
    process.exitCode = 1;
  }
}
