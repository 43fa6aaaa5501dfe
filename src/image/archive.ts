/**
 * Images as archives, the formats podman names:
 * - `docker-archive` (what `docker save` writes and `docker load` reads):
 *   manifest.json, repositories, `<config hex>.json`, `<diffID hex>.tar`
 *   (uncompressed layers), several images in one archive;
 * - `oci-archive`: an OCI image layout (oci-layout, index.json,
 *   blobs/sha256/...) in a tar, names in the ref.name annotations;
 * - `docker-dir`: skopeo's `dir:` layout (version, manifest.json, blobs by
 *   hex) in a directory, one image.
 * `loadArchive` reads all three (an archive may be gzip or zstd compressed)
 * and stores every image or none: layers are stored (and held) first, the
 * image records written last.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { manifestWith, openImage, recordImage, storeLayer, sha256, type Image, type StoredLayer } from './image.ts';
import { convertManifest } from './push.ts';
import { familiarRepository, formatReference, looksLikeId, parseReference } from '../model/reference.ts';
import { collectGarbage } from './remove.ts';
import { requireImage, type ImageRecord } from '../storage/images.ts';
import type { Store } from '../storage/store.ts';
import { encodeHeader, padding, TAR_END } from '../layer/tar-writer.ts';
import { hostPlatform, isIndex, selectManifest, type Descriptor, type ImageIndex, type ImageManifest } from '../registry/manifest.ts';
import { removeTrees } from '../userns/trampoline.ts';
import { TspodError, UsageError, fileError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('image');

export const ARCHIVE_FORMATS = ['docker-archive', 'oci-archive', 'docker-dir'] as const;
export type ArchiveFormat = typeof ARCHIVE_FORMATS[number];

function archiveError(what: string): TspodError {
  return new TspodError('ERR_TSPOD_ARCHIVE', what);
}

/** Entries of a tar stream being written; each waits for the stream to drain. */
class TarSink {
  private readonly out: Writable;
  private readonly written = new Set<string>();
  constructor(out: Writable) { this.out = out; }
  private write(b: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.out.write(b, (err) => (err ? reject(err) : resolve()));
    });
  }
  has(name: string): boolean { return this.written.has(name); }
  async file(name: string, data: Buffer): Promise<void> {
    this.written.add(name);
    await this.write(encodeHeader({ path: name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0 }));
    await this.write(data);
    await this.write(Buffer.alloc(padding(data.length)));
  }
  async dir(name: string): Promise<void> {
    this.written.add(name);
    await this.write(encodeHeader({ path: `${name}/`, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }));
  }
  /** A file of exactly `size` bytes from a stream; fails if the stream gives another count. */
  async stream(name: string, size: number, src: Readable): Promise<void> {
    this.written.add(name);
    await this.write(encodeHeader({ path: name, type: 'file', mode: 0o644, uid: 0, gid: 0, size, mtime: 0 }));
    let n = 0;
    for await (const c of src as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > size) break;
      await this.write(c);
    }
    if (n !== size) throw archiveError(`writing \`${name}\`: the stored layer has ${n > size ? 'more than' : n} bytes, its record says ${size}`);
    await this.write(Buffer.alloc(padding(size)));
  }
  end(): Promise<void> { return this.write(TAR_END); }
}

export interface SaveOptions {
  store: Store;
  /** Names or ids. */
  images: string[];
  format: ArchiveFormat;
  /** The archive stream (docker-archive, oci-archive). */
  out?: Writable;
  /** The directory (docker-dir). */
  dir?: string;
}

interface Selected { image: Image; names: string[] }

/** The images asked for, each once, with the names to record: the name asked for, or all names when asked by id. */
async function select(store: Store, queries: string[]): Promise<Selected[]> {
  const out = new Map<string, { record: ImageRecord; names: string[] }>();
  const images = store.images();
  for (const q of queries) {
    const record = requireImage(images, q);
    const byId = looksLikeId(q) && record.id.slice(7).startsWith(q.replace(/^sha256:/, ''));
    const names = byId ? record.repoTags : [formatReference({ ...parseReference(q), digest: undefined })].filter((n) => record.repoTags.includes(n));
    const have = out.get(record.id) ?? { record, names: [] };
    have.names = [...new Set([...have.names, ...names])];
    out.set(record.id, have);
  }
  const selected: Selected[] = [];
  for (const { record, names } of out.values()) selected.push({ image: await openImage(store, record), names });
  return selected;
}

/** docker's way of writing a name in an archive: `busybox:latest`, `127.0.0.1:5000/x:1`. */
function familiar(name: string): string {
  const ref = parseReference(name);
  return `${familiarRepository(ref)}:${ref.tag ?? 'latest'}`;
}

export async function saveImages(opts: SaveOptions): Promise<void> {
  const selected = await select(opts.store, opts.images);
  if (opts.format === 'docker-dir') return saveDir(opts.store, selected, opts.dir!);
  const sink = new TarSink(opts.out!);
  if (opts.format === 'docker-archive') await saveDocker(opts.store, selected, sink);
  else await saveOci(selected, sink);
  await sink.end();
}

async function saveDocker(store: Store, selected: Selected[], sink: TarSink): Promise<void> {
  const manifest: Array<{ Config: string; RepoTags: string[] | null; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, names } of selected) {
    const configName = `${image.record.id.slice(7)}.json`;
    if (!sink.has(configName)) await sink.file(configName, image.config);
    const layers: string[] = [];
    for (const layer of image.layers) {
      const name = `${layer.diffId.slice(7)}.tar`;
      layers.push(name);
      if (sink.has(name)) continue;
      const meta = store.layerMeta(layer.diffId);
      if (!meta) throw archiveError(`layer ${layer.diffId} is missing from the store`);
      await sink.stream(name, meta.size, layer.uncompressed());
    }
    const tags = names.map(familiar);
    manifest.push({ Config: configName, RepoTags: tags.length ? tags : null, Layers: layers });
    for (const t of tags) {
      const i = t.lastIndexOf(':');
      (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = (image.layers.at(-1)?.diffId ?? image.record.id).slice(7);
    }
  }
  await sink.file('manifest.json', Buffer.from(JSON.stringify(manifest)));
  await sink.file('repositories', Buffer.from(JSON.stringify(repositories)));
}

async function saveOci(selected: Selected[], sink: TarSink): Promise<void> {
  await sink.file('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await sink.dir('blobs');
  await sink.dir('blobs/sha256');
  const blob = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
  const manifests: unknown[] = [];
  const written = new Map<string, Descriptor>(); // diffID -> the blob written for it
  for (const { image, names } of selected) {
    const descriptors: Descriptor[] = [];
    for (const layer of image.layers) {
      let d = written.get(layer.diffId);
      if (!d) {
        const b = await layer.blob();
        try {
          d = b.descriptor;
          if (!sink.has(blob(d.digest))) await sink.stream(blob(d.digest), d.size, b.open());
        } finally { b.release(); }
        written.set(layer.diffId, d);
      }
      descriptors.push(d);
    }
    if (!sink.has(blob(image.record.id))) await sink.file(blob(image.record.id), image.config);
    const own = manifestWith(image, descriptors);
    const m = convertManifest(own.manifest, own.bytes, 'oci');
    const digest = sha256(m);
    if (!sink.has(blob(digest))) await sink.file(blob(digest), m);
    const desc = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: m.length };
    if (!names.length) manifests.push(desc);
    for (const n of names) manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': n, 'io.containerd.image.name': n } });
  }
  await sink.file('index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, manifests })));
}

async function saveDir(store: Store, selected: Selected[], dir: string): Promise<void> {
  if (selected.length !== 1) throw new UsageError('the docker-dir format holds one image');
  const { image } = selected[0];
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (fs.readdirSync(dir).length) throw new UsageError(`\`${dir}\` is not empty`);
    const descriptors: Descriptor[] = [];
    for (const layer of image.layers) {
      const b = await layer.blob();
      try {
        await pipeline(b.open(), fs.createWriteStream(path.join(dir, b.descriptor.digest.slice(7))));
      } finally { b.release(); }
      descriptors.push(b.descriptor);
    }
    fs.writeFileSync(path.join(dir, image.record.id.slice(7)), image.config);
    fs.writeFileSync(path.join(dir, 'manifest.json'), manifestWith(image, descriptors).bytes);
    fs.writeFileSync(path.join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  } catch (err) {
    if (err instanceof TspodError) throw err;
    throw fileError('writing the image directory', dir, err);
  }
  void store;
}

// ---- load ----

export interface LoadReport {
  id: string;
  /** Names as the archive gave them (empty: untagged). */
  names: string[];
}

interface Found { config: Buffer; layers: Array<{ file: string; diffId: string }>; names: string[] }

/** What a docker-archive, OCI layout or dir layout extracted into `dir` holds. */
export function readLayout(dir: string): Found[] {
  const file = (rel: string) => {
    const p = path.resolve(dir, rel);
    if (!p.startsWith(`${dir}/`)) throw archiveError(`archive entry \`${rel}\` leaves the archive`);
    if (!fs.existsSync(p)) throw archiveError(`the archive names \`${rel}\`, which it does not contain`);
    return p;
  };
  const json = <T>(rel: string): T => {
    try { return JSON.parse(fs.readFileSync(file(rel), 'utf8')) as T; } catch (err) {
      if (err instanceof TspodError) throw err;
      throw archiveError(`reading \`${rel}\` in the archive: not valid JSON`);
    }
  };
  const withDiffIds = (config: Buffer, files: string[], names: string[]): Found => {
    let doc: { rootfs?: { diff_ids?: string[] } };
    try { doc = JSON.parse(config.toString('utf8')); } catch { throw archiveError('an image config in the archive is not valid JSON'); }
    const diffIds = doc.rootfs?.diff_ids ?? [];
    if (diffIds.length !== files.length) throw archiveError(`an image config lists ${diffIds.length} layers, its manifest ${files.length}`);
    return { config, layers: files.map((f, i) => ({ file: f, diffId: diffIds[i] })), names };
  };
  if (fs.existsSync(path.join(dir, 'manifest.json')) && !fs.existsSync(path.join(dir, 'version'))) {
    const entries = json<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>('manifest.json');
    if (!Array.isArray(entries)) throw archiveError('manifest.json of a docker archive must be a list');
    return entries.map((e) => withDiffIds(fs.readFileSync(file(e.Config)), e.Layers.map(file), e.RepoTags ?? []));
  }
  const blob = (digest: string) => {
    if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw archiveError(`unsupported digest \`${digest}\``);
    return fs.existsSync(path.join(dir, 'version')) ? file(digest.slice(7)) : file(`blobs/sha256/${digest.slice(7)}`);
  };
  const fromManifest = (m: ImageManifest, names: string[]) => {
    const config = fs.readFileSync(blob(m.config.digest));
    if (sha256(config) !== m.config.digest) throw archiveError(`config ${m.config.digest} in the archive does not match its digest`);
    return withDiffIds(config, m.layers.map((l) => blob(l.digest)), names);
  };
  if (fs.existsSync(path.join(dir, 'version'))) return [fromManifest(json<ImageManifest>('manifest.json'), [])];
  if (fs.existsSync(path.join(dir, 'index.json'))) {
    const index = json<ImageIndex>('index.json');
    const out: Found[] = [];
    for (const d of index.manifests ?? []) {
      const ann = d.annotations ?? {};
      const nameAnn = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
      const names = nameAnn && /[/:]/.test(nameAnn) ? [nameAnn] : [];
      let doc = JSON.parse(fs.readFileSync(blob(d.digest), 'utf8'));
      if (isIndex(d.mediaType, doc)) doc = JSON.parse(fs.readFileSync(blob(selectManifest(doc as ImageIndex, hostPlatform()).digest), 'utf8'));
      out.push(fromManifest(doc as ImageManifest, names));
    }
    return out;
  }
  throw archiveError('not an image archive: it has no manifest.json or index.json');
}

/** Unpacks an archive stream (plain, gzip or zstd) into `dir`, regular files and directories only. */
async function extract(input: Readable, dir: string): Promise<void> {
  let sawEntry = false;
  try {
    await pipeline(input, tar.x({
      cwd: dir, strict: true, preserveOwner: false, noChmod: true,
      filter: (_p, entry) => { sawEntry = true; return 'type' in entry && (entry.type === 'File' || entry.type === 'Directory' || entry.type === 'OldFile'); },
    }));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') throw fileError('unpacking the archive into', dir, err);
    throw archiveError(`reading the archive: ${(err as Error).message.replace(/^TAR_\w+: /, '')}`);
  }
  if (!sawEntry) throw archiveError('reading the archive: it is empty or not a tar archive');
}

export interface LoadOptions {
  store: Store;
  /** The archive stream, or a directory in docker-dir layout. */
  input: Readable | { dir: string };
}

/** Loads every image of an archive, or none. */
export async function loadArchive(opts: LoadOptions): Promise<LoadReport[]> {
  const { store } = opts;
  const work = 'dir' in opts.input ? undefined : store.tempDir('load');
  const hold = await store.hold();
  let ok = false;
  try {
    if (work) await extract(opts.input as Readable, work);
    const found = readLayout(work ?? path.resolve((opts.input as { dir: string }).dir));
    if (!found.length) throw archiveError('the archive holds no image');
    // Names are checked before anything is stored.
    const named = found.map((f) => ({ ...f, refs: f.names.map((n) => formatReference({ ...parseReference(n), digest: undefined })) }));
    const stored = new Map<string, StoredLayer>();
    for (const f of named) {
      for (const l of f.layers) {
        if (stored.has(`${l.file}|${l.diffId}`)) continue;
        debug('storing layer %s from %s', l.diffId, l.file);
        stored.set(`${l.file}|${l.diffId}`, await storeLayer(store, hold, fs.createReadStream(l.file), l.diffId));
      }
    }
    const reports: LoadReport[] = [];
    for (const f of named) {
      const rec = await recordImage(store, hold, { config: f.config, layers: f.layers.map((l) => stored.get(`${l.file}|${l.diffId}`)!), names: f.refs });
      reports.push({ id: rec.id, names: f.names });
    }
    ok = true;
    return reports;
  } finally {
    await hold.release();
    if (work) await removeTrees([work]);
    if (!ok) await collectGarbage(store).catch(() => {});
  }
}
