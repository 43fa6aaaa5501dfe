/**
 * Volume records in the store: `<root>/volumes/NAME/volume.json` beside the
 * data directory `<root>/volumes/NAME/_data`. A directory without a record
 * (made before volumes had records) reads as a plain local volume.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonAtomic } from '../storage/atomic.ts';
import type { VolumeRecord } from '../model/volume.ts';
import type { ContainerRecord } from '../model/container.ts';

export function volumeDir(root: string, name: string): string {
  return path.join(root, 'volumes', name);
}

/** Where a volume's data lives (its Mountpoint). */
export function volumeData(root: string, name: string): string {
  return path.join(volumeDir(root, name), '_data');
}

/** The record of `name`, or undefined when there is no such volume. */
export function readVolume(root: string, name: string): VolumeRecord | undefined {
  const dir = volumeDir(root, name);
  let st: fs.Stats;
  try { st = fs.statSync(dir); } catch { return undefined; }
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'volume.json'), 'utf8')) as VolumeRecord;
  } catch {
    return { name, driver: 'local', labels: {}, options: {}, created: st.birthtime.toISOString(), anonymous: false };
  }
}

/** Writes the record and makes the data directory (mode 0755: the container's root owns it). */
export function writeVolume(root: string, rec: VolumeRecord): void {
  fs.mkdirSync(volumeData(root, rec.name), { recursive: true, mode: 0o755 });
  writeJsonAtomic(path.join(volumeDir(root, rec.name), 'volume.json'), rec);
}

/** Every volume, by name. */
export function listVolumes(root: string): VolumeRecord[] {
  let names: string[];
  try { names = fs.readdirSync(path.join(root, 'volumes')).sort(); } catch { return []; }
  return names.filter((n) => !n.startsWith('.')).map((n) => readVolume(root, n)).filter((v): v is VolumeRecord => v !== undefined);
}

/**
 * The volume directories `rec` owns: its anonymous volumes that no other
 * container (`others`, e.g. through --volumes-from) mounts. What `rm -v`
 * and `--rm` remove with it.
 */
export function ownedVolumeDirs(root: string, rec: ContainerRecord, others: ContainerRecord[]): string[] {
  const shared = new Set(others.filter((c) => c.id !== rec.id).flatMap((c) => (c.hostConfig.mounts ?? []).map((m) => m.name)));
  return (rec.hostConfig.mounts ?? []).filter((m) => m.type === 'volume' && m.anonymous && m.name && !shared.has(m.name)).map((m) => volumeDir(root, m.name!));
}
