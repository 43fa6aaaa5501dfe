/**
 * Runs layer unpacking in a user namespace with the container id map, so
 * files land owned by the mapped ids. One helper process per layer.
 */
import { enterNamespaces, currentIdMaps, waitExit, type IdMaps } from '../userns/trampoline.ts';
import { selfArgv } from '../sys/self.ts';
import { collectAll } from '../sys/spawn.ts';
import { TspodError, type ErrorCode } from '../errors.ts';
import type { UnpackResult } from './unpack.ts';
import type { PackMode } from './pack.ts';
import type { Readable } from 'node:stream';

export async function unpackInUserns(blobPath: string, dest: string, maps: IdMaps = currentIdMaps()): Promise<UnpackResult> {
  const { child } = await enterNamespaces({
    namespaces: [],
    argv: [...selfArgv(), '__unpack', blobPath, dest, maps.single ? 'nochown' : 'chown'],
    stdio: ['ignore', 'pipe', 'inherit'],
    maps,
  });
  const out = collectAll(child.stdout);
  const code = await waitExit(child);
  let msg: { ok?: UnpackResult; error?: { code: ErrorCode; message: string } } = {};
  try { msg = JSON.parse(out().trim().split('\n').pop() ?? '{}'); } catch { /* fall through */ }
  if (code === 0 && msg.ok) return msg.ok;
  if (msg.error) throw new TspodError(msg.error.code, msg.error.message);
  throw new TspodError('ERR_TSPOD_LAYER', `unpacking layer into \`${dest}\`: helper exited with status ${code}`);
}

export interface Packing {
  /** The tar stream; read it to the end (or destroy it and await `done`). */
  stream: Readable;
  /** Resolves when the helper exited cleanly; rejects with its error otherwise. */
  done: Promise<void>;
}

/** Packs `roots` (src/layer/pack.ts) in a helper inside the user namespace; the tar comes on its stdout. */
export async function packInUserns(mode: PackMode, roots: string[], maps: IdMaps = currentIdMaps()): Promise<Packing> {
  const { child } = await enterNamespaces({
    namespaces: [],
    argv: [...selfArgv(), '__pack', mode, ...roots],
    stdio: ['ignore', 'pipe', 'pipe'],
    maps,
  });
  const stderr = collectAll(child.stderr);
  const done = waitExit(child).then((code) => {
    if (code === 0) return;
    const err = stderr();
    let msg: { error?: { code: ErrorCode; message: string } } = {};
    try { msg = JSON.parse(err.trim().split('\n').pop() ?? '{}'); } catch { /* fall through */ }
    if (msg.error) throw new TspodError(msg.error.code, msg.error.message);
    throw new TspodError('ERR_TSPOD_LAYER', `packing \`${roots[0]}\`: helper exited with status ${code}${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}`);
  });
  return { stream: child.stdout!, done };
}
