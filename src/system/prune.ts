/**
 * Pruning and disk usage: `image prune` (dangling images, or every image no
 * container uses), `system prune` (stopped containers, unused networks,
 * those images, and with --volumes unused volumes), `system df`.
 */
import { removeImage, collectGarbage } from '../image/remove.ts';
import { listContainers } from '../runtime/lifecycle.ts';
import { removeAbandoned, removeContainer } from '../runtime/remove.ts';
import { diskUsage } from '../runtime/inspect.ts';
import { matchLabels, parseFilters } from '../runtime/filters.ts';
import { pruneNetworks } from '../network/membership.ts';
import { isActive } from '../storage/state.ts';
import type { ImageRecord } from '../storage/images.ts';
import type { Store } from '../storage/store.ts';
import { pruneVolumes, volumesInUse } from '../volume/volumes.ts';
import { listVolumes, volumeDir } from '../volume/records.ts';
import { UsageError } from '../errors.ts';

export const PRUNE_FILTERS = ['until', 'label', 'label!'] as const;

/** Go's time.ParseDuration subset docker accepts for `until` (e.g. 24h, 1h30m, 10m), or a timestamp. */
export function parseUntil(value: string, now = Date.now()): number {
  const v = value.trim();
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(v)) {
    const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
    let ms = 0;
    for (const m of v.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
    return now - ms;
  }
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new UsageError(`invalid filter 'until=${value}': want a duration (24h) or a timestamp`);
  return t;
}

export interface PruneReport {
  /** docker's lines: `untagged: NAME`, `deleted: ID`. */
  lines: string[];
  reclaimed: number;
}

/** The layer bytes only `gone` images used: what removing them frees. */
function freedBytes(store: Store, before: ImageRecord[], after: ImageRecord[]): number {
  const kept = new Set([...after.flatMap((i) => i.layers), ...store.containers().flatMap((c) => c.layers)]);
  const freed = new Set(before.flatMap((i) => i.layers).filter((l) => !kept.has(l)));
  return [...freed].reduce((a, l) => a + (store.layerMeta(l)?.size ?? 0), 0);
}

export async function pruneImages(store: Store, opts: { all: boolean; filters?: string[] }): Promise<PruneReport> {
  const filters = parseFilters(opts.filters ?? [], PRUNE_FILTERS);
  const until = (filters.get('until') ?? []).map((v) => parseUntil(v));
  const before = store.images();
  const used = new Set(store.containers().map((c) => c.imageId));
  const victims = before.filter((img) => {
    if (used.has(img.id)) return false;
    if (!opts.all && img.repoTags.length) return false;
    if (until.length && !until.every((t) => Date.parse(img.created) < t)) return false;
    const labels = store.imageConfig(img).config?.Labels as Record<string, string> | undefined;
    if (filters.get('label') && !matchLabels(filters.get('label')!, labels)) return false;
    if (filters.get('label!') && filters.get('label!')!.some((l) => matchLabels([l], labels))) return false;
    return true;
  });
  const report: PruneReport = { lines: [], reclaimed: 0 };
  for (const img of victims) {
    try {
      const r = await removeImage(store, img.id, true);
      report.lines.push(...r.untagged.map((u) => `untagged: ${u}`), ...r.deleted.map((d) => `deleted: ${d}`));
    } catch { /* removed or taken meanwhile */ }
  }
  report.reclaimed = freedBytes(store, before, store.images());
  await collectGarbage(store);
  return report;
}

export interface SystemPruneReport {
  containers: string[];
  networks: string[];
  volumes: string[];
  images: PruneReport;
}

export async function pruneSystem(store: Store, opts: { all: boolean; volumes: boolean; filters?: string[] }): Promise<SystemPruneReport> {
  const containers: string[] = [];
  for (const c of listContainers(store).filter((c) => !isActive(c.state))) {
    try { await removeContainer(store, c.rec.id, { force: false, volumes: false }); containers.push(c.rec.id); } catch { /* started meanwhile */ }
  }
  await removeAbandoned(store);
  const networks = await pruneNetworks(store);
  // As podman's: every volume no container uses, named ones too.
  const volumes = opts.volumes ? await pruneVolumes(store, () => true, { all: true }) : [];
  const images = await pruneImages(store, opts);
  return { containers, networks, volumes, images };
}

export interface DfRow { type: 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache'; total: number; active: number; size: number; reclaimable: number }

export interface DfImage { image: ImageRecord; containers: number; size: number; shared: number; unique: number }
export interface DfContainer { id: string; name: string; image: string; size: number; status: string; created: string; command: string }
export interface DfVolume { name: string; links: number; size: number }

export interface DiskUsage { rows: DfRow[]; images: DfImage[]; containers: DfContainer[]; volumes: DfVolume[] }

export function diskUsageReport(store: Store): DiskUsage {
  const images = store.images();
  const containers = listContainers(store);
  const layerSize = (l: string) => store.layerMeta(l)?.size ?? 0;
  const users = (img: ImageRecord) => containers.filter((c) => c.rec.imageId === img.id).length;
  const refCount = new Map<string, number>();
  for (const img of images) for (const l of new Set(img.layers)) refCount.set(l, (refCount.get(l) ?? 0) + 1);
  const dfImages = images.map((image) => {
    const unique = [...new Set(image.layers)].filter((l) => refCount.get(l) === 1).reduce((a, l) => a + layerSize(l), 0);
    return { image, containers: users(image), size: image.size, shared: image.size - unique, unique };
  });
  const allLayers = [...refCount.keys()];
  const activeLayers = new Set(images.filter((i) => users(i) > 0).flatMap((i) => i.layers));
  const imagesSize = allLayers.reduce((a, l) => a + layerSize(l), 0);
  const dfContainers = containers.map((c) => ({
    id: c.rec.id, name: c.rec.name, image: c.rec.image, size: diskUsage(c.layout.upper), status: c.state.status, created: c.rec.created,
    command: [...c.rec.config.entrypoint, ...c.rec.config.cmd].join(' '),
  }));
  const used = volumesInUse(store);
  const dfVolumes = listVolumes(store.root).map((v) => ({ name: v.name, links: used.get(v.name)?.length ?? 0, size: diskUsage(volumeDir(store.root, v.name)) }));
  return {
    rows: [
      { type: 'Images', total: images.length, active: dfImages.filter((i) => i.containers > 0).length, size: imagesSize, reclaimable: allLayers.filter((l) => !activeLayers.has(l)).reduce((a, l) => a + layerSize(l), 0) },
      { type: 'Containers', total: containers.length, active: containers.filter((c) => isActive(c.state)).length, size: dfContainers.reduce((a, c) => a + c.size, 0), reclaimable: dfContainers.filter((_c, i) => !isActive(containers[i].state)).reduce((a, c) => a + c.size, 0) },
      { type: 'Local Volumes', total: dfVolumes.length, active: dfVolumes.filter((v) => v.links > 0).length, size: dfVolumes.reduce((a, v) => a + v.size, 0), reclaimable: dfVolumes.filter((v) => !v.links).reduce((a, v) => a + v.size, 0) },
      { type: 'Build Cache', total: 0, active: 0, size: 0, reclaimable: 0 },
    ],
    images: dfImages,
    containers: dfContainers,
    volumes: dfVolumes,
  };
}
