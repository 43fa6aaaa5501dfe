/**
 * Pushing a stored image to a registry (distribution spec v2): each blob is
 * skipped when the registry has it (HEAD), mounted from another repository
 * of the same registry the image came from when it can be, else uploaded
 * (one PUT for small blobs, PATCH chunks then PUT for large ones); the
 * manifest goes last. A pulled layer (no stored blob) is looked for at the
 * destination in every form it is known by, and else gzipped again from its
 * files: the manifest pushed then names the new blob (the config, so the
 * image id, stays the same). Temporary failures (5xx, resets) restart that
 * blob's upload, a few times.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseReference, formatReference, repository, type Reference } from '../model/reference.ts';
import { manifestWith, openImage, sha256 } from './image.ts';
import { requireImage } from '../storage/images.ts';
import { RegistryClient } from '../registry/client.ts';
import { findCredentials, isInsecure, loadRegistriesConf } from '../registry/config.ts';
import { MEDIA, type Descriptor, type ImageManifest } from '../registry/manifest.ts';
import type { Store } from '../storage/store.ts';
import { RegistryError, TspodError, UsageError, fileError } from '../errors.ts';
import { quietProgress, type Progress } from '../ui/progress.ts';
import { withRetries } from '../registry/retry.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export type ManifestFormat = 'oci' | 'v2s2';

export interface PushOptions {
  store: Store;
  /** The image's name in the store, which names the destination too. */
  image: string;
  /** Push to this reference instead of the image's own name. */
  destination?: string;
  tlsVerify?: boolean;
  format?: ManifestFormat;
  progress?: Progress;
  /** Blobs larger than this go up in PATCH chunks of this size (default 8 MiB, or TSPOD_PUSH_CHUNK_SIZE). */
  chunkSize?: number;
  /** Write the manifest digest to this file. */
  digestFile?: string;
  /** Credentials from this file only (else the usual auth files). */
  authfile?: string;
}

export interface PushResult { reference: Reference; digest: string; size: number; uploaded: number; skipped: number; mounted: number }

const LAYER_CONVERSIONS: Record<ManifestFormat, Record<string, string>> = {
  oci: { 'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip', 'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar' },
  v2s2: { 'application/vnd.oci.image.layer.v1.tar+gzip': 'application/vnd.docker.image.rootfs.diff.tar.gzip', 'application/vnd.oci.image.layer.v1.tar': 'application/vnd.docker.image.rootfs.diff.tar' },
};

/** The manifest in the asked format (same blobs, other media types); the stored bytes when nothing changes. */
export function convertManifest(manifest: ImageManifest, bytes: Buffer, format: ManifestFormat | undefined): Buffer {
  if (!format) return bytes;
  const want = format === 'oci' ? MEDIA.ociManifest : MEDIA.dockerManifest;
  if ((manifest.mediaType ?? MEDIA.dockerManifest) === want) return bytes;
  const layers = manifest.layers.map((l) => {
    const to = LAYER_CONVERSIONS[format][l.mediaType];
    if (to) return { ...l, mediaType: to };
    if (Object.values(LAYER_CONVERSIONS[format]).includes(l.mediaType)) return l;
    throw new UsageError(`layer ${l.digest.slice(7, 19)} (${l.mediaType}) cannot be described in the ${format} format`);
  });
  const out: ImageManifest = {
    schemaVersion: 2, mediaType: want,
    config: { ...manifest.config, mediaType: format === 'oci' ? MEDIA.ociConfig : MEDIA.dockerConfig },
    layers,
  };
  return Buffer.from(JSON.stringify(out));
}

export async function pushImage(opts: PushOptions): Promise<PushResult> {
  const { store } = opts;
  const progress = opts.progress ?? quietProgress;
  const record = requireImage(store.images(), opts.image);
  const ref = parseReference(opts.destination ?? opts.image);
  if (ref.digest) throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `cannot push to a digest reference \`${formatReference(ref)}\``);
  const image = await openImage(store, record);
  convertManifest(image.manifest, image.manifestBytes, opts.format); // a format that cannot describe the layers is refused before anything is sent
  const conf = loadRegistriesConf(store.paths.configHome);
  const client = new RegistryClient({
    host: ref.domain,
    insecure: opts.tlsVerify === false || isInsecure(conf, ref.domain),
    credentials: findCredentials(ref.domain, process.env, opts.authfile),
  });
  const result: PushResult = { reference: ref, digest: '', size: 0, uploaded: 0, skipped: 0, mounted: 0 };
  try {
    // Other repositories of this registry that hold the image: blobs can be mounted from them.
    const mountFrom = image.record.repoDigests.map((d) => parseReference(d.split('@')[0], { defaultTag: false }))
      .filter((r) => r.domain === ref.domain && r.path !== ref.path).map((r) => r.path);
    const uploader = new BlobUploader(client, ref.path, mountFrom, opts.chunkSize ?? (Number(process.env.TSPOD_PUSH_CHUNK_SIZE) || 8 << 20), progress);
    // A layer whose blob is not stored (pulled) may be at the destination already in a form it was known by;
    // else its blob is made again (gzip), and the manifest pushed names that one.
    const descriptors: Descriptor[] = [];
    for (const layer of image.layers) {
      const found = layer.stored ? undefined : await uploader.existing(layer.known);
      if (found) {
        descriptors.push(found.descriptor);
        result[found.how]++;
        continue;
      }
      const blob = await layer.blob();
      try {
        result[await uploader.push(blob.descriptor, () => blob.open())]++;
      } finally {
        blob.release();
      }
      descriptors.push(blob.descriptor);
    }
    const how = await uploader.push(image.configDescriptor, () => bufferStream(image.config));
    result[how]++;
    progress.done();
    const own = manifestWith(image, descriptors);
    const manifestBytes = convertManifest(own.manifest, own.bytes, opts.format);
    const mediaType = (JSON.parse(manifestBytes.toString('utf8')) as ImageManifest).mediaType ?? MEDIA.dockerManifest;
    result.digest = sha256(manifestBytes);
    result.size = manifestBytes.length;
    const tag = ref.tag ?? 'latest';
    await withRetries('manifest upload', async () => {
      const r = await client.request('PUT', `${ref.path}/manifests/${tag}`, {
        scope: `repository:${ref.path}:pull,push`,
        headers: { 'content-type': mediaType, 'content-length': String(manifestBytes.length) },
        body: manifestBytes,
      });
      if (r.status !== 201 && r.status !== 200) await client.fail(r, `pushing manifest to ${formatReference(ref)}`);
      r.stream.resume();
    });
  } finally {
    client.close();
  }
  const { digest } = result;
  await store.locked(() => {
    const images = store.images().map((i) => (i.id === record.id ? { ...i, repoDigests: [...new Set([...i.repoDigests, `${repository(ref)}@${digest}`])] } : i));
    store.writeImages(images);
  });
  if (opts.digestFile) {
    try { fs.writeFileSync(path.resolve(opts.digestFile), digest); } catch (err) { throw fileError('writing the digest file', opts.digestFile, err); }
  }
  return result;
}

function bufferStream(b: Buffer): import('node:stream').Readable {
  return (async function* () { yield b; })() as unknown as import('node:stream').Readable;
}

type How = 'uploaded' | 'skipped' | 'mounted';

class BlobUploader {
  private readonly client: RegistryClient;
  private readonly repo: string;
  private readonly mountFrom: string[];
  private readonly chunkSize: number;
  private readonly progress: Progress;
  constructor(client: RegistryClient, repo: string, mountFrom: string[], chunkSize: number, progress: Progress) {
    this.client = client;
    this.repo = repo;
    this.mountFrom = mountFrom;
    this.chunkSize = chunkSize;
    this.progress = progress;
  }

  private scope(from?: string): string {
    return `repository:${this.repo}:pull,push${from ? ` repository:${from}:pull` : ''}`;
  }

  /**
   * The first of `candidates` (blobs of one layer) the registry has, or can
   * mount from another repository of the image; undefined when none.
   */
  async existing(candidates: Descriptor[]): Promise<{ descriptor: Descriptor; how: How } | undefined> {
    for (const d of candidates) {
      const head = await withRetries(`blob ${d.digest.slice(7, 19)}`, () => this.client.request('HEAD', `${this.repo}/blobs/${d.digest}`, { scope: this.scope() }));
      head.stream.resume();
      if (head.status === 200) { this.progress.update(d.digest.slice(7, 19), 'Layer already exists'); return { descriptor: d, how: 'skipped' }; }
    }
    for (const d of candidates) {
      for (const from of this.mountFrom) {
        const r = await withRetries(`blob ${d.digest.slice(7, 19)}`, () => this.client.request('POST', `${this.repo}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`,
          { scope: this.scope(from), headers: { 'content-length': '0' } }));
        r.stream.resume();
        if (r.status === 201) { this.progress.update(d.digest.slice(7, 19), `Mounted from ${from}`); return { descriptor: d, how: 'mounted' }; }
        debug('mount of %s from %s answered %d', d.digest.slice(7, 19), from, r.status);
        // 202: the registry opened an upload instead; this blob will not be sent, so the upload is cancelled.
        if (r.status === 202 && r.headers.location) {
          const cancel = await this.client.request('DELETE', await this.client.resolve(String(r.headers.location)), { scope: this.scope() }).catch(() => undefined);
          cancel?.stream.resume();
        }
      }
    }
    return undefined;
  }

  /** Makes sure the registry has the blob; says how. */
  async push(d: Descriptor, open: () => NodeJS.ReadableStream | import('node:stream').Readable): Promise<How> {
    const id = d.digest.slice(7, 19);
    const isConfig = d.mediaType.includes('config');
    const show = (status: string, cur?: number) => { if (!isConfig) this.progress.update(id, status, cur, cur === undefined ? undefined : d.size); };
    show('Preparing');
    return withRetries(`blob ${id}`, async () => {
      const head = await this.client.request('HEAD', `${this.repo}/blobs/${d.digest}`, { scope: this.scope() });
      head.stream.resume();
      if (head.status === 200) { show('Layer already exists'); return 'skipped'; }
      let location: string | undefined;
      for (const from of this.mountFrom) {
        const r = await this.client.request('POST', `${this.repo}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`,
          { scope: this.scope(from), headers: { 'content-length': '0' } });
        r.stream.resume();
        if (r.status === 201) { show(`Mounted from ${from}`); return 'mounted'; }
        if (r.status === 202 && r.headers.location) { location = String(r.headers.location); break; }
        debug('mount of %s from %s answered %d', id, from, r.status);
      }
      if (!location) location = await this.start();
      await this.upload(location, d, open, show);
      show('Pushed');
      return 'uploaded';
    });
  }

  private async start(): Promise<string> {
    const r = await this.client.request('POST', `${this.repo}/blobs/uploads/`, { scope: this.scope(), headers: { 'content-length': '0' } });
    if (r.status !== 202 || !r.headers.location) await this.client.fail(r, `starting a blob upload to ${this.client.host}/${this.repo}`);
    r.stream.resume();
    return String(r.headers.location);
  }

  private async upload(location: string, d: Descriptor, open: () => NodeJS.ReadableStream | import('node:stream').Readable, show: (s: string, cur?: number) => void): Promise<void> {
    const what = `uploading blob ${d.digest.slice(7, 19)} to ${this.client.host}/${this.repo}`;
    const finish = async (loc: string, body: Buffer | undefined, extra: Record<string, string>) => {
      const url = new URL(await this.client.resolve(loc));
      url.searchParams.set('digest', d.digest);
      const r = await this.client.request('PUT', url.toString(), { scope: this.scope(), headers: { 'content-length': String(body?.length ?? 0), ...extra }, body });
      if (r.status !== 201 && r.status !== 204) await this.client.fail(r, what);
      r.stream.resume();
    };
    if (d.size <= this.chunkSize) {
      // Monolithic: the whole blob with the closing PUT.
      const body = await readAllOf(open());
      show('Pushing', 0);
      await finish(location, body, { 'content-type': 'application/octet-stream' });
      show('Pushing', d.size);
      return;
    }
    let offset = 0;
    let loc = location;
    const send = async (chunk: Buffer) => {
      const r = await this.client.request('PATCH', await this.client.resolve(loc), {
        scope: this.scope(),
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(chunk.length), 'content-range': `${offset}-${offset + chunk.length - 1}` },
        body: chunk,
      });
      if (r.status !== 202) await this.client.fail(r, what);
      r.stream.resume();
      if (r.headers.location) loc = String(r.headers.location);
      offset += chunk.length;
      show('Pushing', offset);
    };
    let pending: Buffer[] = [];
    let have = 0;
    for await (const c of open() as AsyncIterable<Buffer>) {
      pending.push(c);
      have += c.length;
      while (have >= this.chunkSize) {
        const all = Buffer.concat(pending);
        await send(all.subarray(0, this.chunkSize));
        pending = [all.subarray(this.chunkSize)];
        have = pending[0].length;
      }
    }
    if (have) await send(Buffer.concat(pending));
    if (offset !== d.size) throw new RegistryError(`${what}: read ${offset} bytes, the manifest says ${d.size}`);
    await finish(loc, undefined, {});
  }
}

async function readAllOf(s: NodeJS.ReadableStream | import('node:stream').Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s as AsyncIterable<Buffer>) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}


