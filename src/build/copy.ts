/**
 * COPY and ADD as a layer tar made directly from their sources (the
 * context, a heredoc, another stage or image, a URL, a local archive),
 * without touching any rootfs: docker's placement rules are applied against
 * the stage's layers read-only (src/build/layers.ts), parent directories
 * keep the attributes they have in the stage, and the entries get the
 * owner (`--chown`, else root) and mode (`--chmod`, else the source's).
 * The plan's checksum covers names, modes and contents, never mtimes: it is
 * what the build cache keys COPY on.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { Readable, PassThrough, type Transform } from 'node:stream';
import { encodeHeader, padding, TAR_END } from '../layer/tar-writer.ts';
import { readTar } from '../layer/tar-reader.ts';
import { sniffCompression } from '../layer/unpack.ts';
import { packInUserns } from '../layer/helper.ts';
import { storeLayer, type StoredLayer } from '../image/image.ts';
import type { Hold, Store } from '../storage/store.ts';
import type { IdMaps } from '../userns/trampoline.ts';
import type { BuildContext, ContextFile } from './context.ts';
import { innerId, resolveInLayers, statInLayers } from './layers.ts';
import { TspodError } from '../errors.ts';

export interface LayerEntry {
  /** Absolute path in the image. */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'hardlink';
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  linkpath?: string;
  /** Content: bytes, or a host file read when the tar is written. */
  data?: Buffer;
  file?: string;
  size: number;
}

export interface Owner { uid: number; gid: number }

/** One source as a tree: a file (its own name) or a directory's contents. */
interface SourceItem { name: string; dir: boolean; entries: Array<Omit<LayerEntry, 'path'> & { rel: string }> }

export interface CopyPlan { entries: LayerEntry[]; checksum: string }

const fail = (msg: string) => new TspodError('ERR_TSPOD_BUILD', msg);

function hashEntries(entries: LayerEntry[], extra: string[] = []): string {
  const h = crypto.createHash('sha256');
  for (const x of extra) h.update(x + '\n');
  for (const e of entries) {
    h.update(`${e.path}\0${e.type}\0${e.mode.toString(8)}\0${e.uid}:${e.gid}\0${e.linkpath ?? ''}\0`);
    if (e.data) h.update(e.data);
    else if (e.file) h.update(fs.readFileSync(e.file));
    h.update('\n');
  }
  return h.digest('hex');
}

/** A context file or directory as a source item. */
export function contextItem(ctx: BuildContext, f: ContextFile): SourceItem {
  const one = (c: ContextFile, rel: string) => {
    const st = c.st;
    const base = { rel, mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: Math.floor(st.mtimeMs / 1000), size: 0 };
    if (st.isDirectory()) return { ...base, type: 'dir' as const };
    if (st.isSymbolicLink()) return { ...base, type: 'symlink' as const, linkpath: fs.readlinkSync(c.abs) };
    return { ...base, type: 'file' as const, file: c.abs, size: st.size };
  };
  if (!f.st.isDirectory()) return { name: path.posix.basename(f.rel), dir: false, entries: [one(f, '')] };
  const prefix = f.rel ? f.rel.length + 1 : 0;
  return { name: path.posix.basename(f.rel), dir: true, entries: ctx.walk(f).map((c) => one(c, c.rel.slice(prefix))) };
}

/** A heredoc or downloaded file as a source item. */
export function dataItem(name: string, data: Buffer, mode: number, mtime = 0): SourceItem {
  return { name, dir: false, entries: [{ rel: '', type: 'file', mode, uid: 0, gid: 0, mtime, data, size: data.length }] };
}

/** A local archive's entries (ADD extracts tar, tar.gz, tar.zst), to go into the destination directory. */
export async function archiveItem(file: string): Promise<SourceItem | undefined> {
  const head = Buffer.alloc(512);
  const fd = fs.openSync(file, 'r');
  let n = 0;
  try { n = fs.readSync(fd, head, 0, 512, 0); } finally { fs.closeSync(fd); }
  const kind = sniffCompression(head.subarray(0, n));
  let stream: Readable = fs.createReadStream(file);
  if (kind === 'gzip') stream = stream.pipe(zlib.createGunzip());
  else if (kind === 'zstd') stream = stream.pipe((zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress());
  else if (!(n >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar')) return undefined;
  const entries: SourceItem['entries'] = [];
  try {
    for await (const e of readTar(stream)) {
      const rel = path.posix.normalize(e.path).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
      if (!rel || rel === '.' || rel.split('/').includes('..')) { for await (const _ of e.body()) { /* skipped */ } continue; }
      const base = { rel, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: Math.floor(e.mtime), size: 0 };
      if (e.type === 'dir') entries.push({ ...base, type: 'dir' });
      else if (e.type === 'symlink') entries.push({ ...base, type: 'symlink', linkpath: e.linkpath });
      else if (e.type === 'hardlink') entries.push({ ...base, type: 'hardlink', linkpath: path.posix.normalize(e.linkpath).replace(/^(\.\/|\/)+/, '') });
      else if (e.type === 'file') {
        const chunks: Buffer[] = [];
        for await (const c of e.body()) chunks.push(c);
        const data = Buffer.concat(chunks);
        entries.push({ ...base, type: 'file', data, size: data.length });
        continue;
      }
      for await (const _ of e.body()) { /* none */ }
    }
  } catch {
    return undefined; // not an archive after all: copied as a file
  }
  return { name: path.basename(file), dir: true, entries };
}

/** Sources from another stage or image: its merged tree packed in the user namespace, the matching paths kept. */
export async function stageItems(store: Store, layers: string[], srcs: string[], maps?: IdMaps): Promise<SourceItem[]> {
  const roots = [...layers].reverse().map((l) => store.layerDiff(l));
  const items: SourceItem[] = srcs.map((s) => ({ name: path.posix.basename(path.posix.normalize('/' + s)) || '/', dir: false, entries: [] }));
  const wanted = srcs.map((s) => {
    const clean = path.posix.normalize('/' + resolveInLayers(store, layers, s)).replace(/^\/+/, '').replace(/\/+$/, '');
    const re = /[*?[]/.test(clean) ? new RegExp('^' + clean.split('/').map((p) => p.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')).join('/') + '$') : undefined;
    return { clean, re };
  });
  const found = srcs.map(() => false);
  if (roots.length) {
    const packing = await packInUserns('union', roots, maps);
    for await (const e of readTar(packing.stream)) {
      const rel = path.posix.normalize(e.path).replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');
      let data: Buffer | undefined;
      for (let i = 0; i < wanted.length; i++) {
        const w = wanted[i];
        let sub: string | undefined;
        const top = w.re ? w.re.test(rel) : rel === w.clean;
        if (top) { sub = ''; found[i] = true; if (e.type === 'dir') items[i].dir = true; else items[i].name = path.posix.basename(rel); }
        else if (w.clean === '') { sub = rel; found[i] = true; }
        else if (!w.re && rel.startsWith(w.clean + '/')) sub = rel.slice(w.clean.length + 1);
        if (sub === undefined) continue;
        if (sub === '' && e.type === 'dir') continue; // a directory's contents are copied, not itself
        if (e.type === 'file' && !data) {
          const chunks: Buffer[] = [];
          for await (const c of e.body()) chunks.push(c);
          data = Buffer.concat(chunks);
        }
        const base = { rel: sub, mode: e.mode & 0o7777, uid: e.uid, gid: e.gid, mtime: Math.floor(e.mtime), size: 0 };
        if (e.type === 'dir') items[i].entries.push({ ...base, type: 'dir' });
        else if (e.type === 'symlink') items[i].entries.push({ ...base, type: 'symlink', linkpath: e.linkpath });
        else if (e.type === 'file' || e.type === 'hardlink') {
          if (e.type === 'hardlink') {
            // A hard link inside the union: copied as the file it names when we have it, else skipped.
            continue;
          }
          items[i].entries.push({ ...base, type: 'file', data, size: data!.length });
        }
      }
      if (!data) for await (const _ of e.body()) { /* not wanted */ }
    }
    await packing.done;
  }
  for (let i = 0; i < srcs.length; i++) {
    if (!found[i] && wanted[i].clean !== '') throw fail(`COPY failed: \`${srcs[i]}\` not found in the source stage or image`);
    if (wanted[i].clean === '') items[i].dir = true;
  }
  return items;
}

export interface PlaceOptions {
  store: Store;
  /** The stage's layers (where the destination is looked up). */
  layers: string[];
  dest: string;
  workdir: string;
  chown?: Owner;
  chmod?: number;
  cmd: string;
}

/** docker's placement: where each source item's entries land, with owner and mode applied. */
export function place(items: SourceItem[], o: PlaceOptions): CopyPlan {
  const dirLike = o.dest.endsWith('/') || o.dest === '.' || o.dest.endsWith('/.');
  const abs = path.posix.normalize(o.dest.startsWith('/') ? o.dest : path.posix.join(o.workdir || '/', o.dest));
  const real = resolveInLayers(o.store, o.layers, abs, true);
  const destIsDir = statInLayers(o.store, o.layers, real)?.isDirectory() ?? false;
  const many = items.length > 1;
  if (many && !dirLike && !destIsDir) throw fail(`When using ${o.cmd} with more than one source file, the destination must be a directory and end with a /`);
  const entries: LayerEntry[] = [];
  for (const item of items) {
    let base: string;
    if (item.dir) base = real;
    else if (dirLike || destIsDir || many) base = path.posix.join(real, item.name);
    else base = path.posix.join(resolveInLayers(o.store, o.layers, path.posix.dirname(abs), true), path.posix.basename(abs));
    for (const e of item.entries) {
      const p = e.rel ? path.posix.join(base, e.rel) : base;
      const owner = o.chown ?? { uid: e.uid, gid: e.gid };
      const mode = o.chmod !== undefined && e.type !== 'symlink' ? o.chmod : e.mode;
      const linkpath = e.type === 'hardlink' && e.linkpath ? path.posix.join(base, e.linkpath).replace(/^\/+/, '') : e.linkpath;
      entries.push({ ...e, path: p, mode, uid: owner.uid, gid: owner.gid, linkpath });
    }
  }
  return { entries, checksum: hashEntries(entries, [real]) };
}

/** The directories above the entries that the layer must carry, with the stage's attributes (or 0755 root when new). */
function parents(entries: LayerEntry[], store: Store, layers: string[], maps: IdMaps): LayerEntry[] {
  const have = new Set(entries.map((e) => e.path));
  const out = new Map<string, LayerEntry>();
  for (const e of entries) {
    for (let d = path.posix.dirname(e.path); d !== '/'; d = path.posix.dirname(d)) {
      if (have.has(d) || out.has(d)) continue;
      const st = statInLayers(store, layers, d);
      out.set(d, st?.isDirectory()
        ? { path: d, type: 'dir', mode: st.mode & 0o7777, uid: innerId(maps.uid, st.uid), gid: innerId(maps.gid, st.gid), mtime: Math.floor(st.mtimeMs / 1000), size: 0 }
        : { path: d, type: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
    }
  }
  return [...out.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
}

async function* tarOf(entries: LayerEntry[]): AsyncGenerator<Buffer> {
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '') + (e.type === 'dir' ? '/' : '');
    const size = e.type === 'file' ? (e.data ? e.data.length : fs.statSync(e.file!).size) : 0;
    yield encodeHeader({ path: name, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, size, mtime: e.mtime, linkpath: e.linkpath });
    if (e.type !== 'file') continue;
    if (e.data) yield e.data;
    else {
      let got = 0;
      for await (const c of fs.createReadStream(e.file!)) { got += (c as Buffer).length; yield c as Buffer; }
      if (got !== size) throw fail(`\`${e.file}\` changed while it was copied`);
    }
    const pad = padding(size);
    if (pad) yield Buffer.alloc(pad);
  }
  yield TAR_END;
}

/** Stores the plan as a layer (added to `hold`). */
export async function storeCopyLayer(store: Store, hold: Hold, plan: CopyPlan, layers: string[], maps: IdMaps): Promise<StoredLayer> {
  const all = [...parents(plan.entries, store, layers, maps), ...plan.entries];
  const stream = new PassThrough();
  Readable.from(tarOf(all)).on('error', (e) => stream.destroy(e)).pipe(stream);
  return storeLayer(store, hold, stream);
}
