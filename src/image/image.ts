/**
 * The image as sources and sinks see it (go-containerregistry's v1.Image):
 * a config, a manifest, and layers that give a compressed blob (stored, or
 * made from the layer's files) or the uncompressed tar. `openImage` gives the stored form of an image record;
 * `storeLayer` and `recordImage` are how images made here (load, import,
 * commit) enter the store. Where layer blobs come from: src/image/README.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MEDIA, type Descriptor, type ImageManifest } from '../registry/manifest.ts';
import { packInUserns, unpackInUserns } from '../layer/helper.ts';
import { sniffCompression } from '../layer/unpack.ts';
import { removeTrees } from '../userns/trampoline.ts';
import { upsertImage, type ImageRecord } from '../storage/images.ts';
import type { Hold, Store } from '../storage/store.ts';
import { TspodError, fileError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('image');

export const LAYER_MEDIA = {
  dockerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export interface Layer {
  /** The uncompressed digest (the config's rootfs.diff_ids entry). */
  diffId: string;
  /** The compressed blob as the image's manifest names it; it may not be stored (see `stored`). */
  descriptor: Descriptor;
  /** Whether that blob is stored as it is (a pulled layer's is not: its files and tar-split are). */
  stored: boolean;
  /** Compressed forms known to hold exactly this layer's tar (pulled, or made for a push or save), the manifest's first: a registry may have one already. */
  known: Descriptor[];
  /**
   * A blob of this layer: the stored one, else the tar gzipped into a temp
   * file now (remembered as a known form; the same tar gives the same
   * bytes with the same zlib). Call `release` when done with it.
   */
  blob(): Promise<LayerBlob>;
  /** The uncompressed tar, checked against diffId as it is read (the stream errors on a mismatch). */
  uncompressed(): Readable;
}

export interface LayerBlob {
  descriptor: Descriptor;
  /** The blob's bytes; the caller reads or destroys the stream. */
  open(): Readable;
  /** Removes a blob made for this use (nothing for a stored one). */
  release(): void;
}

export interface Image {
  record: ImageRecord;
  config: Buffer;
  configDescriptor: Descriptor;
  manifest: ImageManifest;
  /** The manifest's exact bytes (its digest is record.manifestDigest). */
  manifestBytes: Buffer;
  /** Base layer first. */
  layers: Layer[];
}

export const sha256 = (b: Buffer | string) => `sha256:${crypto.createHash('sha256').update(b).digest('hex')}`;

/** A transform that hashes what passes and fails the stream at its end unless the digest is `want`. */
export function verifying(want: string, what: string): Transform {
  const hash = crypto.createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _e, cb) { hash.update(chunk); cb(null, chunk); },
    flush(cb) {
      const got = `sha256:${hash.digest('hex')}`;
      cb(got === want ? null : new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `${what}: content digest is ${got}, expected ${want}`));
    },
  });
}

function decompressor(kind: 'gzip' | 'zstd' | 'none'): Transform {
  if (kind === 'gzip') return zlib.createGunzip();
  if (kind === 'zstd') return (zlib as unknown as { createZstdDecompress(): Transform }).createZstdDecompress();
  return new PassThrough();
}

/** A blob file's bytes decompressed by what its first bytes say. */
export function decompressedFile(file: string): Readable {
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try { fs.readSync(fd, head, 0, 4, 0); } finally { fs.closeSync(fd); }
  const out = decompressor(sniffCompression(head));
  const src = fs.createReadStream(file);
  src.on('error', (e) => out.destroy(e));
  return src.pipe(out);
}

/** The gzip media type of the manifest's kind. */
function gzipType(manifestType: string | undefined): string {
  return manifestType === MEDIA.ociManifest ? LAYER_MEDIA.ociGzip : LAYER_MEDIA.dockerGzip;
}

function storedLayer(store: Store, diffId: string, descriptor: Descriptor): Layer {
  const file = store.blobPath(descriptor.digest);
  return {
    diffId,
    descriptor,
    stored: true,
    known: [descriptor],
    blob: async () => ({ descriptor, open: () => fs.createReadStream(file), release: () => {} }),
    uncompressed: () => {
      const v = verifying(diffId, `layer ${diffId.slice(7, 19)}`);
      const d = decompressedFile(file);
      d.on('error', (e) => v.destroy(e));
      return d.pipe(v);
    },
  };
}

/** A layer stored as files and a tar-split record: its tar is put together again, its blob made again when asked for. */
function splitLayer(store: Store, diffId: string, descriptor: Descriptor, manifestType: string | undefined): Layer {
  const known = [descriptor, ...store.layerBlobs(diffId).filter((d) => d.digest !== descriptor.digest)];
  const uncompressed = (): Readable => {
    const v = verifying(diffId, `layer ${diffId.slice(7, 19)} (put together from its files)`);
    (async () => {
      const packing = await packInUserns('split', [store.layerTarSplit(diffId), store.layerDiff(diffId)]);
      packing.stream.on('error', (e) => v.destroy(e));
      packing.done.catch((e) => v.destroy(e));
      v.on('close', () => packing.stream.destroy());
      packing.stream.pipe(v);
    })().catch((e) => v.destroy(e as Error));
    return v;
  };
  return {
    diffId,
    descriptor,
    stored: false,
    known,
    uncompressed,
    blob: async () => {
      const tmp = path.join(store.root, 'tmp', `blob-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
      try {
        debug('gzipping layer %s again from its files', diffId);
        const r = await gzipToFile(uncompressed(), tmp);
        const made: Descriptor = { mediaType: gzipType(manifestType), digest: r.digest, size: r.size };
        await store.addLayerBlob(diffId, made);
        return { descriptor: made, open: () => fs.createReadStream(tmp), release: () => fs.rmSync(tmp, { force: true }) };
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    },
  };
}

/** The manifest naming `layers` instead of the image's own blobs: the stored bytes when they are the same. */
export function manifestWith(image: Image, layers: Descriptor[]): { manifest: ImageManifest; bytes: Buffer } {
  if (layers.every((d, i) => d.digest === image.manifest.layers[i]?.digest)) return { manifest: image.manifest, bytes: image.manifestBytes };
  const manifest: ImageManifest = { ...image.manifest, layers };
  return { manifest, bytes: Buffer.from(JSON.stringify(manifest)) };
}

/**
 * The stored form of an image. A pulled layer has no blob but a tar-split
 * record: its tar is put together from its files, and its blob made when
 * one is asked for (`Layer.blob`). Any other layer whose blob is gone is
 * packed again from its unpacked directory (deterministically) and
 * gzipped; that only works when the packed bytes give the same diffID
 * (layers this tool made), else the error says which layer cannot be
 * reproduced. That new blob and the manifest naming it are stored and the
 * record updated.
 */
export async function openImage(store: Store, record: ImageRecord): Promise<Image> {
  const config = store.readBlob(record.id);
  const doc = JSON.parse(config.toString('utf8'));
  const diffIds: string[] = doc.rootfs?.diff_ids ?? [];
  let manifestBytes: Buffer | undefined;
  let manifest: ImageManifest | undefined;
  try {
    manifestBytes = store.readBlob(record.manifestDigest);
    manifest = JSON.parse(manifestBytes.toString('utf8')) as ImageManifest;
  } catch { /* made again below */ }
  const descriptors: Descriptor[] = [];
  let changed = !manifest;
  const split = new Set<number>();
  for (let i = 0; i < diffIds.length; i++) {
    const d = manifest?.layers[i];
    if (d && store.hasBlob(d.digest)) { descriptors.push(d); continue; }
    if (d && fs.existsSync(store.layerTarSplit(diffIds[i])) && store.layerMeta(diffIds[i])) { descriptors.push(d); split.add(i); continue; }
    descriptors.push(await repackLayer(store, diffIds[i]));
    changed = true;
  }
  const mediaType = manifest?.mediaType ?? MEDIA.dockerManifest;
  const configDescriptor: Descriptor = manifest?.config ?? { mediaType: mediaType === MEDIA.ociManifest ? MEDIA.ociConfig : MEDIA.dockerConfig, digest: record.id, size: config.length };
  if (changed) {
    manifest = { schemaVersion: 2, mediaType, config: configDescriptor, layers: descriptors };
    manifestBytes = Buffer.from(JSON.stringify(manifest));
    const digest = sha256(manifestBytes);
    store.putBlob(digest, manifestBytes);
    record = await store.locked(() => {
      const images = store.images().map((i) => (i.id === record.id ? { ...i, manifestDigest: digest } : i));
      store.writeImages(images);
      return images.find((i) => i.id === record.id) ?? { ...record, manifestDigest: digest };
    });
  }
  return {
    record, config, configDescriptor, manifest: manifest!, manifestBytes: manifestBytes!,
    layers: diffIds.map((diffId, i) => (split.has(i) ? splitLayer(store, diffId, descriptors[i], manifest!.mediaType) : storedLayer(store, diffId, descriptors[i]))),
  };
}

/** Packs a stored layer directory again into a gzip blob; refuses unless it reproduces the diffID. */
async function repackLayer(store: Store, diffId: string): Promise<Descriptor> {
  if (!store.layerMeta(diffId)) throw new TspodError('ERR_TSPOD_STORAGE', `layer ${diffId} is missing from the store`);
  debug('packing layer %s again from its directory', diffId);
  const packing = await packInUserns('layer', [store.layerDiff(diffId)]);
  const tmp = path.join(store.root, 'tmp', `pack-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    const { diffId: got, digest, size } = await gzipToFile(packing.stream, tmp);
    await packing.done;
    if (got !== diffId) {
      throw new TspodError('ERR_TSPOD_STORAGE', `layer ${diffId.slice(7, 19)} has no stored blob and packing its files gives another digest (${got.slice(7, 19)}); pull the image again`);
    }
    store.adoptBlob(digest, tmp);
    return { mediaType: LAYER_MEDIA.dockerGzip, digest, size };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** Hashes a tar stream (diffID) while gzipping it (level 6, no name or time in the header) into `file`. */
export async function gzipToFile(tar: Readable, file: string): Promise<{ diffId: string; digest: string; size: number; tarSize: number }> {
  const plain = crypto.createHash('sha256');
  const packed = crypto.createHash('sha256');
  let size = 0;
  let tarSize = 0;
  try {
    await pipeline(
      tar,
      new Transform({ transform(c: Buffer, _e, cb) { plain.update(c); tarSize += c.length; cb(null, c); } }),
      zlib.createGzip({ level: 6 }),
      new Transform({ transform(c: Buffer, _e, cb) { packed.update(c); size += c.length; cb(null, c); } }),
      fs.createWriteStream(file, { mode: 0o600 }),
    );
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT' || (err as NodeJS.ErrnoException).syscall === 'write') throw fileError('writing layer blob', file, err);
    throw err;
  }
  return { diffId: `sha256:${plain.digest('hex')}`, digest: `sha256:${packed.digest('hex')}`, size, tarSize };
}

export interface StoredLayer { diffId: string; descriptor: Descriptor; size: number }

/**
 * Stores a layer given as a tar stream (plain, gzip or zstd): kept as a
 * gzip blob (a compressed stream is kept as it is), unpacked in the user
 * namespace, verified against `expectDiffId` when given. What it stores is
 * added to `hold` first.
 */
export async function storeLayer(store: Store, hold: Hold, input: Readable, expectDiffId?: string): Promise<StoredLayer> {
  const tmp = path.join(store.root, 'tmp', `layer-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    // Peek at the first bytes: a compressed input is decompressed for hashing, stored gzip either way.
    const { head, stream } = await peek(input, 4);
    const kind = sniffCompression(head);
    const tar = kind === 'none' ? stream : stream.pipe(decompressor(kind));
    if (kind !== 'none') stream.on('error', (e) => tar.destroy(e));
    const r = await gzipToFile(tar, tmp);
    if (r.tarSize === 0) throw new TspodError('ERR_TSPOD_LAYER', 'layer is empty (not a tar archive)');
    if (expectDiffId && r.diffId !== expectDiffId) {
      throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `layer ${expectDiffId.slice(7, 19)}: content digest is ${r.diffId}`);
    }
    await hold.add({ layers: [r.diffId], blobs: [r.digest] });
    if (!store.hasBlob(r.digest)) store.adoptBlob(r.digest, tmp);
    const have = store.layerMeta(r.diffId);
    let size = have?.size ?? 0;
    if (!have) {
      const dest = store.tempDir('layer');
      fs.chmodSync(dest, 0o755);
      try {
        const u = await unpackInUserns(store.blobPath(r.digest), dest);
        if (u.diffId !== r.diffId) throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `layer ${r.diffId}: unpacked digest ${u.diffId}`);
        size = u.size;
        store.commitLayer(r.diffId, dest, u.size);
      } finally {
        if (fs.existsSync(dest)) await removeTrees([dest]);
      }
    }
    return { diffId: r.diffId, descriptor: { mediaType: LAYER_MEDIA.dockerGzip, digest: r.digest, size: r.size }, size };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The first `n` bytes of a stream, and a stream that still yields all of it. */
async function peek(input: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  let have = 0;
  const it = input[Symbol.asyncIterator]();
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    const b = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value);
    chunks.push(b);
    have += b.length;
  }
  const head = Buffer.concat(chunks);
  out.write(head);
  (async () => {
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        if (!out.write(r.value)) await new Promise((res) => out.once('drain', res));
      }
      out.end();
    } catch (err) {
      out.destroy(err as Error);
    }
  })();
  return { head, stream: out };
}

export interface NewImage {
  /** The config document (or its exact bytes, which keep the image id); rootfs.diff_ids must match `layers`. */
  config: Record<string, unknown> | Buffer;
  layers: StoredLayer[];
  /** Full names to give it. */
  names: string[];
  /** Digests this image was known by elsewhere (repo@sha256:...), if any. */
  repoDigests?: string[];
  /** Manifest media type (docker v2s2 unless OCI is asked for). */
  oci?: boolean;
}

/** Stores config and manifest blobs and writes the image record (names move from other images). */
export async function recordImage(store: Store, hold: Hold, img: NewImage): Promise<ImageRecord> {
  const config = Buffer.isBuffer(img.config) ? img.config : Buffer.from(JSON.stringify(img.config));
  const doc = JSON.parse(config.toString('utf8')) as { created?: unknown };
  const id = sha256(config);
  // A layer only OCI can describe (zstd, from a base image) makes the manifest OCI.
  const oci = img.oci ?? img.layers.some((l) => l.descriptor.mediaType.startsWith('application/vnd.oci.'));
  const layerType = (t: string) => {
    if (t.includes('zstd')) return t;
    const plain = t.endsWith('.tar') || t.endsWith('.v1.tar');
    if (oci) return plain ? LAYER_MEDIA.ociTar : LAYER_MEDIA.ociGzip;
    return plain ? 'application/vnd.docker.image.rootfs.diff.tar' : LAYER_MEDIA.dockerGzip;
  };
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: oci ? MEDIA.ociManifest : MEDIA.dockerManifest,
    config: { mediaType: oci ? MEDIA.ociConfig : MEDIA.dockerConfig, digest: id, size: config.length },
    layers: img.layers.map((l) => ({ ...l.descriptor, mediaType: layerType(l.descriptor.mediaType) })),
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = sha256(manifestBytes);
  await hold.add({ blobs: [id, manifestDigest] });
  if (!store.hasBlob(id)) store.putBlob(id, config);
  if (!store.hasBlob(manifestDigest)) store.putBlob(manifestDigest, manifestBytes);
  const record: ImageRecord = {
    id,
    repoTags: img.names,
    repoDigests: img.repoDigests ?? [],
    manifestDigest,
    layers: img.layers.map((l) => l.diffId),
    size: img.layers.reduce((a, l) => a + l.size, 0),
    created: typeof doc.created === 'string' ? doc.created : new Date().toISOString(),
    stored: new Date().toISOString(),
  };
  return store.locked(() => {
    const images = upsertImage(store.images(), record);
    store.writeImages(images);
    return images.find((i) => i.id === id)!;
  });
}
