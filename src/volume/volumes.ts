/**
 * The volume verbs as domain calls: create, inspect (docker's shape), rm
 * (refused while a container uses the volume), prune, and the filters of ls.
 */
import { TspodError, UsageError } from '../errors.ts';
import { VOLUME_NAME_RE, type VolumeRecord } from '../model/volume.ts';
import type { Store } from '../storage/store.ts';
import { removeTrees } from '../userns/remove.ts';
import { listVolumes, readVolume, volumeData, volumeDir, writeVolume } from './records.ts';
import { randomHex } from '../sys/random.ts';

export interface CreateVolumeOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  /** --opt KEY=VALUE: type (tmpfs, none, or a filesystem), device, o. */
  options?: Record<string, string>;
  anonymous?: boolean;
}

/** A volume's options checked as docker's local driver does. */
function checkOptions(options: Record<string, string>): void {
  for (const key of Object.keys(options)) {
    if (!['type', 'device', 'o', 'size'].includes(key)) throw new UsageError(`invalid option key: \`${key}\` (--opt takes type, device, o)`);
  }
  const type = options.type;
  const bind = (options.o ?? '').split(',').includes('bind');
  if (type && type !== 'tmpfs' && !(type === 'none' && bind)) {
    throw new UsageError(`--opt type=${type}: only type=tmpfs and type=none with o=bind are supported rootless`);
  }
  if (bind && !options.device?.startsWith('/')) throw new UsageError('--opt o=bind needs --opt device=/absolute/path');
}

/** Makes the record and data directory of a new volume; an existing name is returned as it is (docker's rule). */
export function createVolume(store: Store, opts: CreateVolumeOptions): VolumeRecord {
  const driver = opts.driver ?? 'local';
  if (driver !== 'local') throw new UsageError(`--driver ${driver}: only the local driver is supported`);
  const name = opts.name ?? randomHex(32);
  if (!VOLUME_NAME_RE.test(name)) {
    throw new UsageError(`invalid volume name \`${name}\`: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least 2 characters`);
  }
  const options = opts.options ?? {};
  checkOptions(options);
  const existing = readVolume(store.root, name);
  if (existing) return existing;
  const rec: VolumeRecord = { name, driver: 'local', labels: opts.labels ?? {}, options, created: new Date().toISOString(), anonymous: opts.anonymous ?? false };
  writeVolume(store.root, rec);
  return rec;
}

/** The volume named `name`, or ERR_TSPOD_NO_SUCH_VOLUME. */
export function getVolume(store: Store, name: string): VolumeRecord {
  const rec = readVolume(store.root, name);
  if (!rec) throw new TspodError('ERR_TSPOD_NO_SUCH_VOLUME', `no such volume: ${name}`);
  return rec;
}

/** docker's `volume inspect` object. */
export function volumeView(store: Store, rec: VolumeRecord): Record<string, unknown> {
  return {
    CreatedAt: rec.created, Driver: rec.driver, Labels: rec.labels, Mountpoint: volumeData(store.root, rec.name),
    Name: rec.name, Options: rec.options, Scope: 'local', ...(rec.anonymous ? { Anonymous: true } : {}),
  };
}

/** Names of the volumes some container (running or not) mounts. */
export function volumesInUse(store: Store): Map<string, string[]> {
  const used = new Map<string, string[]>();
  for (const c of store.containers()) {
    for (const m of c.hostConfig.mounts ?? []) if (m.type === 'volume' && m.name) used.set(m.name, [...(used.get(m.name) ?? []), c.id]);
  }
  return used;
}

/** Removes a volume no container uses; ERR_TSPOD_VOLUME_IN_USE otherwise. */
export async function removeVolume(store: Store, name: string): Promise<void> {
  await store.locked(async () => {
    getVolume(store, name);
    const users = volumesInUse(store).get(name);
    if (users) {
      throw new TspodError('ERR_TSPOD_VOLUME_IN_USE',
        `remove ${name}: volume is in use - [${users.join(', ')}]`);
    }
    await removeTrees([volumeDir(store.root, name)]);
  });
}

/** A `volume ls`/`prune` filter (src/runtime/volume-filters.ts): `used` maps volume names to the containers using them. */
export type VolumeFilter = (v: VolumeRecord, used: Map<string, string[]>) => boolean;

export function listVolumesFiltered(store: Store, match: VolumeFilter): VolumeRecord[] {
  const used = volumesInUse(store);
  return listVolumes(store.root).filter((v) => match(v, used));
}

/** Removes the volumes no container uses (docker: anonymous ones only, unless `all`); their names. */
export async function pruneVolumes(store: Store, match: VolumeFilter, opts: { all?: boolean } = {}): Promise<string[]> {
  return store.locked(async () => {
    const used = volumesInUse(store);
    const gone = listVolumes(store.root).filter((v) => !used.has(v.name) && (opts.all || v.anonymous) && match(v, used));
    await removeTrees(gone.map((v) => volumeDir(store.root, v.name)));
    return gone.map((v) => v.name);
  });
}
