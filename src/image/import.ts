/** `import`: a filesystem tarball (plain, gzip or zstd) as a one-layer image. */
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { recordImage, storeLayer } from './image.ts';
import { applyChanges } from './changes.ts';
import { formatReference, parseReference } from '../model/reference.ts';
import { collectGarbage } from './remove.ts';
import { hostPlatform } from '../registry/manifest.ts';
import type { Store } from '../storage/store.ts';
import type { ImageRecord } from '../storage/images.ts';
import { TspodError, UsageError, fileError } from '../errors.ts';

export interface ImportOptions {
  store: Store;
  /** A file path, or `-` for `stdin`. */
  source: string;
  stdin: Readable;
  reference?: string;
  changes?: string[];
  message?: string;
  platform?: { os: string; architecture: string; variant?: string };
}

export async function importImage(opts: ImportOptions): Promise<ImageRecord> {
  const { store } = opts;
  const ref = opts.reference ? parseReference(opts.reference) : undefined;
  if (ref?.digest) throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `cannot import to a digest reference \`${opts.reference}\``);
  const config = applyChanges({}, opts.changes ?? []);
  let input: Readable;
  if (opts.source === '-') input = opts.stdin;
  else {
    if (/^https?:\/\//.test(opts.source)) throw new UsageError('importing from a URL is not supported: download it first');
    try { fs.accessSync(opts.source, fs.constants.R_OK); } catch (err) { throw fileError('opening', opts.source, err); }
    input = fs.createReadStream(opts.source);
  }
  const hold = await store.hold();
  let ok = false;
  try {
    const layer = await storeLayer(store, hold, input);
    const created = new Date().toISOString();
    const platform = opts.platform ?? hostPlatform();
    const rec = await recordImage(store, hold, {
      config: {
        architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
        created, config: config,
        rootfs: { type: 'layers', diff_ids: [layer.diffId] },
        history: [{ created, created_by: `tspod import ${opts.source}`, ...(opts.message ? { comment: opts.message } : {}) }],
      },
      layers: [layer],
      names: ref ? [formatReference(ref)] : [],
    });
    ok = true;
    return rec;
  } finally {
    await hold.release();
    if (!ok) await collectGarbage(store).catch(() => {});
  }
}
