/**
 * Runs layer unpacking in a user namespace with the container id map, so
 * files land owned by the mapped ids: one helper process per layer file or
 * piped stream, or a LayerFetcher that downloads and unpacks several
 * layers at once (the pull's).
 */
import { enterNamespaces, currentIdMaps, type IdMaps } from '../userns/trampoline.ts';
import { selfArgv } from '../sys/self.ts';
import { closeStatus, collectAll } from '../sys/spawn.ts';
import { RegistryError, TspodError, type ErrorCode } from '../errors.ts';
import type { InputDigest, UnpackResult } from './unpack.ts';
import type { BlobRequest } from '../registry/client.ts';
import type { PackMode } from './pack.ts';
import type { Readable, Writable } from 'node:stream';

/**
 * What the `__unpack` helper reported: its result, or its error; with the
 * digest of its input when it read all of it. `status`: the registry
 * answered that instead of the blob (nothing was unpacked).
 */
export interface UnpackReport { ok?: UnpackResult; error?: TspodError; input?: InputDigest; status?: number }

type HelperMessage = {
  ok?: UnpackResult & { input: InputDigest };
  error?: { code: ErrorCode; message: string; temporary?: boolean };
  input?: InputDigest;
  status?: number;
  progress?: number;
};

/** A helper's report line as an UnpackReport (ok only with exit status 0 for the one-layer helper). */
function toReport(msg: HelperMessage): UnpackReport | undefined {
  if (msg.ok) return { ok: { diffId: msg.ok.diffId, size: msg.ok.size }, input: msg.ok.input };
  if (msg.status !== undefined) return { status: msg.status };
  if (msg.error?.code === 'ERR_TSPOD_REGISTRY') return { error: new RegistryError(msg.error.message, { temporary: msg.error.temporary }), input: msg.input };
  if (msg.error) return { error: new TspodError(msg.error.code, msg.error.message), input: msg.input };
  return undefined;
}

async function unpackHelper(source: string, dest: string, tarSplit: string | undefined, maps: IdMaps) {
  const { child } = await enterNamespaces({
    namespaces: [],
    argv: [...selfArgv(), '__unpack', source, dest, maps.single ? 'nochown' : 'chown', ...(tarSplit ? [tarSplit] : [])],
    stdio: [source === '-' ? 'pipe' : 'ignore', 'pipe', 'inherit'],
    maps,
  });
  const out = collectAll(child.stdout);
  // Its report is its last line on stdout: wait until that is read, not only for the exit.
  const report = closeStatus(child).then((code): UnpackReport => {
    let msg: HelperMessage = {};
    try { msg = JSON.parse(out().trim().split('\n').pop() ?? '{}'); } catch { /* fall through */ }
    const r = toReport(msg);
    if (r && (code === 0 || !r.ok)) return r;
    return { error: new TspodError('ERR_TSPOD_LAYER', `unpacking layer into \`${dest}\`: helper exited with status ${code}`) };
  });
  return { child, report };
}

/** Unpacks a blob file into `dest` in a helper inside the user namespace. */
export async function unpackInUserns(blobPath: string, dest: string, maps: IdMaps = currentIdMaps()): Promise<UnpackResult> {
  const r = await (await unpackHelper(blobPath, dest, undefined, maps)).report;
  if (r.error) throw r.error;
  return r.ok!;
}

export interface Unpacking {
  /** Write the layer (compressed or not) here and end it. */
  input: Writable;
  /** The helper's report once it has read everything and exited (never rejects). */
  report: Promise<UnpackReport>;
  /** Ends the helper at once (the layer is abandoned). */
  kill(): void;
}

/**
 * A helper inside the user namespace that unpacks what is written to
 * `input` into `dest`, recording the tar's tar-split in `tarSplit` and
 * hashing the input as it came (so the caller copies bytes and nothing else).
 */
export async function unpackingInUserns(dest: string, tarSplit: string, maps: IdMaps = currentIdMaps()): Promise<Unpacking> {
  const { child, report } = await unpackHelper('-', dest, tarSplit, maps);
  return { input: child.stdin!, report, kill: () => { child.kill('SIGKILL'); } };
}

/** A helper inside the user namespace that fetches and unpacks the layers it is given, several at once. */
export interface LayerFetcher {
  /**
   * Downloads the blob `request` names and unpacks it into `dest` as it
   * comes (recording its tar-split in `tarSplit`), hashing the blob and the
   * tar: the bytes never pass through this process. `onProgress` is told
   * the bytes downloaded so far (about every 100 ms). Never rejects: a
   * helper gone is an error report.
   */
  fetch(dest: string, tarSplit: string, request: BlobRequest, onProgress?: (n: number) => void): Promise<UnpackReport>;
  /** Lets the helper exit once its layers are done; call it when every fetch has settled. */
  close(): void;
}

/**
 * Starts a LayerFetcher. Its orders (each holds an authorization) go on
 * its stdin, never in argv; its reports come on stdout, a line each,
 * tagged with the order's id. Its stdin stays open while this process
 * lives: if this process dies, the helper sees it close and stops.
 */
export async function layerFetcher(maps: IdMaps = currentIdMaps()): Promise<LayerFetcher> {
  const { child } = await enterNamespaces({
    namespaces: [],
    argv: [...selfArgv(), '__unpack', 'serve', '-', maps.single ? 'nochown' : 'chown'],
    stdio: ['pipe', 'pipe', 'inherit'],
    maps,
  });
  const waiting = new Map<number, { resolve: (r: UnpackReport) => void; onProgress?: (n: number) => void }>();
  let next = 1;
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const lines = (partial + d).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      let msg: HelperMessage & { id?: number } = {};
      try { msg = JSON.parse(line); } catch { continue; }
      const w = msg.id === undefined ? undefined : waiting.get(msg.id);
      if (!w) continue;
      if (msg.progress !== undefined) { w.onProgress?.(msg.progress); continue; }
      waiting.delete(msg.id!);
      w.resolve(toReport(msg) ?? { error: new TspodError('ERR_TSPOD_LAYER', 'unpacking a layer: the helper reported nothing') });
    }
  });
  child.stdin!.on('error', () => { /* the helper is gone: its exit settles what is waiting */ });
  let exited: number | undefined;
  const gone = () => ({ error: new TspodError('ERR_TSPOD_LAYER', `unpacking a layer: the helper exited with status ${exited}`) });
  void closeStatus(child).then((code) => {
    exited = code;
    for (const w of waiting.values()) w.resolve(gone());
    waiting.clear();
  });
  return {
    fetch(dest, tarSplit, request, onProgress) {
      const id = next++;
      return new Promise((resolve) => {
        if (exited !== undefined) return resolve(gone());
        waiting.set(id, { resolve, onProgress });
        child.stdin!.write(`${JSON.stringify({ id, request, dest, tarSplit, progress: !!onProgress })}\n`);
      });
    },
    close() { child.stdin!.end(); },
  };
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
  const done = closeStatus(child).then((code) => {
    if (code === 0) return;
    const err = stderr();
    let msg: { error?: { code: ErrorCode; message: string } } = {};
    try { msg = JSON.parse(err.trim().split('\n').pop() ?? '{}'); } catch { /* fall through */ }
    if (msg.error) throw new TspodError(msg.error.code, msg.error.message);
    throw new TspodError('ERR_TSPOD_LAYER', `packing \`${roots[0]}\`: helper exited with status ${code}${err.trim() ? `: ${err.trim().split('\n').pop()}` : ''}`);
  });
  return { stream: child.stdout!, done };
}
