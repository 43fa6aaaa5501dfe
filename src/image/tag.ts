/** `tag`: one more name for an image already in the store (the name moves if another image had it). */
import { requireImage, upsertImage } from '../storage/images.ts';
import { formatReference, parseReference } from '../model/reference.ts';
import type { Store } from '../storage/store.ts';
import { TspodError } from '../errors.ts';

/** Adds `target` (normalized, tag defaulting to latest) to the image `source` names; returns the full new name. */
export async function tagImage(store: Store, source: string, target: string): Promise<string> {
  const ref = parseReference(target);
  if (ref.digest) throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `refusing to tag with a digest reference \`${target}\``);
  const name = formatReference(ref);
  await store.locked(() => {
    const images = store.images();
    const img = requireImage(images, source);
    store.writeImages(upsertImage(images, { ...img, repoTags: [name], repoDigests: [] }));
  });
  return name;
}
