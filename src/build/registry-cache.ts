/**
 * The build cache through a registry (`--cache-to` / `--cache-from`), for CI
 * runners with no disk between jobs: the layers of the steps a build used,
 * under one manifest whose config carries the cache records (their keys and
 * the image config after each step) in `io.tspod.build-cache`. It is pushed
 * and pulled with tspod's own push and pull, so only missing blobs move.
 */
import { recordImage, openImage, type StoredLayer } from '../image/image.ts';
import { pushImage } from '../image/push.ts';
import { pullImage } from '../image/pull.ts';
import { formatReference, parseReference } from '../image/reference.ts';
import type { Hold, Store } from '../storage/store.ts';
import type { BuildCache, CacheRecord } from './cache.ts';
import type { TspodError } from '../errors.ts';

const FIELD = 'io.tspod.build-cache';

/** `REGISTRY/REPO[:TAG]` or buildx's `type=registry,ref=…`; the tag defaults to `buildcache`. */
export function cacheReference(spec: string): string {
  const ref = /(?:^|,)ref=([^,]+)/.exec(spec)?.[1] ?? spec;
  const last = ref.split('/').pop() ?? '';
  const withTag = last.includes(':') || ref.includes('@') ? ref : `${ref}:buildcache`;
  return formatReference(parseReference(withTag));
}

/** Pushes the records (and their layers) to `spec`. */
export async function exportCache(store: Store, hold: Hold, records: CacheRecord[], spec: string): Promise<void> {
  const name = cacheReference(spec);
  const layers = new Map<string, StoredLayer>();
  for (const r of records) if (r.layer && !layers.has(r.layer.diffId)) layers.set(r.layer.diffId, r.layer);
  const diffIds = [...layers.keys()];
  const config = {
    architecture: 'amd64', os: 'linux', config: {},
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created_by: 'tspod build cache' })),
    [FIELD]: records.map((r) => ({ key: r.key, config: r.config, diffId: r.layer?.diffId })),
  };
  await recordImage(store, hold, { config, layers: [...layers.values()], names: [name] });
  await pushImage({ store, image: name });
}

/** Pulls `spec` and adds its records to the local cache; returns how many (0 when there is none yet). */
export async function importCache(store: Store, hold: Hold, cache: BuildCache, spec: string): Promise<number> {
  const name = cacheReference(spec);
  let pulled;
  try {
    pulled = await pullImage({ store, reference: name });
  } catch (err) {
    if ((err as TspodError).code === 'ERR_TSPOD_NO_SUCH_IMAGE') return 0;
    throw err;
  }
  await hold.add({ layers: pulled.image.layers });
  const img = await openImage(store, pulled.image);
  const doc = JSON.parse(img.config.toString('utf8')) as Record<string, any>;
  const byDiff = new Map(img.layers.map((l) => [l.diffId, { diffId: l.diffId, descriptor: l.descriptor, size: store.layerMeta(l.diffId)?.size ?? 0 }]));
  let n = 0;
  for (const r of (doc[FIELD] ?? []) as Array<{ key: string; config: Record<string, any>; diffId?: string }>) {
    const layer = r.diffId ? byDiff.get(r.diffId) : undefined;
    if (r.diffId && !layer) continue;
    cache.put({ key: r.key, config: r.config, layer, created: new Date().toISOString() });
    n++;
  }
  return n;
}
