/**
 * Removing images (docker rmi semantics: untag by name, delete by id) and
 * collecting the layers and blobs no image or container refers to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireImage, referencedLayers, type ImageRecord } from '../storage/images.ts';
import { parseReference, formatReference, looksLikeId } from '../model/reference.ts';
import type { Store } from '../storage/store.ts';
import { removeTrees } from '../userns/trampoline.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('storage');

export interface RemoveImageReport { query: string; untagged: string[]; deleted: string[] }

/** Removes one image by name or id; layers and blobs are collected afterwards by `collectGarbage`. */
export async function removeImage(store: Store, query: string, force: boolean): Promise<RemoveImageReport> {
  return store.locked(() => {
    let images = store.images();
    const img = requireImage(images, query);
    const report: RemoveImageReport = { query, untagged: [], deleted: [] };
    let byName: string | undefined;
    if (!looksLikeId(query) || !img.id.slice(7).startsWith(query.replace(/^sha256:/, ''))) {
      const ref = parseReference(query);
      byName = ref.digest ? undefined : formatReference(ref);
    }
    if (byName && img.repoTags.length > 1) {
      // Only the name goes; the image stays under its other names.
      images = images.map((i) => (i.id === img.id ? { ...i, repoTags: i.repoTags.filter((t) => t !== byName) } : i));
      store.writeImages(images);
      report.untagged.push(byName);
      return report;
    }
    if (!byName && img.repoTags.length > 1 && !force) {
      throw new TspodError('ERR_TSPOD_IMAGE_IN_USE', `conflict: unable to delete ${img.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
    }
    const users = store.containers().filter((c) => c.imageId === img.id);
    if (users.length && !force) {
      throw new TspodError('ERR_TSPOD_IMAGE_IN_USE',
        `conflict: unable to remove image ${query} (must force) - container ${users[0].id.slice(0, 12)} is using its referenced image ${img.id.slice(7, 19)}`);
    }
    store.writeImages(images.filter((i) => i.id !== img.id));
    report.untagged.push(...img.repoTags, ...img.repoDigests);
    report.deleted.push(img.id);
    return report;
  });
}

function manifestBlobs(store: Store, img: ImageRecord): string[] {
  try {
    const m = JSON.parse(store.readBlob(img.manifestDigest).toString('utf8')) as { layers?: Array<{ digest: string }> };
    return [img.id, img.manifestDigest, ...(m.layers ?? []).map((l) => l.digest)];
  } catch {
    return [img.id, img.manifestDigest];
  }
}

/**
 * Deletes layers and blobs that no image, container or operation in progress
 * (a pull's hold) refers to, and leftovers of interrupted commands. Under the
 * lock each layer is unlinked and moved aside, so a pull committing the same
 * layer afterwards starts from a clean place; the trees go after.
 */
export async function collectGarbage(store: Store): Promise<void> {
  const { trash, blobs, leftovers } = await store.locked(() => {
    const images = store.images();
    const held = store.holds();
    const keepLayers = referencedLayers(images, [...store.containers().map((c) => c.layers), [...held.layers]]);
    const keepBlobs = new Set([...images.flatMap((i) => manifestBlobs(store, i)), ...held.blobs].map((d) => d.slice(7)));
    const layers = store.listLayers().filter((l) => !keepLayers.has(l));
    const blobDir = path.join(store.root, 'blobs', 'sha256');
    const blobs = fs.readdirSync(blobDir).filter((h) => !keepBlobs.has(h)).map((h) => path.join(blobDir, h));
    const leftovers = store.leftovers();
    // Unlink the meta and short link first: from here on the layer is absent for everyone.
    const trash: string[] = [];
    for (const l of layers) {
      fs.rmSync(path.join(store.layerDir(l), 'meta.json'), { force: true });
      fs.rmSync(path.join(store.root, store.layerLink(l)), { force: true });
      const aside = store.tempDir('gc');
      fs.renameSync(store.layerDir(l), path.join(aside, 'layer'));
      trash.push(aside);
    }
    for (const b of blobs) fs.rmSync(b, { force: true });
    return { trash, blobs, leftovers };
  });
  debug('collected %d layers, %d blobs, %d leftovers', trash.length, blobs.length, leftovers.length);
  await removeTrees([...trash, ...leftovers]);
}
