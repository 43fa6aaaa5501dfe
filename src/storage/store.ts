/**
 * The per-user store: content-addressed blobs, unpacked layers (keyed by
 * diffID, shared between images), image and container records. Records are
 * written atomically and changed only under the store lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ensureRunDirs, type StorePaths } from './paths.ts';
import { readJson, writeJsonAtomic } from './atomic.ts';
import { withLock } from './lock.ts';
import { alive, procRef, sameProcess } from '../sys/proc.ts';
import type { ProcRef } from '../model/state.ts';
import { TspodError } from '../errors.ts';
import type { ImageRecord } from '../model/image.ts';
import { checkContainerRecord, damagedRecord } from './containers.ts';
import type { ContainerRecord } from '../model/container.ts';
import { ContainerLayout, containersDir, layerLink } from './layout.ts';
import { randomHex, sha256Hex } from '../sys/random.ts';

export function hexOf(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new TspodError('ERR_TSPOD_STORAGE', `unsupported digest \`${digest}\``);
  return m[1];
}

export interface LayerMeta { diffId: string; size: number; link: string }

/** A compressed blob as a manifest names it. */
export interface BlobDescriptor { mediaType: string; digest: string; size: number }

/** What an operation in progress (pull, load, commit, build) uses, kept from garbage collection. */
export interface HoldRecord { owner: ProcRef; layers: string[]; blobs: string[] }

/** A hold on layers and blobs; it lapses by itself if its process dies. */
export interface Hold {
  /** Adds to what is held; call before looking for or committing them. */
  add(what: { layers?: string[]; blobs?: string[] }): Promise<void>;
  /** Ends the hold (once the image record that refers to them is written, or the operation failed). */
  release(): Promise<void>;
}

export class Store {
  readonly paths: StorePaths;
  readonly root: string;

  constructor(paths: StorePaths) {
    this.paths = paths;
    this.root = paths.root;
    ensureRunDirs(paths);
    for (const d of ['blobs/sha256', 'layers', 'l', 'containers', 'tmp', 'volumes', 'holds']) {
      fs.mkdirSync(path.join(this.root, d), { recursive: true, mode: 0o700 });
    }
  }

  /** Runs fn with the store lock held; every record change goes through here. */
  locked<T>(fn: () => T | Promise<T>): Promise<T> {
    return withLock(path.join(this.root, 'store.lock'), fn);
  }

  /** A fresh private directory under tmp/ for work in progress. */
  tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(this.root, 'tmp', `${prefix}-${process.pid}-`));
  }

  // ---- blobs ----
  blobPath(digest: string): string {
    return path.join(this.root, 'blobs', 'sha256', hexOf(digest));
  }
  hasBlob(digest: string): boolean {
    return fs.existsSync(this.blobPath(digest));
  }
  readBlob(digest: string): Buffer {
    return fs.readFileSync(this.blobPath(digest));
  }
  /** Stores bytes under their digest after checking it. */
  putBlob(digest: string, data: Buffer): void {
    const actual = `sha256:${sha256Hex(data)}`;
    if (actual !== digest) throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `blob digest mismatch: want ${digest}, got ${actual}`);
    const tmp = path.join(this.root, 'tmp', `blob-${process.pid}-${randomHex(4)}`);
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, this.blobPath(digest));
  }
  /** Moves a verified temp file into place as a blob. */
  adoptBlob(digest: string, tmpFile: string): void {
    fs.renameSync(tmpFile, this.blobPath(digest));
  }

  // ---- layers ----
  layerDir(diffId: string): string {
    return path.join(this.root, 'layers', hexOf(diffId));
  }
  layerDiff(diffId: string): string {
    return path.join(this.layerDir(diffId), 'diff');
  }
  /** A layer is present once its meta.json exists (written last). */
  layerMeta(diffId: string): LayerMeta | undefined {
    return readJson<LayerMeta | undefined>(path.join(this.layerDir(diffId), 'meta.json'), undefined);
  }
  /** The short lowerdir name for a layer, relative to the store root. */
  layerLink(diffId: string): string {
    hexOf(diffId);
    return layerLink(diffId);
  }
  /** The tar-split record of a layer stored without its blob (src/layer/tar-split.ts). */
  layerTarSplit(diffId: string): string {
    return path.join(this.layerDir(diffId), 'tar-split.gz');
  }
  /** Compressed forms of a layer known to hold exactly its tar (pulled, or made for a push or save), oldest first. */
  layerBlobs(diffId: string): BlobDescriptor[] {
    try { return readJson<BlobDescriptor[]>(path.join(this.layerDir(diffId), 'blobs.json'), []); } catch { return []; }
  }
  /** Remembers a verified compressed form of a stored layer (no-op when known or the layer is gone). */
  async addLayerBlob(diffId: string, blob: BlobDescriptor): Promise<void> {
    await this.locked(() => {
      if (!this.layerMeta(diffId)) return;
      const have = this.layerBlobs(diffId);
      if (have.some((b) => b.digest === blob.digest)) return;
      writeJsonAtomic(path.join(this.layerDir(diffId), 'blobs.json'), [...have, { mediaType: blob.mediaType, digest: blob.digest, size: blob.size }]);
    });
  }
  /**
   * Installs an unpacked, verified layer from a temp dir. Returns false when
   * the layer was already there (the caller then discards its copy). A `diff`
   * without meta.json is a commit interrupted after its rename: the content
   * was verified before the rename, so it is completed, not redone. The
   * layer's tar-split record and the compressed form it came in, when
   * given, are in place before meta.json.
   */
  commitLayer(diffId: string, unpacked: string, size: number, extra: { tarSplit?: string; blob?: BlobDescriptor } = {}): boolean {
    const dir = this.layerDir(diffId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    // The record first: the same tar gives the same record, so replacing one is harmless.
    if (extra.tarSplit) fs.renameSync(extra.tarSplit, this.layerTarSplit(diffId));
    let installed = true;
    try {
      fs.renameSync(unpacked, path.join(dir, 'diff'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
      installed = false;
    }
    if (!this.layerMeta(diffId)) {
      // Several commands may complete the same commit at once: every step is atomic and idempotent.
      const link = this.layerLink(diffId);
      const tmpLink = path.join(this.root, 'tmp', `link-${process.pid}-${randomHex(4)}`);
      fs.symlinkSync(`../layers/${hexOf(diffId)}/diff`, tmpLink);
      fs.renameSync(tmpLink, path.join(this.root, link));
      if (extra.blob && !this.layerBlobs(diffId).length) writeJsonAtomic(path.join(dir, 'blobs.json'), [extra.blob]);
      writeJsonAtomic(path.join(dir, 'meta.json'), { diffId, size, link } satisfies LayerMeta);
    }
    return installed;
  }

  /**
   * Leftovers of commands that died (Ctrl-C, kill -9): temp entries of dead
   * processes, container dirs without a record or with an unfinished removal.
   * Call under the lock; remove the returned paths afterwards.
   */
  leftovers(): string[] {
    const out: string[] = [];
    const tmp = path.join(this.root, 'tmp');
    for (const name of fs.readdirSync(tmp)) {
      const pid = Number(/-(\d+)-/.exec(name)?.[1]);
      if (!pid || !alive(pid)) out.push(path.join(tmp, name));
    }
    for (const id of fs.readdirSync(containersDir(this.root))) {
      const layout = this.layout(id);
      if (!fs.existsSync(layout.record)) out.push(layout.dir, layout.runDir);
    }
    return out;
  }

  /**
   * Starts a hold: from now until release (or the death of this process),
   * `holds()` names what it holds and garbage collection keeps it.
   */
  async hold(what: { layers?: string[]; blobs?: string[] } = {}): Promise<Hold> {
    const owner = procRef(process.pid)!;
    const file = path.join(this.root, 'holds', `${owner.pid}-${owner.start}-${randomHex(4)}.json`);
    const rec: HoldRecord = { owner, layers: [...(what.layers ?? [])], blobs: [...(what.blobs ?? [])] };
    // Not durable: a hold ends with its process, and no process outlives a crash.
    await this.locked(() => writeJsonAtomic(file, rec, { durable: false }));
    return {
      add: (more) => this.locked(() => {
        rec.layers.push(...(more.layers ?? []));
        rec.blobs.push(...(more.blobs ?? []));
        writeJsonAtomic(file, rec, { durable: false });
      }),
      release: () => this.locked(() => fs.rmSync(file, { force: true })),
    };
  }

  /** What live holds keep; lapsed holds (their process died) are removed. Call under the lock. */
  holds(): { layers: Set<string>; blobs: Set<string> } {
    const out = { layers: new Set<string>(), blobs: new Set<string>() };
    const dir = path.join(this.root, 'holds');
    for (const name of fs.readdirSync(dir)) {
      let rec: HoldRecord | undefined;
      try { rec = readJson<HoldRecord | undefined>(path.join(dir, name), undefined); } catch { /* damaged: lapsed */ }
      if (!rec || !sameProcess(rec.owner)) {
        fs.rmSync(path.join(dir, name), { force: true });
        continue;
      }
      for (const l of rec.layers) out.layers.add(l);
      for (const b of rec.blobs) out.blobs.add(b);
    }
    return out;
  }

  /** Layer ids present in the store. */
  listLayers(): string[] {
    return fs.readdirSync(path.join(this.root, 'layers')).filter((h) => /^[a-f0-9]{64}$/.test(h)).map((h) => `sha256:${h}`);
  }

  // ---- images ----
  private imagesFile(): string {
    return path.join(this.root, 'images.json');
  }
  images(): ImageRecord[] {
    return readJson<{ images: ImageRecord[] }>(this.imagesFile(), { images: [] }).images;
  }
  /** Replaces the image list; call only under the lock. */
  writeImages(images: ImageRecord[]): void {
    writeJsonAtomic(this.imagesFile(), { images });
  }
  imageConfig(image: ImageRecord): Record<string, any> {
    return JSON.parse(this.readBlob(image.id).toString('utf8'));
  }

  // ---- containers ----
  /** Every path of one container, persistent and per boot. */
  layout(id: string): ContainerLayout {
    return new ContainerLayout(this.root, this.paths.run, id);
  }
  /**
   * Every container record. Each is read on its own: a damaged one (cut
   * short, wrong types) is listed as a stand-in carrying `damaged`, so it
   * can be seen and removed while every other container works.
   */
  containers(): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const id of fs.readdirSync(containersDir(this.root))) {
      const file = this.layout(id).record;
      let rec: unknown;
      try {
        rec = readJson<unknown>(file, undefined);
      } catch (err) {
        out.push(damagedRecord(id, (err as Error).message, file));
        continue;
      }
      if (rec === undefined) continue; // being created or removed
      const problem = checkContainerRecord(rec, id);
      out.push(problem ? damagedRecord(id, `reading \`${file}\`: ${problem}`, file) : rec as ContainerRecord);
    }
    return out;
  }
  /** Writes a container's record; durable unless the container goes at its exit (`--rm`: src/storage/atomic.ts). */
  writeContainer(rec: ContainerRecord): void {
    const layout = this.layout(rec.id);
    fs.mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(layout.record, rec, { durable: !rec.hostConfig.autoRemove });
  }
}
