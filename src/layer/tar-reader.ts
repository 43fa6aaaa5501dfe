/**
 * A streaming reader for the tar formats image layers use: ustar, GNU long
 * names (L/K) and pax headers (x/g) including SCHILY.xattr.* with binary
 * values. Entries are yielded in order; each entry's body must be consumed
 * (or is skipped) before the next one is read.
 */
import type { Readable } from 'node:stream';
import { TspodError } from '../errors.ts';

export type EntryType = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

export interface TarEntry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number; // seconds, fractional allowed
  linkpath: string;
  devmajor: number;
  devminor: number;
  xattrs: Map<string, Buffer>;
  /** The entry's content; call at most once, before asking for the next entry. */
  body(): AsyncGenerator<Buffer>;
}

const BLOCK = 512;

function bad(why: string): TspodError {
  return new TspodError('ERR_TSPOD_LAYER', `reading layer tar: ${why}`);
}

/** Pulls exact byte counts from a stream. */
export class ByteReader {
  private chunks: Buffer[] = [];
  private have = 0;
  private iter: AsyncIterator<Buffer>;
  private done = false;
  /** Sees every byte that is not an entry body handed to its reader (headers, padding, skipped bodies). */
  private readonly onRaw?: (b: Buffer) => void;
  constructor(stream: AsyncIterable<Buffer>, onRaw?: (b: Buffer) => void) {
    this.iter = stream[Symbol.asyncIterator]();
    this.onRaw = onRaw;
  }
  private async fill(n: number): Promise<boolean> {
    while (this.have < n && !this.done) {
      const r = await this.iter.next();
      if (r.done) { this.done = true; break; }
      const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
      this.chunks.push(b);
      this.have += b.length;
    }
    return this.have >= n;
  }
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first.length >= n) {
      // Most takes fit in one chunk: hand out a view, not a copy.
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.have -= n;
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.have -= n;
    return out;
  }
  /** Exactly n bytes, or null at a clean end of stream. */
  async exact(n: number): Promise<Buffer | null> {
    if (!(await this.fill(n))) {
      if (this.have === 0) return null;
      throw bad('unexpected end of data');
    }
    const b = this.take(n);
    this.onRaw?.(b);
    return b;
  }
  /** Yields n bytes in pieces as they arrive. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.have === 0 && !(await this.fill(1))) throw bad('unexpected end of data');
      const c = this.chunks[0];
      const k = Math.min(c.length, left);
      yield this.take(k);
      left -= k;
    }
  }
  async skip(n: number): Promise<void> {
    for await (const b of this.pieces(n)) this.onRaw?.(b);
  }
  /** Everything left in the stream (bytes after the end-of-archive marker). */
  async *rest(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.have === 0 && !(await this.fill(1))) return;
      yield this.take(this.have);
    }
  }
}

function cstr(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const z = s.indexOf(0);
  return (z >= 0 ? s.subarray(0, z) : s).toString('utf8');
}

/** Octal, or GNU base-256 when the high bit of the first byte is set. */
export function parseNumeric(b: Buffer, start: number, len: number): number {
  const f = b.subarray(start, start + len);
  if (f[0] & 0x80) {
    let v = f[0] & 0x7f;
    for (let i = 1; i < f.length; i++) v = v * 256 + f[i];
    return v;
  }
  const s = cstr(f, 0, len).trim();
  if (!s) return 0;
  if (!/^[0-7]+$/.test(s)) throw bad(`bad numeric field "${s}"`);
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const want = parseNumeric(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
  return sum === want;
}

const TYPES: Record<string, EntryType> = {
  '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink',
  '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo',
};

/** Parses pax extended header records ("len key=value\n"), values kept as bytes. */
export function parsePax(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp < 0) break;
    const len = parseInt(buf.toString('ascii', i, sp), 10);
    if (!Number.isFinite(len) || len <= 0 || i + len > buf.length) throw bad('malformed pax header');
    const rec = buf.subarray(sp + 1, i + len - 1); // without trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq > 0) out.set(rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1)));
    i += len;
  }
  return out;
}

const pad = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;

/**
 * What a tar stream is made of, told in order as it is read: `raw` bytes
 * (headers, padding, bodies nobody read, what follows the end marker) and
 * `body` of the entry at `path` (its `size` bytes were handed to the
 * reader of that entry). Raw bytes and bodies, in order, are the stream.
 */
export interface TarRecorder {
  raw(b: Buffer): void;
  body(path: string, size: number): void;
}

export async function* readTar(stream: Readable | AsyncIterable<Buffer>, recorder?: TarRecorder): AsyncGenerator<TarEntry> {
  const r = new ByteReader(stream as AsyncIterable<Buffer>, recorder && ((b) => recorder.raw(b)));
  let globalPax = new Map<string, Buffer>();
  let pax = new Map<string, Buffer>();
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    const h = await r.exact(BLOCK);
    if (!h) return;
    if (h.every((x) => x === 0)) { // end-of-archive marker
      if (recorder) for await (const b of r.rest()) recorder.raw(b);
      return;
    }
    if (!checksumOk(h)) throw bad('header checksum mismatch (not a tar stream, or corrupt)');
    const flag = String.fromCharCode(h[156]);
    const size = parseNumeric(h, 124, 12);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      const data = (await r.exact(size + pad(size))) ?? Buffer.alloc(0);
      const body = data.subarray(0, size);
      if (flag === 'x') pax = parsePax(body);
      else if (flag === 'g') globalPax = new Map([...globalPax, ...parsePax(body)]);
      else if (flag === 'L') longName = cstr(body, 0, body.length);
      else longLink = cstr(body, 0, body.length);
      continue;
    }
    const ext = new Map([...globalPax, ...pax]);
    const str = (k: string) => ext.get(k)?.toString('utf8');
    const num = (k: string, dflt: number) => { const v = str(k); return v !== undefined ? Number(v) : dflt; };
    const magic = h.toString('ascii', 257, 262);
    const prefix = magic === 'ustar' ? cstr(h, 345, 155) : '';
    const name = cstr(h, 0, 100);
    const path = str('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name);
    const xattrs = new Map<string, Buffer>();
    for (const [k, v] of ext) {
      if (k.startsWith('SCHILY.xattr.')) xattrs.set(k.slice(13), v);
      else if (k.startsWith('LIBARCHIVE.xattr.')) xattrs.set(decodeURIComponent(k.slice(17)), Buffer.from(v.toString(), 'base64'));
    }
    const entrySize = num('size', size);
    const type = TYPES[flag] ?? 'other';
    const dataSize = type === 'file' || type === 'other' ? entrySize : 0;
    let consumed = false;
    const entry: TarEntry = {
      path,
      type,
      mode: parseNumeric(h, 100, 8) & 0o7777,
      uid: num('uid', parseNumeric(h, 108, 8)),
      gid: num('gid', parseNumeric(h, 116, 8)),
      size: dataSize,
      mtime: num('mtime', parseNumeric(h, 136, 12)),
      linkpath: str('linkpath') ?? longLink ?? cstr(h, 157, 100),
      devmajor: parseNumeric(h, 329, 8),
      devminor: parseNumeric(h, 337, 8),
      xattrs,
      body: () => {
        consumed = true;
        if (dataSize) recorder?.body(path, dataSize);
        return r.pieces(dataSize);
      },
    };
    pax = new Map();
    longName = undefined;
    longLink = undefined;
    yield entry;
    if (!consumed) await r.skip(dataSize);
    await r.skip(pad(dataSize));
  }
}
