/**
 * A container's mounts from its flags: `-v`, `--mount`, `--tmpfs`,
 * `--volumes-from` and the image's VOLUME, in docker's rules. Parsing is
 * pure and refuses a bad value in one line naming the flag and the value
 * (before anything is created or pulled); resolution creates the named and
 * anonymous volumes and the missing host paths of `-v` binds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { ContainerRecord, Mount } from '../model/container.ts';
import { VOLUME_NAME_RE } from '../model/volume.ts';
import type { Store } from '../storage/store.ts';
import { createVolume } from './volumes.ts';
import { readVolume, volumeData } from './records.ts';
import { randomHex } from '../sys/random.ts';

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const VOLUME_OPTIONS = ['ro', 'rw', 'z', 'Z', 'U', 'nocopy', 'rbind', 'bind', ...PROPAGATION];

/** A mount as the user asked for it, before volumes and paths are resolved. */
export interface MountRequest {
  type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name ('' for an anonymous volume), unused for tmpfs. */
  source: string;
  destination: string;
  readOnly: boolean;
  noCopy?: boolean;
  chown?: boolean;
  propagation?: string;
  /** tmpfs mount options (size=, mode=, ...). */
  options?: string[];
  /** --mount volume-opt: options of a volume it creates. */
  volumeOptions?: Record<string, string>;
  /** -v creates a missing host path; --mount refuses it. */
  createSource?: boolean;
}

function bad(flag: string, value: string, why: string): never {
  throw new UsageError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

function absolute(flag: string, value: string, p: string): string {
  if (!p.startsWith('/')) bad(flag, value, `container path \`${p}\` must be absolute`);
  const n = path.posix.normalize(p);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

/** A size with an optional unit (b, k, m, g, t; docker's RAMInBytes), in bytes. */
export function parseBytes(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?$/i.exec(value.trim());
  if (!m) bad(flag, value, 'not a size (a number with an optional unit b, k, m, g)');
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  return Math.floor(Number(m[1]) * mult);
}

/** A size inside a longer value: the message names the whole value. */
function sizeIn(flag: string, spec: string, size: string): number {
  try { return parseBytes(flag, size); } catch { return bad(flag, spec, `\`${size}\` is not a size`); }
}

function isHostPath(source: string): boolean {
  return source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
}

/** `-v [SOURCE:]DEST[:OPTS]`: a bind when SOURCE is a path, a named volume, or an anonymous one without SOURCE. */
export function parseVolumeFlag(spec: string): MountRequest {
  const flag = '--volume';
  const parts = spec.split(':');
  let source = '';
  let destination: string;
  let opts = '';
  if (parts.length === 1) destination = parts[0];
  else if (parts.length === 2 && !parts[1].startsWith('/') && parts[0].startsWith('/')) [destination, opts] = parts;
  else if (parts.length === 2) [source, destination] = parts;
  else if (parts.length === 3) [source, destination, opts] = parts;
  else bad(flag, spec, 'too many colons');
  if (parts.length > 1 && source === '' && !opts) bad(flag, spec, 'empty source');
  if (parts.length === 3 && source === '') bad(flag, spec, 'empty source');
  if (!destination) bad(flag, spec, 'empty container path');
  destination = absolute(flag, spec, destination);
  const flags = opts ? opts.split(',') : [];
  for (const f of flags) if (!VOLUME_OPTIONS.includes(f)) bad(flag, spec, `unknown option \`${f}\``);
  if (flags.includes('ro') && flags.includes('rw')) bad(flag, spec, 'both ro and rw');
  const host = isHostPath(source);
  if (source && !host && !VOLUME_NAME_RE.test(source)) bad(flag, spec, `invalid volume name \`${source}\``);
  return {
    type: host ? 'bind' : 'volume', source, destination, readOnly: flags.includes('ro'),
    noCopy: flags.includes('nocopy') || undefined, chown: flags.includes('U') || undefined,
    propagation: flags.find((f) => PROPAGATION.includes(f)), createSource: true,
  };
}

function boolValue(flag: string, spec: string, key: string, v: string | undefined): boolean {
  if (v === undefined || ['1', 'true'].includes(v.toLowerCase())) return true;
  if (['0', 'false'].includes(v.toLowerCase())) return false;
  return bad(flag, spec, `\`${key}\` takes true or false`);
}

/** `--mount type=bind|volume|tmpfs,source=...,target=...,...` with docker's keys. */
export function parseMountFlag(spec: string): MountRequest {
  const flag = '--mount';
  const fields = new Map<string, string | undefined>();
  const volumeOptions: Record<string, string> = {};
  for (const field of spec.split(',')) {
    const i = field.indexOf('=');
    const key = (i < 0 ? field : field.slice(0, i)).trim().toLowerCase();
    const value = i < 0 ? undefined : field.slice(i + 1);
    if (key === 'volume-opt') {
      const j = value?.indexOf('=') ?? -1;
      if (!value || j <= 0) bad(flag, spec, 'volume-opt takes KEY=VALUE');
      volumeOptions[value.slice(0, j)] = value.slice(j + 1);
      continue;
    }
    if (!['type', 'source', 'src', 'target', 'dst', 'destination', 'readonly', 'ro', 'volume-nocopy', 'volume-driver', 'volume-label',
      'tmpfs-size', 'tmpfs-mode', 'bind-propagation', 'consistency', 'relabel', 'bind-nonrecursive'].includes(key)) {
      bad(flag, spec, `unknown key \`${key}\``);
    }
    fields.set(key, value);
  }
  const type = fields.get('type') ?? 'volume';
  if (type !== 'bind' && type !== 'volume' && type !== 'tmpfs') bad(flag, spec, `type \`${type}\` is not one of bind, volume, tmpfs`);
  const source = fields.get('source') ?? fields.get('src') ?? '';
  const target = fields.get('target') ?? fields.get('dst') ?? fields.get('destination');
  if (!target) bad(flag, spec, 'target is required');
  const readOnly = fields.has('readonly') ? boolValue(flag, spec, 'readonly', fields.get('readonly'))
    : fields.has('ro') ? boolValue(flag, spec, 'ro', fields.get('ro')) : false;
  const req: MountRequest = { type, source, destination: absolute(flag, spec, target), readOnly };
  if (type === 'bind') {
    if (!source) bad(flag, spec, 'source is required for a bind mount');
    if (!source.startsWith('/')) bad(flag, spec, `bind source \`${source}\` must be an absolute path`);
    const prop = fields.get('bind-propagation');
    if (prop !== undefined && !PROPAGATION.includes(prop)) bad(flag, spec, `bind-propagation \`${prop}\` is not one of ${PROPAGATION.join(', ')}`);
    req.propagation = prop;
  } else if (type === 'volume') {
    if (source && !VOLUME_NAME_RE.test(source)) bad(flag, spec, `invalid volume name \`${source}\``);
    if (fields.has('volume-nocopy')) req.noCopy = boolValue(flag, spec, 'volume-nocopy', fields.get('volume-nocopy')) || undefined;
    if (Object.keys(volumeOptions).length) req.volumeOptions = volumeOptions;
  } else {
    if (source) bad(flag, spec, 'a tmpfs mount takes no source');
    const options: string[] = [];
    const size = fields.get('tmpfs-size');
    if (size !== undefined) options.push(`size=${sizeIn(flag, spec, size)}`);
    const mode = fields.get('tmpfs-mode');
    if (mode !== undefined) {
      if (!/^[0-7]{1,4}$/.test(mode)) bad(flag, spec, `tmpfs-mode \`${mode}\` is not an octal mode`);
      options.push(`mode=${mode.padStart(4, '0')}`);
    }
    req.options = options;
  }
  return req;
}

/** `--tmpfs /path[:opts]`: opts as mount(8) takes them (size=64m, mode=1777, ro, exec...). */
export function parseTmpfsFlag(spec: string): MountRequest {
  const i = spec.indexOf(':');
  const dest = i < 0 ? spec : spec.slice(0, i);
  const opts = i < 0 ? [] : spec.slice(i + 1).split(',').filter(Boolean);
  for (const o of opts) {
    const [k, v] = o.split('=', 2);
    if (k === 'size' && v !== undefined) sizeIn('--tmpfs', spec, v);
    else if (k === 'mode' && !/^[0-7]{1,4}$/.test(v ?? '')) bad('--tmpfs', spec, `mode \`${v}\` is not an octal mode`);
    else if (!['size', 'mode', 'ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'tmpcopyup', 'notmpcopyup'].includes(k)) {
      bad('--tmpfs', spec, `unknown option \`${k}\``);
    }
  }
  return {
    type: 'tmpfs', source: '', destination: absolute('--tmpfs', spec, dest), readOnly: opts.includes('ro'),
    options: opts.filter((o) => !['ro', 'rw', 'tmpcopyup', 'notmpcopyup'].includes(o)).map((o) => (o.startsWith('size=') ? `size=${sizeIn('--tmpfs', spec, o.slice(5))}` : o)),
  };
}

/** `--volumes-from C[:ro|rw]`. */
export function parseVolumesFrom(spec: string): { container: string; mode?: 'ro' | 'rw' } {
  const [container, mode, extra] = spec.split(':');
  if (!container || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) bad('--volumes-from', spec, 'expected CONTAINER[:ro|rw]');
  return { container, mode: mode as 'ro' | 'rw' | undefined };
}

export interface MountFlags {
  volumes: string[];
  mounts?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
}

/** Every mount flag parsed (bad values refused); destinations given twice are refused as docker does. */
export function parseMountFlags(flags: MountFlags): MountRequest[] {
  const reqs = [...flags.volumes.map(parseVolumeFlag), ...(flags.mounts ?? []).map(parseMountFlag), ...(flags.tmpfs ?? []).map(parseTmpfsFlag)];
  const seen = new Set<string>();
  for (const r of reqs) {
    if (seen.has(r.destination)) throw new UsageError(`duplicate mount point: ${r.destination}`);
    seen.add(r.destination);
  }
  (flags.volumesFrom ?? []).forEach(parseVolumesFrom);
  return reqs;
}

const TMPFS_DEFAULTS = ['nosuid', 'nodev', 'noexec'];

function tmpfsOptions(options: string[]): string[] {
  const opposite: Record<string, string> = { exec: 'noexec', suid: 'nosuid', dev: 'nodev' };
  const defaults = TMPFS_DEFAULTS.filter((d) => !options.some((o) => opposite[o] === d));
  return [...defaults, ...options.filter((o) => !(o in opposite))];
}

function hostPath(p: string): string {
  return path.resolve(p.replace(/^~(?=\/|$)/, os.homedir()));
}

/** A volume mount of `name`, the volume created first when missing. */
function volumeMount(store: Store, req: MountRequest, name: string, anonymous: boolean): Mount {
  const rec = readVolume(store.root, name) ?? createVolume(store, { name, anonymous, options: req.volumeOptions });
  const base = { type: 'volume' as const, name, destination: req.destination, readOnly: req.readOnly, ...(anonymous ? { anonymous } : {}) };
  const o = (rec.options.o ?? '').split(',').filter(Boolean);
  if (rec.options.type === 'tmpfs') {
    return { ...base, source: '', options: tmpfsOptions([...o, ...(rec.options.size ? [`size=${rec.options.size}`] : [])]), noCopy: true };
  }
  if (o.includes('bind') && rec.options.device) return { ...base, source: rec.options.device, noCopy: true, propagation: req.propagation };
  return { ...base, source: volumeData(store.root, name), noCopy: req.noCopy, chown: req.chown, propagation: req.propagation };
}

/**
 * The container's mounts: the flags' in order, then `--volumes-from`'s and
 * the image's VOLUMEs (anonymous volumes) where no flag mounted the path.
 */
export function resolveMounts(store: Store, reqs: MountRequest[], volumesFrom: string[], imageVolumes: string[], findRecord: (ref: string) => ContainerRecord): Mount[] {
  const mounts: Mount[] = reqs.map((req) => {
    if (req.type === 'tmpfs') return { type: 'tmpfs', source: '', destination: req.destination, readOnly: req.readOnly, options: tmpfsOptions(req.options ?? []) };
    if (req.type === 'bind') {
      const source = hostPath(req.source);
      if (!fs.existsSync(source)) {
        if (!req.createSource) throw new UsageError(`invalid mount config for type "bind": bind source path does not exist: ${source}`);
        fs.mkdirSync(source, { recursive: true });
      }
      return { type: 'bind', source, destination: req.destination, readOnly: req.readOnly, chown: req.chown, propagation: req.propagation };
    }
    return req.source ? volumeMount(store, req, req.source, false) : volumeMount(store, req, randomHex(32), true);
  });
  const taken = new Set(mounts.map((m) => m.destination));
  for (const spec of volumesFrom) {
    const { container, mode } = parseVolumesFrom(spec);
    for (const m of findRecord(container).hostConfig.mounts ?? []) {
      if (taken.has(m.destination)) continue;
      taken.add(m.destination);
      // Another container's anonymous volume is shared, not owned: this container's rm -v leaves it.
      const { anonymous: _owned, ...shared } = m;
      mounts.push({ ...shared, readOnly: mode ? mode === 'ro' : m.readOnly });
    }
  }
  for (const dest of imageVolumes.map((v) => path.posix.normalize(v))) {
    if (taken.has(dest)) continue;
    taken.add(dest);
    mounts.push(volumeMount(store, { type: 'volume', source: '', destination: dest, readOnly: false }, randomHex(32), true));
  }
  return mounts;
}
