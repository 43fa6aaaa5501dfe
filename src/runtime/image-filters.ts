/**
 * docker's `images --filter`: dangling, label, reference (a glob over the
 * familiar name, with or without its tag, as docker's path.Match), before,
 * since. Unknown keys and bad values are refused before any work.
 */
import { findImage } from '../storage/images.ts';
import type { ImageRecord } from '../model/image.ts';
import { familiarRepository, parseReference } from '../model/reference.ts';
import { TspodError, UsageError } from '../errors.ts';
import { matchLabels, type Filters } from './filters.ts';

export const IMAGE_FILTERS = ['dangling', 'label', 'reference', 'before', 'since'] as const;

/** Go's path.Match as a regular expression: `*` and `?` stop at `/`, `[...]` classes, `\` escapes. */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) throw new UsageError(`invalid filter 'reference=${pattern}': syntax error in pattern`);
      let cls = pattern.slice(i + 1, close);
      if (cls.startsWith('^')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** An image's names as docker's reference filter sees them: familiar `name:tag` and `name`. */
export function familiarNames(repoTag: string): { full: string; name: string; tag: string } {
  const ref = parseReference(repoTag);
  const name = familiarRepository(ref);
  return { full: ref.tag ? `${name}:${ref.tag}` : name, name, tag: ref.tag ?? '<none>' };
}

export interface ImageFilter {
  /** Whether the image is listed at all. */
  image(img: ImageRecord): boolean;
  /** Whether one of its names is listed (the reference filter picks names). */
  name(repoTag: string): boolean;
}

export function imageFilter(filters: Filters, images: ImageRecord[], configLabels: (img: ImageRecord) => Record<string, string> | undefined): ImageFilter {
  const dangling = filters.get('dangling') ?? [];
  for (const v of dangling) if (!['true', 'false', '1', '0'].includes(v.toLowerCase())) throw new UsageError(`invalid filter 'dangling=${v}'`);
  const refCreated = (key: string) => (filters.get(key) ?? []).map((v) => {
    const img = findImage(images, v);
    if (!img) throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `no such image: ${v}`);
    return img.created;
  });
  const before = refCreated('before');
  const since = refCreated('since');
  const patterns = (filters.get('reference') ?? []).map(globRegExp);
  const labels = filters.get('label');
  return {
    image(img) {
      if (dangling.length && !dangling.some((v) => ['true', '1'].includes(v.toLowerCase()) === (img.repoTags.length === 0))) return false;
      if (labels && !matchLabels(labels, configLabels(img))) return false;
      if (before.length && !before.every((t) => Date.parse(img.created) < Date.parse(t))) return false;
      if (since.length && !since.every((t) => Date.parse(img.created) > Date.parse(t))) return false;
      if (patterns.length && !img.repoTags.some((t) => this.name(t))) return false;
      return true;
    },
    name(repoTag) {
      if (!patterns.length) return true;
      const n = familiarNames(repoTag);
      return patterns.some((p) => p.test(n.full) || p.test(n.name));
    },
  };
}
