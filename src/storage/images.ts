/** Image records in the store: lookup by name, id or id prefix; merging names (tags move between images); which layers are referenced. */
import { formatReference, looksLikeId, parseReference, repository } from '../model/reference.ts';
import { TspodError } from '../errors.ts';
import type { ImageRecord } from '../model/image.ts';
/** Re-exported for src/image/ until it imports src/model/image.ts. */
export type { ImageRecord } from '../model/image.ts';

/**
 * Finds an image by full id, unique id prefix (>= 1 hex char, docker style),
 * name:tag (tag defaults to latest) or name@digest.
 */
export function findImage(images: ImageRecord[], query: string): ImageRecord | undefined {
  if (looksLikeId(query)) {
    const hex = query.replace(/^sha256:/, '');
    const byId = images.filter((i) => i.id.slice(7).startsWith(hex));
    if (byId.length === 1) return byId[0];
    if (byId.length > 1 && hex.length < 64) {
      // A name that is also hex (rare) wins over an ambiguous prefix.
      const named = byName(images, query);
      if (named) return named;
      throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `image id prefix \`${query}\` is ambiguous`);
    }
  }
  return byName(images, query);
}

function byName(images: ImageRecord[], query: string): ImageRecord | undefined {
  let ref;
  try { ref = parseReference(query); } catch { return undefined; }
  if (ref.digest) {
    const want = `${repository(ref)}@${ref.digest}`;
    return images.find((i) => i.repoDigests.includes(want));
  }
  const want = formatReference(ref);
  return images.find((i) => i.repoTags.includes(want));
}

export function requireImage(images: ImageRecord[], query: string): ImageRecord {
  const img = findImage(images, query);
  if (!img) throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `no such image: ${query}`);
  return img;
}

/**
 * Adds an image (or merges names into an existing one with the same id),
 * moving `tag` away from any image that had it. Returns the new list.
 */
export function upsertImage(images: ImageRecord[], img: ImageRecord): ImageRecord[] {
  const out = images.map((i) => ({
    ...i,
    repoTags: i.repoTags.filter((t) => !img.repoTags.includes(t)),
  }));
  const existing = out.find((i) => i.id === img.id);
  if (existing) {
    existing.repoTags = [...new Set([...existing.repoTags, ...img.repoTags])];
    existing.repoDigests = [...new Set([...existing.repoDigests, ...img.repoDigests])];
    return out;
  }
  return [...out, img];
}

/** Layers referenced by any of the images or containers; the rest may be deleted. */
export function referencedLayers(images: ImageRecord[], containerLayers: string[][]): Set<string> {
  return new Set([...images.flatMap((i) => i.layers), ...containerLayers.flat()]);
}
