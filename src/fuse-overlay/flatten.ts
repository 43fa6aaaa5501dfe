/**
 * Applies overlay-form layers (0/0 character-device whiteouts, opaque
 * directories marked with user.overlay.opaque) one over another into a plain
 * directory: the copy backend's root filesystem. Runs in the user namespace.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lgetxattr, mknod } from '../sys/libc.ts';
import { OPAQUE_XATTR } from '../layer/apply.ts';

const S_IFIFO = 0o010000;

function isWhiteout(st: fs.Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function copyEntry(src: string, dest: string, st: fs.Stats, links: Map<string, string>): void {
  const key = `${st.dev}:${st.ino}`;
  if (!st.isDirectory() && st.nlink > 1) {
    const first = links.get(key);
    if (first) { fs.linkSync(first, dest); return; }
    links.set(key, dest);
  }
  if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dest);
  else if (st.isFile()) fs.copyFileSync(src, dest);
  else if (st.isFIFO()) mknod(dest, S_IFIFO | 0o600, 0);
  else return; // sockets, devices: never in layers tspod writes
  fs.lchownSync(dest, st.uid, st.gid);
  if (!st.isSymbolicLink()) {
    fs.chmodSync(dest, st.mode & 0o7777);
    fs.utimesSync(dest, st.atime, st.mtime);
  }
}

function applyDir(src: string, dest: string, links: Map<string, string>): void {
  for (const name of fs.readdirSync(src)) {
    const s = path.join(src, name);
    const d = path.join(dest, name);
    const st = fs.lstatSync(s);
    let existing: fs.Stats | undefined;
    try { existing = fs.lstatSync(d); } catch { /* new */ }
    if (isWhiteout(st)) {
      if (existing) fs.rmSync(d, { recursive: true, force: true });
      continue;
    }
    if (st.isDirectory()) {
      const opaque = lgetxattr(s, OPAQUE_XATTR)?.toString() === 'y';
      if (existing && (!existing.isDirectory() || opaque)) fs.rmSync(d, { recursive: true, force: true });
      if (!existing?.isDirectory() || opaque) fs.mkdirSync(d);
      applyDir(s, d, links);
      fs.lchownSync(d, st.uid, st.gid);
      fs.chmodSync(d, st.mode & 0o7777);
      fs.utimesSync(d, st.atime, st.mtime);
      continue;
    }
    if (existing) fs.rmSync(d, { recursive: true, force: true });
    copyEntry(s, d, st, links);
  }
}

/** Applies `layers` (base first) into `dest`. */
export function flattenLayers(layers: string[], dest: string): void {
  for (const layer of layers) applyDir(layer, dest, new Map());
}
