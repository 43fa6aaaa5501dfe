/**
 * Gunzip without the CRC-32: the gzip framing (RFC 1952 headers and
 * trailers, members one after another) read here, the deflate data
 * inflated by zlib's raw inflater. A pulled layer's compressed bytes are
 * checked against the blob's sha256 and its tar against the diffID, so the
 * CRC adds nothing but ~5% of a pull's CPU (crc32 of every byte). The
 * trailer's size (ISIZE) is still checked. As Node's gunzip does, bytes
 * after a member that do not start another one are ignored.
 */
import zlib from 'node:zlib';
import { Transform, type TransformCallback } from 'node:stream';
import { TspodError } from '../errors.ts';

const FTEXT = 1, FHCRC = 2, FEXTRA = 4, FNAME = 8, FCOMMENT = 16;

/** Worded as zlib words them; the caller says what was being decompressed. */
function bad(why: string): TspodError {
  return new TspodError('ERR_TSPOD_LAYER', why);
}

/** The length of the member header at the start of `b`; 0 if `b` is too short to tell; throws if it is no gzip header. */
export function gzipHeaderLength(b: Buffer): number {
  if (b.length < 10) return 0;
  if (b[0] !== 0x1f || b[1] !== 0x8b) throw bad('incorrect header check');
  if (b[2] !== 8) throw bad('unknown compression method');
  const flags = b[3];
  if (flags & ~(FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT)) throw bad('unknown header flags set');
  let at = 10;
  if (flags & FEXTRA) {
    if (b.length < at + 2) return 0;
    at += 2 + b.readUInt16LE(at);
  }
  for (const f of [FNAME, FCOMMENT]) {
    if (!(flags & f)) continue;
    const z = b.indexOf(0, at);
    if (z < 0) return 0;
    at = z + 1;
  }
  if (flags & FHCRC) at += 2;
  return b.length >= at ? at : 0;
}

type State = 'header' | 'body' | 'trailer' | 'done';

/** A gunzip Transform (see above); write it large chunks (each one is a round trip to zlib's thread). */
export class FastGunzip extends Transform {
  private state: State = 'header';
  private pending: Buffer = Buffer.alloc(0);
  private inflater?: zlib.InflateRaw;
  /** Bytes given to the current member's inflater, and what it has given out. */
  private fed = 0;
  private produced = 0;
  private members = 0;
  private ended?: Promise<void>;
  private readonly chunkSize: number;

  constructor(chunkSize = 1 << 20) {
    super({ readableHighWaterMark: chunkSize });
    this.chunkSize = chunkSize;
  }

  _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.consume(chunk).then(() => cb(), cb);
  }

  _flush(cb: TransformCallback): void {
    this.finish().then(() => cb(), cb);
  }

  _read(size: number): void {
    this.inflater?.resume();
    super._read(size);
  }

  _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.inflater?.destroy();
    cb(err);
  }

  private startMember(): void {
    const inf = zlib.createInflateRaw({ chunkSize: this.chunkSize });
    this.inflater = inf;
    this.fed = 0;
    this.produced = 0;
    this.members++;
    inf.on('data', (d: Buffer) => {
      this.produced += d.length;
      // The reader is full: the inflater stops (and so does the write waiting on it) until it reads.
      if (!this.push(d)) inf.pause();
    });
    inf.on('error', (err) => this.destroy(err));
    this.ended = new Promise((resolve) => inf.once('end', resolve));
  }

  /** Writes to the member's inflater; resolves once it has taken what it wants of `b`. */
  private inflate(b: Buffer): Promise<void> {
    const inf = this.inflater!;
    this.fed += b.length;
    return new Promise((resolve, reject) => {
      inf.write(b, (err) => (err ? reject(err) : resolve()));
    });
  }

  private async consume(chunk: Buffer): Promise<void> {
    let b = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (b.length) {
      if (this.state === 'done') return;
      if (this.state === 'header') {
        if (this.members > 0 && (b[0] !== 0x1f || (b.length > 1 && b[1] !== 0x8b))) { this.state = 'done'; return; }
        const n = gzipHeaderLength(b);
        if (!n) { this.pending = Buffer.from(b); return; }
        this.startMember();
        b = b.subarray(n);
        this.state = 'body';
        continue;
      }
      if (this.state === 'body') {
        await this.inflate(b);
        const left = this.fed - this.inflater!.bytesWritten;
        if (!left) return; // all taken (the member may end exactly here: then the next bytes are all left)
        await this.ended;
        b = b.subarray(b.length - left);
        this.state = 'trailer';
        continue;
      }
      // trailer: CRC-32 (not checked: see above), then ISIZE.
      if (b.length < 8) { this.pending = Buffer.from(b); return; }
      if (b.readUInt32LE(4) !== this.produced % 2 ** 32) throw bad('gzip trailer: size does not match the data');
      b = b.subarray(8);
      this.inflater = undefined;
      this.state = 'header';
    }
  }

  private async finish(): Promise<void> {
    if (this.state === 'body') {
      // The input ended inside a member (or exactly at its deflate end, its trailer missing).
      const inf = this.inflater!;
      await new Promise<void>((resolve, reject) => {
        inf.once('error', reject);
        inf.end(() => resolve());
      });
      await this.ended;
      throw bad('unexpected end of file');
    }
    if (this.state === 'trailer' || (this.state === 'header' && this.pending.length) || this.members === 0) throw bad('unexpected end of file');
  }
}
