/**
 * Packing directories into tar streams, inside the user namespace (the
 * `__pack` helper) so every file is readable and owners read back as the
 * image's own ids.
 *
 * - `layer`: one directory in overlay form (a stored layer, a container's
 *   upper dir) as an OCI layer: 0/0 character devices become `.wh.NAME`
 *   entries, opaque directories get a `.wh..wh..opq` entry. Entries are
 *   sorted and whiteouts carry fixed metadata, so packing the unpacked form
 *   of a layer this wrote gives back the same bytes (the same diffID).
 * - `union`: directories stacked top first, as overlayfs would show them
 *   (whiteouts hide, opaque directories cut off what is below), as a plain
 *   tree: the filesystem `export` writes.
 * - `split`: a pulled layer's exact tar again, from the tar-split recorded
 *   while it was unpacked (src/layer/tar-split.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { encodeHeader, padding, TAR_END, type TarHeader } from './tar-writer.ts';
import { OPAQUE_MARKER, WHITEOUT_PREFIX } from './rules.ts';
import { lgetxattr } from '../sys/libc.ts';
import { TspodError } from '../errors.ts';
import { assembleTar } from './tar-split.ts';

export type PackMode = 'layer' | 'union' | 'split';

/** Overlay's opaque markers (native overlay with userxattr, privileged overlay, fuse-overlayfs). */
const OPAQUE_XATTRS = ['user.overlay.opaque', 'trusted.overlay.opaque', 'user.fuseoverlayfs.opaque'];
/** The one xattr images carry in practice: file capabilities. */
const KEPT_XATTRS = ['security.capability'];

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function isOpaque(dir: string): boolean {
  return OPAQUE_XATTRS.some((x) => lgetxattr(dir, x)?.toString() === 'y');
}

function xattrsOf(p: string): Map<string, Buffer> | undefined {
  const out = new Map<string, Buffer>();
  for (const name of KEPT_XATTRS) {
    const v = lgetxattr(p, name);
    if (v) out.set(name, v);
  }
  return out.size ? out : undefined;
}

const byName = (a: string, b: string) => (Buffer.compare(Buffer.from(a), Buffer.from(b)));

class Packer {
  private readonly out: Writable;
  private readonly links = new Map<string, string>();
  constructor(out: Writable) { this.out = out; }

  private async write(chunk: Buffer): Promise<void> {
    if (!this.out.write(chunk)) await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error) => { this.out.off('drain', onDrain); reject(e); };
      const onDrain = () => { this.out.off('error', onErr); resolve(); };
      this.out.once('drain', onDrain);
      this.out.once('error', onErr);
    });
  }

  private header(h: TarHeader): Promise<void> {
    return this.write(encodeHeader(h));
  }

  /** One filesystem object (not a whiteout) as an entry, its content streamed. */
  async entry(abs: string, rel: string, st: fs.Stats): Promise<void> {
    const base = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777, mtime: Math.floor(st.mtimeMs / 1000), xattrs: xattrsOf(abs) };
    if (st.isDirectory()) return this.header({ ...base, path: `${rel}/`, type: 'dir', size: 0 });
    if (st.isSymbolicLink()) return this.header({ ...base, path: rel, type: 'symlink', size: 0, linkpath: fs.readlinkSync(abs) });
    if (st.isFIFO()) return this.header({ ...base, path: rel, type: 'fifo', size: 0 });
    if (st.isCharacterDevice() || st.isBlockDevice()) {
      return this.header({ ...base, path: rel, type: st.isCharacterDevice() ? 'char' : 'block', size: 0, devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) });
    }
    if (!st.isFile()) return; // sockets are not archived
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first) return this.header({ ...base, path: rel, type: 'hardlink', size: 0, linkpath: first });
      this.links.set(key, rel);
    }
    await this.header({ ...base, path: rel, type: 'file', size: st.size });
    const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    try {
      let left = st.size;
      while (left > 0) {
        const buf = Buffer.allocUnsafe(Math.min(left, 1 << 20));
        const n = fs.readSync(fd, buf, 0, buf.length, null);
        if (n === 0) throw new TspodError('ERR_TSPOD_LAYER', `reading \`${abs}\`: file shrank while packing`);
        await this.write(buf.subarray(0, n));
        left -= n;
      }
    } finally {
      fs.closeSync(fd);
    }
    await this.write(Buffer.alloc(padding(st.size)));
  }

  /** A whiteout or opaque marker: an empty file with fixed metadata. */
  marker(rel: string): Promise<void> {
    return this.header({ path: rel, type: 'file', mode: 0, uid: 0, gid: 0, size: 0, mtime: 0 });
  }

  async layer(root: string, rel = ''): Promise<void> {
    const dir = rel ? path.join(root, rel) : root;
    for (const name of fs.readdirSync(dir).sort(byName)) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      if (isWhiteout(st)) { await this.marker(rel ? `${rel}/${WHITEOUT_PREFIX}${name}` : `${WHITEOUT_PREFIX}${name}`); continue; }
      await this.entry(abs, r, st);
      if (st.isDirectory()) {
        if (isOpaque(abs)) await this.marker(`${r}/${OPAQUE_MARKER}`);
        await this.layer(root, r);
      }
    }
  }

  /** The merged view of `roots` (top first) below `rel`. */
  async union(roots: string[], rel = ''): Promise<void> {
    const seen = new Map<string, { abs: string; st: fs.Stats; below: string[] }>();
    const hidden = new Set<string>();
    for (let i = 0; i < roots.length; i++) {
      const dir = rel ? path.join(roots[i], rel) : roots[i];
      let names: string[];
      try { names = fs.readdirSync(dir); } catch { continue; }
      for (const name of names) {
        if (hidden.has(name)) continue;
        const abs = path.join(dir, name);
        const st = fs.lstatSync(abs);
        const have = seen.get(name);
        if (have) {
          // A directory below a directory merges; anything else is covered by the one above.
          if (have.st.isDirectory() && st.isDirectory() && !have.below.includes('|opaque')) have.below.push(roots[i]);
          continue;
        }
        if (isWhiteout(st)) { hidden.add(name); continue; }
        const below: string[] = [];
        if (st.isDirectory() && isOpaque(abs)) below.push('|opaque');
        seen.set(name, { abs, st, below });
      }
      if (isOpaque(dir) && rel) break; // nothing below an opaque directory shows
    }
    for (const name of [...seen.keys()].sort(byName)) {
      const { abs, st, below } = seen.get(name)!;
      const r = rel ? `${rel}/${name}` : name;
      await this.entry(abs, r, st);
      if (st.isDirectory()) {
        const top = roots.find((root) => path.join(root, r) === abs)!;
        await this.union([top, ...below.filter((b) => b !== '|opaque')], r);
      }
    }
  }

  end(): Promise<void> {
    return this.write(TAR_END);
  }
}

/**
 * Writes the tar of `roots` (one for `layer`, top first for `union`; for
 * `split` a tar-split record and the layer directory it was unpacked into)
 * to `out`; does not end it.
 */
export async function packTree(mode: PackMode, roots: string[], out: Writable): Promise<void> {
  if (mode === 'split') return assembleTar(roots[0], roots[1], out);
  const p = new Packer(out);
  if (mode === 'layer') await p.layer(roots[0]);
  else await p.union(roots);
  await p.end();
}
