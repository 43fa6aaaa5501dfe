/**
 * Tar-split (the idea of containers/storage's tar-split): while a layer tar
 * is unpacked, every byte that does not land in a file (headers, pax
 * records, padding, the end marker and what follows it) is kept, in order,
 * with a reference to the file each body went into. `assembleTar` puts the
 * exact tar back together from that record and the unpacked directory, so a
 * pulled layer gives its diffID again without its compressed blob being
 * kept. The record is a few hundred bytes per entry, gzip-compressed.
 *
 * Format: `TSPODTS1`, then gzip members holding records: `R` u32 length,
 * raw bytes; `B` u16 path length, the tar entry's path, u48 size (that many
 * bytes of the file at that path); `E` (end).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Writable } from 'node:stream';
import { ByteReader, type TarRecorder } from './tar-reader.ts';
import { safeRelativePath } from './rules.ts';
import { TspodError, fileError } from '../errors.ts';

const MAGIC = Buffer.from('TSPODTS1');
const FLUSH_AT = 1 << 20;

function damaged(file: string, why: string): TspodError {
  return new TspodError('ERR_TSPOD_STORAGE', `reading the tar-split record \`${file}\`: ${why}`);
}

/** Records a tar stream into `file` as it is read (a TarRecorder); call `finish` after the stream's end. */
export class TarSplitWriter implements TarRecorder {
  private readonly file: string;
  private readonly fd: number;
  private raws: Buffer[] = [];
  private rawSize = 0;
  private records: Buffer[] = [];
  private recordSize = 0;

  constructor(file: string) {
    this.file = file;
    try {
      this.fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
      fs.writeSync(this.fd, MAGIC);
    } catch (err) {
      throw fileError('writing the tar-split record', file, err);
    }
  }

  raw(b: Buffer): void {
    this.raws.push(b);
    this.rawSize += b.length;
    if (this.rawSize >= FLUSH_AT) this.endRaw();
  }

  body(entryPath: string, size: number): void {
    this.endRaw();
    const name = Buffer.from(entryPath, 'utf8');
    const rec = Buffer.alloc(1 + 2 + name.length + 6);
    rec.write('B', 0, 'latin1');
    rec.writeUInt16BE(name.length, 1);
    name.copy(rec, 3);
    rec.writeUIntBE(size, 3 + name.length, 6);
    this.push(rec);
  }

  /** Writes what is left and closes the file. */
  finish(): void {
    this.endRaw();
    this.push(Buffer.from('E'));
    this.flush();
    fs.closeSync(this.fd);
  }

  /** Closes the file without completing it (the caller removes it). */
  abort(): void {
    try { fs.closeSync(this.fd); } catch { /* closed */ }
  }

  private endRaw(): void {
    if (!this.rawSize) return;
    const head = Buffer.alloc(5);
    head.write('R', 0, 'latin1');
    head.writeUInt32BE(this.rawSize, 1);
    this.push(head, ...this.raws);
    this.raws = [];
    this.rawSize = 0;
  }

  private push(...bufs: Buffer[]): void {
    for (const b of bufs) {
      this.records.push(b);
      this.recordSize += b.length;
    }
    if (this.recordSize >= FLUSH_AT) this.flush();
  }

  /** One gzip member per flush: a synchronous write keeps memory bounded without backpressure. */
  private flush(): void {
    if (!this.recordSize) return;
    const member = zlib.gzipSync(Buffer.concat(this.records), { level: 1 });
    this.records = [];
    this.recordSize = 0;
    try {
      let off = 0;
      while (off < member.length) off += fs.writeSync(this.fd, member, off);
    } catch (err) {
      throw fileError('writing the tar-split record', this.file, err);
    }
  }
}

async function write(out: Writable, chunk: Buffer): Promise<void> {
  if (out.write(chunk)) return;
  await new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => { out.off('drain', onDrain); reject(e); };
    const onDrain = () => { out.off('error', onErr); resolve(); };
    out.once('drain', onDrain);
    out.once('error', onErr);
  });
}

/** Writes the tar that `splitFile` recorded to `out`, file bodies read from `root`; does not end `out`. */
export async function assembleTar(splitFile: string, root: string, out: Writable): Promise<void> {
  const fd = fs.openSync(splitFile, 'r');
  const magic = Buffer.alloc(MAGIC.length);
  fs.readSync(fd, magic, 0, magic.length, 0);
  if (!magic.equals(MAGIC)) { fs.closeSync(fd); throw damaged(splitFile, 'not a tar-split record'); }
  const gunzip = fs.createReadStream('', { fd, start: MAGIC.length }).pipe(zlib.createGunzip());
  const r = new ByteReader(gunzip);
  const need = async (n: number) => {
    const b = await r.exact(n);
    if (!b) throw damaged(splitFile, 'cut short');
    return b;
  };
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const k = String.fromCharCode((await need(1))[0]);
    if (k === 'E') return;
    if (k === 'R') {
      const len = (await need(4)).readUInt32BE(0);
      for await (const piece of r.pieces(len)) await write(out, Buffer.from(piece));
      continue;
    }
    if (k !== 'B') throw damaged(splitFile, `unknown record \`${k}\``);
    const nameLen = (await need(2)).readUInt16BE(0);
    const name = (await need(nameLen)).toString('utf8');
    const size = (await need(6)).readUIntBE(0, 6);
    const file = path.join(root, safeRelativePath(name));
    const f = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      let left = size;
      while (left > 0) {
        const n = fs.readSync(f, buf, 0, Math.min(left, buf.length), null);
        if (n === 0) throw new TspodError('ERR_TSPOD_STORAGE', `packing the layer again: \`${file}\` is shorter than the layer recorded`);
        await write(out, Buffer.from(buf.subarray(0, n)));
        left -= n;
      }
    } finally {
      fs.closeSync(f);
    }
  }
}
