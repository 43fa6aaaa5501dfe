/**
 * Writing tar streams: ustar headers, with a pax header ahead of an entry
 * whose name, link target, ids, size or xattrs do not fit ustar. The output
 * depends only on the entries given (no clock, no host names), so the same
 * tree packs to the same bytes: a layer's diffID can be reproduced.
 */
import type { EntryType } from './tar-reader.ts';
import { TspodError } from '../errors.ts';

const BLOCK = 512;
const FLAGS: Partial<Record<EntryType, string>> = { file: '0', hardlink: '1', symlink: '2', char: '3', block: '4', dir: '5', fifo: '6' };

export interface TarHeader {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of content that follow (files only). */
  size: number;
  /** Seconds; fractions are dropped. */
  mtime: number;
  linkpath?: string;
  devmajor?: number;
  devminor?: number;
  xattrs?: Map<string, Buffer>;
}

function octal(buf: Buffer, off: number, len: number, n: number): boolean {
  const s = Math.floor(n).toString(8);
  if (s.length > len - 1) return false;
  buf.write(s.padStart(len - 1, '0') + '\0', off, len, 'ascii');
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return Buffer.concat([Buffer.from(String(len)), body]);
}

function rawHeader(name: string, flag: string, h: Omit<TarHeader, 'path' | 'type'>, link: string, overflow: (key: string) => void): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(name, 0, 100, 'utf8');
  const num = (off: number, len: number, n: number, key: string) => { if (!octal(b, off, len, n)) { octal(b, off, len, 0); overflow(key); } };
  num(100, 8, h.mode & 0o7777, 'mode');
  num(108, 8, h.uid, 'uid');
  num(116, 8, h.gid, 'gid');
  num(124, 12, h.size, 'size');
  num(136, 12, h.mtime, 'mtime');
  b.write('        ', 148, 8, 'ascii');
  b.write(flag, 156, 1, 'ascii');
  b.write(link, 157, 100, 'utf8');
  b.write('ustar\x0000', 257, 8, 'binary');
  num(329, 8, h.devmajor ?? 0, 'devmajor');
  num(337, 8, h.devminor ?? 0, 'devminor');
  let sum = 0;
  for (const x of b) sum += x;
  b.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return b;
}

/** The header block(s) of one entry (a pax header first when needed). */
export function encodeHeader(h: TarHeader): Buffer {
  const flag = FLAGS[h.type];
  if (!flag) throw new TspodError('ERR_TSPOD_LAYER', `cannot write tar entry of type ${h.type}`);
  const link = h.linkpath ?? '';
  const pax: Array<[string, Buffer]> = [];
  if (Buffer.byteLength(h.path) > 100 || /[^\x20-\x7e]/.test(h.path)) pax.push(['path', Buffer.from(h.path)]);
  if (Buffer.byteLength(link) > 100 || /[^\x20-\x7e]/.test(link)) pax.push(['linkpath', Buffer.from(link)]);
  const overflowed: string[] = [];
  const main = rawHeader(h.path.slice(0, 100), flag, h, link.slice(0, 100), (k) => overflowed.push(k));
  for (const k of overflowed) pax.push([k, Buffer.from(String(Math.floor((h as unknown as Record<string, number>)[k])))]);
  for (const [name, value] of [...(h.xattrs ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) pax.push([`SCHILY.xattr.${name}`, value]);
  if (!pax.length) return main;
  const body = Buffer.concat(pax.map(([k, v]) => paxRecord(k, v)));
  const paxName = `PaxHeaders.0/${h.path.split('/').pop()!.slice(0, 80)}`;
  const head = rawHeader(paxName, 'x', { mode: 0o644, uid: 0, gid: 0, size: body.length, mtime: 0 }, '', () => {});
  return Buffer.concat([head, body, Buffer.alloc(padding(body.length)), main]);
}

/** Zero bytes that round `size` up to a whole block. */
export function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** The end-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(BLOCK * 2);
