/**
 * A container's filesystem as images see it: `export` (the merged tree as
 * a tar), `diff` (what the upper dir changed), `commit` (the upper dir as a
 * new layer over the container's image). The upper dir and layers are read
 * in the user namespace (src/layer/pack.ts), so every file is readable and
 * owners read back as the container's own ids.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { packInUserns } from '../layer/helper.ts';
import { readTar } from '../layer/tar-reader.ts';
import { classifyWhiteout, safeRelativePath } from '../layer/rules.ts';
import { lookup, pauseContainer, type Container } from './lifecycle.ts';
import { openImage, recordImage, storeLayer, type StoredLayer } from '../image/image.ts';
import { applyChanges } from '../image/changes.ts';
import { formatReference, parseReference } from '../model/reference.ts';
import { collectGarbage } from '../image/remove.ts';
import type { Store } from '../storage/store.ts';
import type { ImageRecord } from '../storage/images.ts';
import { TspodError } from '../errors.ts';

/** The rootfs dirs of a container, top first: its upper dir over the image's layers (or the copy backend's whole tree). */
function roots(store: Store, c: Container): string[] {
  const copy = path.join(c.layout.dir, 'rootfs');
  if (fs.existsSync(path.join(c.layout.dir, 'rootfs.complete'))) return [copy];
  return [c.layout.upper, ...[...c.rec.layers].reverse().map((l) => store.layerDiff(l))].filter((d) => fs.existsSync(d));
}

/** Writes the container's merged filesystem as a tar to `out` (not ended). */
export async function exportContainer(store: Store, query: string, out: Writable): Promise<void> {
  const c = lookup(store, query);
  const packing = await packInUserns('union', roots(store, c));
  try {
    await pipeline(packing.stream, out, { end: false });
  } catch (err) {
    packing.stream.destroy();
    await packing.done.catch(() => {});
    throw err;
  }
  await packing.done;
}

export interface Change { kind: 'A' | 'C' | 'D'; path: string }

/** What the container changed, docker's way: A added, C changed, D deleted; parents of a change show as C. */
export async function diffContainer(store: Store, query: string): Promise<Change[]> {
  const c = lookup(store, query);
  if (!fs.existsSync(c.layout.upper)) return [];
  const lowers = [...c.rec.layers].reverse().map((l) => store.layerDiff(l));
  const inLower = (rel: string) => lowers.some((d) => { try { fs.lstatSync(path.join(d, rel)); return true; } catch { return false; } });
  const packing = await packInUserns('layer', [c.layout.upper]);
  const out = new Map<string, Change['kind']>();
  for await (const e of readTar(packing.stream)) {
    const rel = safeRelativePath(e.path);
    if (!rel) continue;
    const wo = classifyWhiteout(rel);
    if (wo.kind === 'whiteout') out.set(`/${wo.target}`, 'D');
    else if (wo.kind === 'opaque') out.set(`/${wo.dir}`, 'C');
    else if (wo.kind === 'none') out.set(`/${rel}`, inLower(rel) ? 'C' : 'A');
  }
  await packing.done;
  // docker lists the parents of changed paths as changed.
  for (const p of [...out.keys()]) {
    for (let d = path.posix.dirname(p); d !== '/'; d = path.posix.dirname(d)) if (!out.has(d)) out.set(d, 'C');
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, kind]) => ({ kind, path: p }));
}

export interface CommitOptions {
  store: Store;
  container: string;
  reference?: string;
  changes?: string[];
  message?: string;
  author?: string;
  /** Pause a running container while its upper dir is read (docker's default). */
  pause?: boolean;
}

/** The container's upper dir as a new layer over its image; returns the new image. */
export async function commitContainer(opts: CommitOptions): Promise<ImageRecord> {
  const { store } = opts;
  const name = opts.reference ? formatReference({ ...parseReference(opts.reference), digest: undefined }) : undefined;
  if (opts.reference && parseReference(opts.reference).digest) throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `cannot commit to a digest reference \`${opts.reference}\``);
  const c = lookup(store, opts.container);
  if (fs.existsSync(path.join(c.layout.dir, 'rootfs.complete'))) {
    throw new TspodError('ERR_TSPOD_STORAGE', `container ${c.rec.name} runs on a plain copy of its image (the copy backend): it has no upper dir to commit`);
  }
  const base = store.images().find((i) => i.id === c.rec.imageId);
  if (!base) throw new TspodError('ERR_TSPOD_NO_SUCH_IMAGE', `the image of container ${c.rec.name} (${c.rec.imageId.slice(7, 19)}) is no longer stored`);
  const baseImage = await openImage(store, base);
  const baseConfig = JSON.parse(baseImage.config.toString('utf8'));
  // Applied before anything is stored: a bad change stores nothing.
  const containerConfig = applyChanges({
    ...baseConfig.config,
    Env: c.rec.config.env,
    Cmd: c.rec.config.cmd.length ? c.rec.config.cmd : baseConfig.config?.Cmd,
    ...(c.rec.config.user ? { User: c.rec.config.user } : {}),
    WorkingDir: c.rec.config.workingDir || baseConfig.config?.WorkingDir,
    Labels: { ...baseConfig.config?.Labels, ...c.rec.config.labels },
  }, opts.changes ?? []);
  const paused = opts.pause !== false && c.state.status === 'running';
  if (paused) await pauseContainer(c, true);
  const hold = await store.hold({ layers: base.layers });
  let ok = false;
  try {
    const packing = await packInUserns('layer', [c.layout.upper]);
    let layer: StoredLayer;
    try {
      layer = await storeLayer(store, hold, packing.stream);
    } finally {
      if (paused) await pauseContainer(lookup(store, c.rec.id), false).catch(() => {});
    }
    await packing.done;
    const created = new Date().toISOString();
    const cmd = (c.rec.config.entrypoint.length ? c.rec.config.entrypoint : c.rec.config.cmd).join(' ');
    const config = {
      ...baseConfig,
      created,
      ...(opts.author ? { author: opts.author } : {}),
      container: c.rec.id,
      config: containerConfig,
      rootfs: { type: 'layers', diff_ids: [...base.layers, layer.diffId] },
      history: [...(baseConfig.history ?? []), {
        created, created_by: cmd, ...(opts.author ? { author: opts.author } : {}), ...(opts.message ? { comment: opts.message } : {}),
      }],
    };
    const layers: StoredLayer[] = baseImage.layers.map((l) => ({ diffId: l.diffId, descriptor: l.descriptor, size: store.layerMeta(l.diffId)?.size ?? 0 }));
    const rec = await recordImage(store, hold, { config, layers: [...layers, layer], names: name ? [name] : [] });
    ok = true;
    return rec;
  } finally {
    await hold.release();
    if (!ok) await collectGarbage(store).catch(() => {});
  }
}
