/**
 * The build cache, in the user's store (`<root>/build-cache/<key>.json`).
 * A step's key is docker's: the parent's key (or the base image id), the
 * instruction as it runs (expanded), the build args it sees, and for
 * COPY/ADD the checksum of what it reads (mtimes ignored). A record keeps
 * the image config after the step (so a hit reproduces the same created
 * times and therefore the same image id) and the layer the step added.
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { readJson, writeJsonAtomic } from '../storage/atomic.ts';
import type { StoredLayer } from '../image/image.ts';
import type { Store } from '../storage/store.ts';

export interface CacheRecord {
  key: string;
  /** The image config document after this step. */
  config: Record<string, any>;
  /** The layer this step added, if any. */
  layer?: StoredLayer;
  created: string;
}

export function cacheKey(parent: string, parts: unknown): string {
  return crypto.createHash('sha256').update(parent).update('\n').update(JSON.stringify(parts)).digest('hex');
}

export class BuildCache {
  private readonly dir: string;
  private readonly store: Store;
  constructor(store: Store) {
    this.store = store;
    this.dir = path.join(store.root, 'build-cache');
  }

  /** The record of `key` whose layer is still stored, or undefined. */
  get(key: string): CacheRecord | undefined {
    let rec: CacheRecord | undefined;
    try { rec = readJson<CacheRecord | undefined>(path.join(this.dir, `${key}.json`), undefined); } catch { return undefined; }
    if (!rec) return undefined;
    // A layer is usable while its blob is stored, or (pulled) its tar-split record lets its blob be made again.
    if (rec.layer && !(this.store.layerMeta(rec.layer.diffId) && (this.store.hasBlob(rec.layer.descriptor.digest) || fs.existsSync(this.store.layerTarSplit(rec.layer.diffId))))) return undefined;
    return rec;
  }

  put(rec: CacheRecord): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeJsonAtomic(path.join(this.dir, `${rec.key}.json`), rec);
  }
}
