/**
 * Removing trees that may hold files owned by subordinate ids (container
 * dirs, unpacked layers, volumes): plainly when the user can, else `rm -rf`
 * inside the user namespace with the container id map.
 */
import fs from 'node:fs';
import { runInUserns, type IdMaps } from './trampoline.ts';
import { logger } from '../log.ts';

const debug = logger('userns');

/** rm -rf inside the user namespace, for trees holding subordinate-owned files. */
export async function removeTrees(paths: string[], maps?: IdMaps): Promise<void> {
  const existing = paths.filter((p) => fs.existsSync(p));
  if (!existing.length) return;
  try {
    for (const p of existing) fs.rmSync(p, { recursive: true, force: true });
    return;
  } catch {
    debug('plain removal failed, removing inside the user namespace: %o', existing);
  }
  await runInUserns('rm -rf -- "$@"', existing, maps);
}
