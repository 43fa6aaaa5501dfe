/**
 * A stage's filesystem seen read-only from the host, through its stored
 * layer directories (topmost first; whiteouts are 0/0 character devices):
 * whether a path exists, what it is, symlinks in it resolved inside the
 * stage's root. COPY uses it to place files as docker does without mounting
 * anything. Owners read back through the user's id map.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Store } from '../storage/store.ts';
import type { IdMapping } from '../userns/idmap.ts';

const isWhiteout = (st: fs.Stats) => st.isCharacterDevice() && st.rdev === 0;

/** The entry at container path `p` (no symlink in it followed), or undefined. */
export function statInLayers(store: Store, layers: string[], p: string): fs.Stats | undefined {
  const rel = path.posix.normalize(p).replace(/^\/+/, '');
  if (!rel || rel === '.') return fs.statSync(store.root); // the root: a directory
  const parts = rel.split('/');
  for (let i = layers.length - 1; i >= 0; i--) {
    const diff = store.layerDiff(layers[i]);
    // A whiteout of a parent in this layer hides everything below from lower layers.
    for (let j = 1; j < parts.length; j++) {
      const st = fs.lstatSync(path.join(diff, ...parts.slice(0, j)), { throwIfNoEntry: false });
      if (st && (isWhiteout(st) || !st.isDirectory())) return undefined;
    }
    const st = fs.lstatSync(path.join(diff, rel), { throwIfNoEntry: false });
    if (st) return isWhiteout(st) ? undefined : st;
  }
  return undefined;
}

export function existsInLayers(store: Store, layers: string[], p: string): boolean {
  return statInLayers(store, layers, p) !== undefined;
}

/** The symlink target at `p`, read from the layer that holds it. */
function readLinkInLayers(store: Store, layers: string[], p: string): string {
  const rel = path.posix.normalize(p).replace(/^\/+/, '');
  for (let i = layers.length - 1; i >= 0; i--) {
    const file = path.join(store.layerDiff(layers[i]), rel);
    if (fs.lstatSync(file, { throwIfNoEntry: false })) return fs.readlinkSync(file);
  }
  return '';
}

/**
 * `p` with every symlink in it resolved inside the stage's root (the last
 * element too when `followLast`): where a write to `p` really lands.
 */
export function resolveInLayers(store: Store, layers: string[], p: string, followLast = true): string {
  let todo = path.posix.normalize('/' + p).split('/').filter(Boolean);
  let done = '/';
  let hops = 0;
  while (todo.length) {
    const part = todo.shift()!;
    if (part === '..') { done = path.posix.dirname(done); continue; }
    const next = path.posix.join(done, part);
    const st = statInLayers(store, layers, next);
    if (st?.isSymbolicLink() && (todo.length || followLast)) {
      if (++hops > 40) return next;
      const target = readLinkInLayers(store, layers, next);
      todo = [...target.split('/').filter(Boolean), ...todo];
      if (target.startsWith('/')) done = '/';
      continue;
    }
    done = next;
  }
  return done;
}

/** A file's content from the stage (e.g. /etc/passwd), or undefined. */
export function readInLayers(store: Store, layers: string[], p: string): string | undefined {
  const real = resolveInLayers(store, layers, p);
  if (!statInLayers(store, layers, real)?.isFile()) return undefined;
  const rel = real.replace(/^\/+/, '');
  for (let i = layers.length - 1; i >= 0; i--) {
    const file = path.join(store.layerDiff(layers[i]), rel);
    if (fs.lstatSync(file, { throwIfNoEntry: false })) {
      try { return fs.readFileSync(file, 'utf8'); } catch { return undefined; }
    }
  }
  return undefined;
}

/** A host id as the container sees it (the inverse of the user's id map); 0 when unmapped. */
export function innerId(map: IdMapping[], hostId: number): number {
  for (const m of map) if (hostId >= m.outer && hostId < m.outer + m.count) return m.inner + (hostId - m.outer);
  return 0;
}
