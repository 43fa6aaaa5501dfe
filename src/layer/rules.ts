/** Pure rules for layer entries: which paths are safe, what a whiteout means. */
import path from 'node:path';
import { TspodError } from '../errors.ts';

export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

function unsafe(entry: string, why: string): TspodError {
  return new TspodError('ERR_TSPOD_UNSAFE_LAYER', `refusing layer entry \`${entry}\`: ${why}`);
}

/**
 * Normalizes a tar entry name to a relative path inside the layer root.
 * Absolute names and any `..` component are refused; "." and "./" give "".
 */
export function safeRelativePath(name: string): string {
  if (name.startsWith('/')) throw unsafe(name, 'absolute path');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw unsafe(name, 'path leaves the layer root');
  if (parts.some((p) => p.includes('\0'))) throw unsafe(name, 'NUL in name');
  return parts.join('/');
}

export type WhiteoutKind =
  | { kind: 'none' }
  | { kind: 'opaque'; dir: string }
  | { kind: 'whiteout'; target: string }
  | { kind: 'meta' };

/** Classifies a (normalized) entry path by docker's whiteout convention. */
export function classifyWhiteout(rel: string): WhiteoutKind {
  const base = path.posix.basename(rel);
  const dir = path.posix.dirname(rel) === '.' ? '' : path.posix.dirname(rel);
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(`${WHITEOUT_PREFIX}${WHITEOUT_PREFIX}`)) return { kind: 'meta' }; // aufs hardlink dirs etc.
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (!name || name === '.' || name === '..') throw unsafe(rel, 'bad whiteout name');
  return { kind: 'whiteout', target: dir ? `${dir}/${name}` : name };
}

/** Hardlink targets follow the same rules as entry names. */
export function safeLinkTarget(entry: string, linkpath: string): string {
  const rel = safeRelativePath(linkpath.replace(/^\/+/, ''));
  if (!rel) throw unsafe(entry, 'hard link to the layer root');
  return rel;
}
