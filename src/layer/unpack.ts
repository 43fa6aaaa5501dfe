/**
 * Decompress, hash and apply one layer blob. `unpackLayer` runs inside the
 * user namespace (the `__unpack` helper); it returns the uncompressed digest
 * (diffID) that the caller checks against the image config.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { PassThrough, pipeline, type Readable, type Transform } from 'node:stream';
import { readTar } from './tar-reader.ts';
import { LayerWriter } from './apply.ts';
import { TspodError } from '../errors.ts';

export interface UnpackResult { diffId: string; size: number }

/** Chooses a decompressor from the first bytes of the blob. */
export function sniffCompression(head: Buffer): 'gzip' | 'zstd' | 'none' {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

function decompressor(kind: 'gzip' | 'zstd' | 'none'): Transform {
  if (kind === 'gzip') return zlib.createGunzip();
  if (kind === 'zstd') {
    const z = zlib as unknown as { createZstdDecompress?: () => Transform };
    if (!z.createZstdDecompress) throw new TspodError('ERR_TSPOD_LAYER', 'zstd-compressed layer needs Node >= 22.15');
    return z.createZstdDecompress();
  }
  return new PassThrough();
}

export async function unpackLayer(blobPath: string, dest: string, opts: { chown: boolean }): Promise<UnpackResult> {
  const fd = fs.openSync(blobPath, 'r');
  const head = Buffer.alloc(4);
  fs.readSync(fd, head, 0, 4, 0);
  fs.closeSync(fd);
  const hash = crypto.createHash('sha256');
  let size = 0;
  const source = fs.createReadStream(blobPath);
  const raw = decompressor(sniffCompression(head));
  const tee = new PassThrough({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  let streamError: Error | undefined;
  pipeline(source, raw, tee, (err) => { if (err) streamError = err; });
  const writer = new LayerWriter(dest, opts);
  try {
    for await (const entry of readTar(tee as Readable)) await writer.apply(entry);
    // Drain trailing padding so the digest covers the whole stream.
    for await (const _ of tee) { /* rest */ }
  } catch (err) {
    if (streamError) throw new TspodError('ERR_TSPOD_LAYER', `decompressing layer: ${streamError.message}`);
    throw err;
  }
  if (streamError) throw new TspodError('ERR_TSPOD_LAYER', `decompressing layer: ${(streamError as Error).message}`);
  writer.finish();
  return { diffId: `sha256:${hash.digest('hex')}`, size };
}
