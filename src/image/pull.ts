/**
 * Pulling an image into the store: resolve the manifest (picking the host
 * platform from a list), fetch and verify the config, then stream each layer
 * (in parallel, skipping layers already present) from the socket through
 * digest verification, decompression and unpacking in the user namespace in
 * one pass, check its diffID, then record the image. The compressed layer
 * blobs are not kept (src/image/README.md says how push and save get them).
 * Nothing unverified is ever stored, and a failed pull leaves the store as
 * it was.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { parseReference, repository, formatReference, type Reference } from '../model/reference.ts';
import { RegistryClient } from '../registry/client.ts';
import { withRetries } from '../registry/retry.ts';
import { findCredentials, isInsecure, loadRegistriesConf, pullPlan, shortNameCandidates, type RegistriesConf } from '../registry/config.ts';
import { hostPlatform, isIndex, selectManifest, MEDIA, type Descriptor, type ImageIndex, type ImageManifest, type Platform } from '../registry/manifest.ts';
import { layerFetcher, unpackInUserns, unpackingInUserns, type LayerFetcher, type UnpackReport, type Unpacking } from '../layer/helper.ts';
import { removeTrees } from '../userns/trampoline.ts';
import { upsertImage, type ImageRecord } from '../storage/images.ts';
import type { Store, Hold } from '../storage/store.ts';
import { RegistryError, TspodError, UsageError, fileError } from '../errors.ts';
import { quietProgress, type Progress } from '../ui/progress.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export interface PullOptions {
  store: Store;
  reference: string;
  platform?: Platform;
  /** false: allow plain HTTP / unverified TLS for this pull. */
  tlsVerify?: boolean;
  progress?: Progress;
  /** Credentials from this file only (else the usual auth files). */
  authfile?: string;
  /** Parallel layer downloads (default 6, podman's), shared among at most one unpacking helper per core. */
  concurrency?: number;
}

export interface PullResult {
  image: ImageRecord;
  reference: Reference;
  manifestDigest: string;
  /** Layers fetched now (the rest were already stored). */
  fetched: number;
}

const short = (digest: string) => digest.slice(7, 19);

/** Downloads a blob to a temp file, checking size and digest; returns the path. */
async function fetchBlob(client: RegistryClient, store: Store, repo: string, digest: string, size: number, progress: Progress, id: string): Promise<string> {
  const tmp = path.join(store.root, 'tmp', `dl-${process.pid}-${crypto.randomBytes(6).toString('hex')}`);
  try {
    await withRetries(`blob ${digest}`, async () => {
      const r = await client.blob(repo, digest);
      const hash = crypto.createHash('sha256');
      let got = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk);
          got += chunk.length;
          progress.update(id, 'Downloading', got, size);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(r.stream, meter, fs.createWriteStream(tmp));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).syscall === 'write' || (err as NodeJS.ErrnoException).syscall === 'open') throw fileError(`downloading blob ${short(digest)}: writing`, tmp, err);
        throw new RegistryError(`downloading blob ${short(digest)}: ${(err as Error).message}`, { temporary: true, cause: err });
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) {
        throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `blob ${digest} failed verification: content digest is ${actual}`);
      }
      if (size && got !== size) {
        throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `blob ${digest}: expected ${size} bytes, got ${got}`);
      }
    });
    return tmp;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/**
 * Downloads one layer blob straight into an unpacking helper, which hashes
 * it (the blob's digest), decompresses, hashes the tar (diffID), unpacks it
 * into a temp dir and records its tar-split, in one pass. The helper
 * fetches the blob itself (this process only hands it the request, with
 * the token this client holds): on 2 cores, moving every byte through this
 * process to the helper took a third of the pull's CPU. When the registry
 * answers the helper with anything but the blob (a token gone stale, an
 * error), this process fetches it and pipes it to a new helper, which
 * authenticates again and reports the registry's error as before. Only
 * when the blob's digest and size and the diffID all match is the layer
 * committed (with the record, and the blob's descriptor remembered); the
 * compressed bytes are never stored. Any failure removes the temp dir. A
 * helper that fails early still reads and hashes the rest, so a corrupt
 * download is reported as such.
 */
async function streamLayer(client: RegistryClient, store: Store, fetchers: FetcherPool, repo: string, layer: Descriptor, diffId: string, progress: Progress, id: string): Promise<number> {
  const { digest } = layer;
  return withRetries(`blob ${digest}`, async () => {
    const request = await client.blobRequest(repo, digest);
    let work: string;
    try { work = store.tempDir('dl'); } catch (err) { throw fileError('pulling a layer: making a temp dir in', path.join(store.root, 'tmp'), err); }
    const dest = path.join(work, 'diff');
    const tarSplit = path.join(work, 'tar-split.gz');
    try {
      fs.mkdirSync(dest, { mode: 0o755 }); // the layer root; a tar entry for "./" may change it
      const onProgress = progress === quietProgress ? undefined : (n: number) => progress.update(id, 'Downloading', n, layer.size);
      let report = await fetchers.run(layer.size || 1, (f) => f.fetch(dest, tarSplit, request, onProgress));
      let got = report.input?.size ?? 0;
      if (report.status !== undefined) {
        debug('blob %s: the registry answered the helper %d; fetching it here', short(digest), report.status);
        ({ report, got } = await pipeLayer(client, repo, layer, dest, tarSplit, progress, id));
      }
      const { ok, error, input } = report;
      // The helper lost its connection (temporary: tried again).
      if (error instanceof RegistryError) throw error;
      if (input && (input.digest !== digest || input.size !== got)) {
        throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `blob ${digest} failed verification: content digest is ${input.digest}`);
      }
      if (layer.size && got !== layer.size) {
        throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `blob ${digest}: expected ${layer.size} bytes, got ${got}`);
      }
      if (error || !ok || !input) throw error ?? new TspodError('ERR_TSPOD_LAYER', `layer ${digest}: the unpacking helper reported nothing`);
      if (ok.diffId !== diffId) {
        throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `layer ${digest}: uncompressed digest ${ok.diffId} does not match the config's ${diffId}`);
      }
      progress.update(id, 'Extracting');
      if (!store.commitLayer(diffId, dest, ok.size, { tarSplit, blob: { mediaType: layer.mediaType, digest, size: got } })) debug('layer %s was stored concurrently', diffId);
      return ok.size;
    } finally {
      // Usually empty by now (committed): no helper needed to remove it.
      try { fs.rmdirSync(work); } catch { await removeTrees([work]); }
    }
  });
}

/** Fetches a blob in this process and pipes it into an unpacking helper (the way when the helper's own GET was refused); `got`: bytes received. */
async function pipeLayer(client: RegistryClient, repo: string, layer: Descriptor, dest: string, tarSplit: string, progress: Progress, id: string): Promise<{ report: UnpackReport; got: number }> {
  const { digest } = layer;
  const r = await client.blob(repo, digest);
  let unpacking: Unpacking;
  try { unpacking = await unpackingInUserns(dest, tarSplit); } catch (err) { r.stream.destroy(); throw err; }
  let got = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      r.stream.on('data', (chunk: Buffer) => { got += chunk.length; progress.update(id, 'Downloading', got, layer.size); });
      r.stream.once('error', reject);
      r.stream.once('end', () => { unpacking.input.end(); resolve(); });
      // A helper gone early (EPIPE) reports its own error: the rest is still read, and dropped.
      unpacking.input.on('error', () => { r.stream.unpipe(unpacking.input); r.stream.resume(); });
      r.stream.pipe(unpacking.input, { end: false });
    });
  } catch (err) {
    unpacking.kill();
    await unpacking.report;
    throw new RegistryError(`downloading blob ${short(digest)}: ${(err as Error).message}`, { temporary: true, cause: err });
  }
  return { report: await unpacking.report, got };
}

/**
 * Up to `size` layer fetchers (helper processes), each started when first
 * needed; a layer goes to the one with the fewest bytes still to come (so
 * two big layers do not share one helper while another has small ones).
 * One per core: each helper unpacks several layers at once (a download
 * each), and every helper started costs ~55 ms of CPU in Node's start-up.
 */
interface FetcherPool {
  /** Runs `job` with a fetcher, counting `bytes` against it until the job settles. */
  run<T>(bytes: number, job: (fetcher: LayerFetcher) => Promise<T>): Promise<T>;
  /** Lets every helper exit (once nothing runs). */
  close(): Promise<void>;
}

function fetcherPool(size: number): FetcherPool {
  const slots: Array<{ fetcher: Promise<LayerFetcher>; load: number }> = [];
  return {
    async run(bytes, job) {
      const slot = slots.length < size
        ? slots[slots.push({ fetcher: layerFetcher(), load: 0 }) - 1]
        : slots.reduce((a, b) => (b.load < a.load ? b : a));
      slot.load += bytes;
      try {
        return await job(await slot.fetcher);
      } finally {
        slot.load -= bytes;
      }
    },
    async close() {
      for (const slot of slots) (await slot.fetcher.catch(() => undefined))?.close();
    },
  };
}

/** Runs jobs with at most `limit` at once; rejects with the first failure after all settle. */
async function parallel<T>(items: T[], limit: number, job: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try { await job(items[i], i); } catch (err) { failure ??= err; next = items.length; }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure;
}

export async function pullImage(opts: PullOptions): Promise<PullResult> {
  const { store } = opts;
  await removeTrees(await store.locked(() => store.leftovers()));
  const progress = opts.progress ?? quietProgress;
  parseReference(opts.reference); // a bad reference fails before anything else
  const conf = loadRegistriesConf(store.paths.configHome);
  // A short name (no registry) goes through aliases and unqualified-search-registries.
  const candidates = isShortName(opts.reference) ? shortNameCandidates(conf, opts.reference) : [opts.reference];
  let lastErr: unknown;
  for (const candidate of candidates) {
    try {
      return await pullResolved(opts, conf, parseReference(candidate), progress);
    } catch (err) {
      lastErr = err;
      if (candidates.length === 1 || (err as TspodError).code !== 'ERR_TSPOD_NO_SUCH_IMAGE') throw err;
      debug('%s: %s', candidate, (err as Error).message);
    }
  }
  throw lastErr;
}

/** A name without a registry part: `busybox`, `library/busybox:1`, `me/app` (not `docker.io/...`, `host:5000/...`). */
export function isShortName(input: string): boolean {
  const first = input.split('/')[0];
  return !input.includes('/') || !(first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase());
}

/** Tries the reference's mirrors, then its (possibly rewritten) registry; a failure names what was tried. */
async function pullResolved(opts: PullOptions, conf: RegistriesConf, ref: Reference, progress: Progress): Promise<PullResult> {
  const plan = pullPlan(conf, ref.domain, ref.path, !!ref.digest);
  const notes = [...plan.skipped];
  let lastErr: unknown;
  for (const source of plan.sources) {
    const client = new RegistryClient({ host: source.host, insecure: source.insecure || opts.tlsVerify === false, credentials: findCredentials(source.host, process.env, opts.authfile) });
    try {
      return await pullFrom(client, opts, ref, source.path, progress);
    } catch (err) {
      lastErr = err;
      if (source.mirror) {
        debug('mirror %s failed: %s', source.host, (err as Error).message);
        notes.push(`${source.host}/${source.path} (failed: ${(err as Error).message})`);
      }
      // What the image itself refuses (bad layers, digests) is no reason to try elsewhere.
      const code = (err as TspodError).code;
      if (code === 'ERR_TSPOD_UNSAFE_LAYER' || code === 'ERR_TSPOD_NO_SPACE') throw err;
    } finally {
      client.close();
    }
  }
  if (notes.length && lastErr instanceof TspodError) {
    const e = lastErr as RegistryError;
    throw new RegistryError(`${e.message}; mirrors: ${notes.join('; ')}`, { code: e.code, status: e.status, temporary: e.temporary, cause: e });
  }
  throw lastErr;
}

/** Pulls `ref` from `client`'s registry, where it is the repository `repo`. */
async function pullFrom(client: RegistryClient, opts: PullOptions, ref: Reference, repo: string, progress: Progress): Promise<PullResult> {
  const { store } = opts;
  const top = await withRetries('manifest', () => client.manifest(repo, ref.digest ?? ref.tag!));
  let manifestDoc = JSON.parse(top.body.toString('utf8'));
  let manifestBody = top.body;
  let manifestDigest = top.digest;
  if (top.mediaType === MEDIA.dockerSchema1 || manifestDoc.schemaVersion === 1) {
    throw new RegistryError(`${formatReference(ref)}: schema 1 manifests are not supported`);
  }
  if (isIndex(top.mediaType, manifestDoc)) {
    const chosen = selectManifest(manifestDoc as ImageIndex, opts.platform ?? hostPlatform());
    debug('platform manifest %s', chosen.digest);
    const m = await withRetries('manifest', () => client.manifest(repo, chosen.digest));
    manifestDoc = JSON.parse(m.body.toString('utf8'));
    manifestBody = m.body;
    manifestDigest = m.digest;
  }
  const manifest = manifestDoc as ImageManifest;
  if (!manifest.config?.digest || !Array.isArray(manifest.layers)) {
    throw new RegistryError(`${formatReference(ref)}: manifest has no config or layers`);
  }
  // From here until the image record is written, what this pull stores is held from garbage collection.
  const hold = await store.hold({ blobs: [manifest.config.digest, manifestDigest, ...manifest.layers.map((l) => l.digest)] });
  try {
    return await storeImage(client, opts, ref, repo, progress, { manifest, manifestBody, manifestDigest, topDigest: top.digest }, hold);
  } finally {
    await hold.release();
  }
}

interface Fetched { manifest: ImageManifest; manifestBody: Buffer; manifestDigest: string; topDigest: string }

async function storeImage(client: RegistryClient, opts: PullOptions, ref: Reference, repo: string, progress: Progress, m: Fetched, hold: Hold): Promise<PullResult> {
  const { store } = opts;
  const { manifest, manifestBody, manifestDigest } = m;
  // Config.
  if (!store.hasBlob(manifest.config.digest)) {
    const tmp = await fetchBlob(client, store, repo, manifest.config.digest, manifest.config.size, quietProgress, 'config');
    store.adoptBlob(manifest.config.digest, tmp);
  }
  const config = JSON.parse(store.readBlob(manifest.config.digest).toString('utf8'));
  const diffIds: string[] = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new RegistryError(`${formatReference(ref)}: config lists ${diffIds.length} layers, manifest ${manifest.layers.length}`);
  }
  await hold.add({ layers: diffIds });
  // The client verified this digest over these bytes; putBlob checks it again before storing.
  if (!store.hasBlob(manifestDigest)) store.putBlob(manifestDigest, manifestBody);

  // Layers.
  let fetched = 0;
  const sizes: number[] = [];
  const concurrency = opts.concurrency ?? 6;
  const fetchers = fetcherPool(Math.max(1, Math.min(concurrency, manifest.layers.length, os.availableParallelism())));
  try {
    await parallel(manifest.layers, concurrency, async (layer, i) => {
      const diffId = diffIds[i];
      const id = short(layer.digest);
      const have = store.layerMeta(diffId);
      if (have) {
        sizes[i] = have.size;
        progress.update(id, 'Already exists');
        return;
      }
      progress.update(id, 'Pulling fs layer');
      if (!store.hasBlob(layer.digest)) {
        sizes[i] = await streamLayer(client, store, fetchers, repo, layer, diffId, progress, id);
        fetched++;
        progress.update(id, 'Pull complete');
        return;
      }
      // A blob already stored (a store from before layers were streamed, or a load): unpacked from the file.
      progress.update(id, 'Extracting');
      const dest = store.tempDir('layer');
      fs.chmodSync(dest, 0o755); // the layer root; a tar entry for "./" may change it
      try {
        const result = await unpackInUserns(store.blobPath(layer.digest), dest);
        if (result.diffId !== diffId) {
          throw new TspodError('ERR_TSPOD_DIGEST_MISMATCH', `layer ${layer.digest}: uncompressed digest ${result.diffId} does not match the config's ${diffId}`);
        }
        sizes[i] = result.size;
        if (!store.commitLayer(diffId, dest, result.size)) debug('layer %s was stored concurrently', diffId);
        progress.update(id, 'Pull complete');
      } finally {
        if (fs.existsSync(dest)) await removeTrees([dest]);
      }
    });
  } finally {
    await fetchers.close();
  }
  progress.done();

  const image: ImageRecord = {
    id: manifest.config.digest,
    repoTags: ref.tag ? [formatReference({ ...ref, digest: undefined })] : [],
    repoDigests: [`${repository(ref)}@${m.topDigest}`],
    manifestDigest,
    layers: diffIds,
    size: sizes.reduce((a, b) => a + b, 0),
    created: config.created ?? new Date(0).toISOString(),
    stored: new Date().toISOString(),
  };
  await store.locked(() => store.writeImages(upsertImage(store.images(), image)));
  return { image, reference: ref, manifestDigest: m.topDigest, fetched };
}

/** `pull --all-tags`: every tag of the repository `opts.reference` names (which must carry no tag or digest). */
export async function pullAllTags(opts: PullOptions): Promise<PullResult[]> {
  const ref = parseReference(opts.reference, { defaultTag: false });
  if (ref.tag || ref.digest) throw new UsageError(`tag can't be used with --all-tags/-a: \`${opts.reference}\``);
  const conf = loadRegistriesConf(opts.store.paths.configHome);
  const client = new RegistryClient({ host: ref.domain, insecure: opts.tlsVerify === false || isInsecure(conf, ref.domain), credentials: findCredentials(ref.domain, process.env, opts.authfile) });
  let tags: string[];
  try { tags = await client.tags(ref.path); } finally { client.close(); }
  const out: PullResult[] = [];
  for (const tag of tags.sort()) out.push(await pullImage({ ...opts, reference: formatReference({ ...ref, tag }) }));
  return out;
}
