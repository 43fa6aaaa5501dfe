/**
 * Writes a layer tar into a directory in overlayfs form: whiteouts become
 * 0/0 character devices, opaque directories get user.overlay.opaque=y. Runs
 * inside the user namespace so ownership lands on the mapped ids.
 * Nothing is ever written through a symlink or outside `root`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TarEntry } from './tar-reader.ts';
import { classifyWhiteout, safeLinkTarget, safeRelativePath } from './rules.ts';
import { lsetxattr, mknod, S_IFCHR } from '../sys/libc.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('layer');
const S_IFIFO = 0o010000;

export const OPAQUE_XATTR = 'user.overlay.opaque';

export interface ApplyOptions {
  /** Whether chown is possible (false in a single-id namespace: ownership is dropped). */
  chown: boolean;
}

function unsafe(entry: string, why: string): TspodError {
  return new TspodError('ERR_TSPOD_UNSAFE_LAYER', `refusing layer entry \`${entry}\`: ${why}`);
}

function lstatOrNull(p: string): fs.Stats | null {
  try { return fs.lstatSync(p); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export class LayerWriter {
  private readonly root: string;
  private readonly opts: ApplyOptions;
  private readonly dirTimes: Array<[string, number]> = [];

  constructor(root: string, opts: ApplyOptions) {
    this.root = root;
    this.opts = opts;
  }

  /** Makes sure every parent of rel is a real directory inside root (creating missing ones). */
  private parentOf(rel: string, entry: string): string {
    this.dirs(rel.split('/').slice(0, -1), entry);
    return path.join(this.root, rel);
  }

  /** Walks (creating) the directories `parts` below root, refusing symlinks and files. */
  private dirs(parts: string[], entry: string): string {
    let cur = this.root;
    for (const p of parts) {
      cur = path.join(cur, p);
      const st = lstatOrNull(cur);
      if (!st) fs.mkdirSync(cur, { mode: 0o755 });
      else if (st.isSymbolicLink()) throw unsafe(entry, `parent \`${p}\` is a symlink`);
      else if (!st.isDirectory()) throw unsafe(entry, `parent \`${p}\` is not a directory`);
    }
    return cur;
  }

  /** Removes whatever is at p unless both it and the new entry are directories. */
  private clear(p: string, keepDir: boolean): void {
    const st = lstatOrNull(p);
    if (!st) return;
    if (keepDir && st.isDirectory()) return;
    fs.rmSync(p, { recursive: true, force: true });
  }

  private owner(p: string, e: TarEntry): void {
    if (this.opts.chown) fs.lchownSync(p, e.uid, e.gid);
  }

  private xattrs(p: string, e: TarEntry): void {
    for (const [name, value] of e.xattrs) {
      try {
        lsetxattr(p, name, value);
      } catch (err) {
        debug('skipping xattr %s on %s: %s', name, p, (err as Error).message);
      }
    }
  }

  async apply(e: TarEntry): Promise<void> {
    const rel = safeRelativePath(e.path);
    const wo = classifyWhiteout(rel);
    if (wo.kind === 'meta') return;
    if (wo.kind === 'opaque') {
      const dir = this.dirs(wo.dir ? wo.dir.split('/') : [], e.path);
      lsetxattr(dir, OPAQUE_XATTR, Buffer.from('y'));
      return;
    }
    if (wo.kind === 'whiteout') {
      const p = this.parentOf(wo.target, e.path);
      this.clear(p, false);
      mknod(p, S_IFCHR | 0o000, 0);
      return;
    }
    if (!rel) { // the layer root itself: take its metadata
      if (e.type === 'dir') this.meta(this.root, e, true);
      return;
    }
    const p = this.parentOf(rel, e.path);
    switch (e.type) {
      case 'dir': {
        this.clear(p, true);
        if (!lstatOrNull(p)) fs.mkdirSync(p, { mode: 0o700 });
        this.meta(p, e, true);
        return;
      }
      case 'file': {
        this.clear(p, false);
        const fd = fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of e.body()) {
            let off = 0;
            while (off < chunk.length) off += fs.writeSync(fd, chunk, off);
          }
        } finally {
          fs.closeSync(fd);
        }
        this.meta(p, e, false);
        return;
      }
      case 'symlink': {
        this.clear(p, false);
        fs.symlinkSync(e.linkpath, p);
        this.owner(p, e);
        this.xattrs(p, e);
        fs.lutimesSync(p, e.mtime, e.mtime);
        return;
      }
      case 'hardlink': {
        const target = path.join(this.root, safeLinkTarget(e.path, e.linkpath));
        this.parentOf(safeLinkTarget(e.path, e.linkpath), e.path);
        const st = lstatOrNull(target);
        if (!st) throw unsafe(e.path, `hard link target \`${e.linkpath}\` is not in this layer`);
        if (st.isDirectory()) throw unsafe(e.path, 'hard link to a directory');
        this.clear(p, false);
        fs.linkSync(target, p);
        return;
      }
      case 'fifo': {
        this.clear(p, false);
        mknod(p, S_IFIFO | 0o600, 0);
        this.meta(p, e, false);
        return;
      }
      case 'char':
      case 'block':
        debug('skipping device node %s (%d:%d)', rel, e.devmajor, e.devminor);
        return;
      default:
        debug('skipping unsupported entry %s', rel);
    }
  }

  /** Owner, then mode (chown clears setuid bits), xattrs, times. */
  private meta(p: string, e: TarEntry, isDir: boolean): void {
    this.owner(p, e);
    fs.chmodSync(p, e.mode);
    this.xattrs(p, e);
    if (isDir) this.dirTimes.push([p, e.mtime]);
    else fs.utimesSync(p, e.mtime, e.mtime);
  }

  /** Sets directory times last, deepest first, since writing children changes them. */
  finish(): void {
    for (const [p, t] of this.dirTimes.reverse()) fs.utimesSync(p, t, t);
  }
}
