/**
 * The confinement and process flags of `create`/`run` (--cap-add/--cap-drop,
 * --privileged, --security-opt, --ulimit, --shm-size, --group-add,
 * --stop-signal, --stop-timeout, --pids-limit): parsed and checked before
 * anything is pulled or created. A bad value is refused in one line naming
 * the flag and the value (exit 125).
 */
import fs from 'node:fs';
import os from 'node:os';
import { UsageError } from '../errors.ts';
import { parseBytes } from '../volume/mounts.ts';
import type { RunConfinement, Ulimit } from '../model/container.ts';

/** Every capability the helper knows (runc's list), in number order. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

const ULIMITS = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

function bad(flag: string, value: string, why: string): never {
  throw new UsageError(`invalid argument "${value}" for "${flag}" flag: ${why}`);
}

/** A whole number (docker's strconv.ParseInt), at least `min`. */
export function parseInteger(flag: string, value: string, min = -Infinity): number {
  if (!/^-?\d+$/.test(value.trim())) bad(flag, value, 'not an integer');
  const n = Number(value);
  if (n < min) bad(flag, value, `must be at least ${min}`);
  return n;
}

/** `CAP_X`, `x` or `ALL`, upper-cased with the CAP_ prefix. */
export function normalizeCapability(flag: string, name: string): string {
  const up = name.trim().toUpperCase();
  if (up === 'ALL') return 'ALL';
  const cap = up.startsWith('CAP_') ? up : `CAP_${up}`;
  if (!ALL_CAPABILITIES.includes(cap)) bad(flag, name, 'unknown capability');
  return cap;
}

/** `--ulimit name=soft[:hard]`, -1 meaning unlimited. */
export function parseUlimit(spec: string): Ulimit {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(spec);
  if (!m) bad('--ulimit', spec, 'expected NAME=SOFT[:HARD] with whole numbers');
  if (!ULIMITS.includes(m[1])) bad('--ulimit', spec, `unknown limit \`${m[1]}\``);
  const soft = Number(m[2]);
  const hard = m[3] === undefined ? soft : Number(m[3]);
  if (soft !== -1 && hard !== -1 && soft > hard) bad('--ulimit', spec, 'the soft limit is above the hard one');
  return { name: m[1], soft, hard };
}

/** A signal name (SIGTERM, TERM) or number, as `kill` takes it. */
export function parseSignal(flag: string, value: string): string {
  if (/^\d+$/.test(value) && Number(value) > 0 && Number(value) < 65) return value;
  const name = value.toUpperCase().startsWith('SIG') ? value.toUpperCase() : `SIG${value.toUpperCase()}`;
  if (!(name in os.constants.signals) && !/^SIGRTM(IN|AX)([+-]\d+)?$/.test(name)) bad(flag, value, 'unknown signal');
  return name;
}

export interface ConfinementFlags {
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  securityOpt?: string[];
  ulimits?: string[];
  shmSize?: string;
  groupAdd?: string[];
}

/** Parses the confinement flags (reading a seccomp profile file). */
export function parseConfinement(f: ConfinementFlags): RunConfinement {
  const out: RunConfinement = {};
  if (f.capAdd?.length) out.capAdd = f.capAdd.flatMap((c) => c.split(',')).map((c) => normalizeCapability('--cap-add', c));
  if (f.capDrop?.length) out.capDrop = f.capDrop.flatMap((c) => c.split(',')).map((c) => normalizeCapability('--cap-drop', c));
  if (f.privileged) out.privileged = true;
  for (const opt of f.securityOpt ?? []) {
    const i = opt.search(/[=:]/);
    const key = i < 0 ? opt : opt.slice(0, i);
    const value = i < 0 ? undefined : opt.slice(i + 1);
    if (key === 'no-new-privileges') {
      if (value !== undefined && !['true', 'false'].includes(value)) bad('--security-opt', opt, 'no-new-privileges takes true or false');
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp') {
      if (!value) bad('--security-opt', opt, 'seccomp needs unconfined or a profile file');
      if (value === 'unconfined') out.seccomp = 'unconfined';
      else {
        let text: string;
        try { text = fs.readFileSync(value, 'utf8'); } catch (err) { bad('--security-opt', opt, `cannot read the profile: ${(err as NodeJS.ErrnoException).code}`); }
        try { out.seccomp = JSON.parse(text) as RunConfinement['seccomp']; } catch { bad('--security-opt', opt, 'the profile is not JSON'); }
        if (typeof out.seccomp !== 'object' || typeof out.seccomp.defaultAction !== 'string') bad('--security-opt', opt, 'the profile has no defaultAction');
      }
    } else if (!['label', 'apparmor', 'mask', 'unmask', 'proc-opts', 'systempaths'].includes(key)) {
      bad('--security-opt', opt, `unknown option \`${key}\``);
    }
  }
  if (f.securityOpt?.length) out.securityOpt = f.securityOpt;
  if (f.ulimits?.length) out.ulimits = f.ulimits.map(parseUlimit);
  if (f.shmSize !== undefined) {
    out.shmSize = parseBytes('--shm-size', f.shmSize);
    if (out.shmSize <= 0) bad('--shm-size', f.shmSize, 'must be above zero');
  }
  if (f.groupAdd?.length) {
    out.groupAdd = f.groupAdd.map((g) => {
      if (!/^\d+$/.test(g)) bad('--group-add', g, 'only numeric group ids are supported');
      return Number(g);
    });
  }
  return out;
}

/** The capability sets of a container from docker's default, its flags and --privileged. */
export function capabilitiesFor(base: string[], c: RunConfinement): string[] {
  if (c.privileged) return ALL_CAPABILITIES;
  let caps = c.capDrop?.includes('ALL') ? [] : base.filter((x) => !c.capDrop?.includes(x));
  if (c.capAdd?.includes('ALL')) caps = ALL_CAPABILITIES.filter((x) => !c.capDrop?.includes(x) || c.capAdd?.includes(x));
  for (const cap of c.capAdd ?? []) if (cap !== 'ALL' && !caps.includes(cap)) caps.push(cap);
  return caps;
}

/** OCI rlimit type names of --ulimit entries. */
export function ociRlimits(ulimits: Ulimit[]): Array<{ type: string; soft: number; hard: number }> {
  // JSON integers of the spec are signed 64-bit: "unlimited" is the largest exact one.
  const max = Number.MAX_SAFE_INTEGER;
  return ulimits.map((u) => ({ type: `RLIMIT_${u.name.toUpperCase()}`, soft: u.soft < 0 ? max : u.soft, hard: u.hard < 0 ? max : u.hard }));
}

/** `--device HOST[:CTR][:rwm]`: the host path must exist and be a device. */
export function parseDevice(spec: string): { source: string; destination: string; permissions: string } {
  const parts = spec.split(':');
  if (parts.length > 3) bad('--device', spec, 'expected HOST[:CONTAINER[:PERMISSIONS]]');
  const [source] = parts;
  let destination = source;
  let permissions = 'rwm';
  if (parts.length === 2 && /^[rwm]+$/.test(parts[1])) permissions = parts[1];
  else if (parts.length >= 2) [, destination, permissions = 'rwm'] = parts;
  if (!source.startsWith('/') || !destination.startsWith('/')) bad('--device', spec, 'paths must be absolute');
  if (!/^[rwm]+$/.test(permissions)) bad('--device', spec, `permissions \`${permissions}\` are not of r, w, m`);
  let st: fs.Stats;
  try { st = fs.statSync(source); } catch (err) { bad('--device', spec, `${(err as NodeJS.ErrnoException).code}`); }
  if (!st.isCharacterDevice() && !st.isBlockDevice()) bad('--device', spec, `\`${source}\` is not a device`);
  return { source, destination, permissions };
}

/** `--expose PORT[-PORT][/PROTO]` as image ExposedPorts keys. */
export function parseExpose(spec: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/.exec(spec);
  if (!m) bad('--expose', spec, 'expected PORT[-PORT][/tcp|udp]');
  const from = Number(m[1]);
  const to = m[2] ? Number(m[2]) : from;
  if (from < 1 || to > 65535 || to < from) bad('--expose', spec, 'ports are 1-65535, a range low-high');
  return Array.from({ length: to - from + 1 }, (_, i) => `${from + i}/${m[3] ?? 'tcp'}`);
}

/** `--userns`: '' (the per-user namespace), keep-id; host is refused with the reason. */
export function parseUserns(value: string): 'keep-id' | undefined {
  if (value === '' || value === 'private' || value === 'auto') return undefined;
  if (value === 'keep-id') return 'keep-id';
  if (value === 'host') {
    bad('--userns', value, 'a rootless container cannot use the host\'s user namespace: only your own id exists there, so the image\'s root and other owners could not be mapped (use keep-id to be yourself inside)');
  }
  return bad('--userns', value, 'not one of keep-id, host');
}

/** `--log-driver` and `--log-opt max-size=10m,max-file=3` (rotation by the monitor). */
export function parseLogConfig(driver: string | undefined, opts: string[]): { type: 'k8s-file' | 'json-file' | 'none'; maxSize?: number; maxFile?: number } | undefined {
  if (driver === undefined && !opts.length) return undefined;
  const type = driver ?? 'k8s-file';
  if (type !== 'k8s-file' && type !== 'json-file' && type !== 'none') bad('--log-driver', type, 'not one of k8s-file, json-file, none');
  const out: { type: typeof type; maxSize?: number; maxFile?: number } = { type };
  for (const o of opts.flatMap((x) => x.split(','))) {
    const i = o.indexOf('=');
    const key = i < 0 ? o : o.slice(0, i);
    const value = i < 0 ? '' : o.slice(i + 1);
    if (key === 'max-size') out.maxSize = parseBytes('--log-opt', value);
    else if (key === 'max-file') out.maxFile = parseInteger('--log-opt', value, 1);
    else if (!['tag', 'labels', 'env', 'mode', 'compress', 'path'].includes(key)) bad('--log-opt', o, `unknown option \`${key}\``);
  }
  if (out.maxSize !== undefined && out.maxSize <= 0) bad('--log-opt', `max-size=${out.maxSize}`, 'must be above zero');
  return out;
}

/** `--pid`, `--ipc`, `--uts`: container:NAME only (a rootless container cannot enter the host's). */
export function parseShareNs(f: { pid?: string; ipc?: string; uts?: string }): { pid?: string; ipc?: string; uts?: string } {
  const out: { pid?: string; ipc?: string; uts?: string } = {};
  for (const type of ['pid', 'ipc', 'uts'] as const) {
    const v = f[type];
    if (v === undefined || v === '' || v === 'private' || (type !== 'pid' && v === 'shareable')) continue;
    if (v.startsWith('container:') && v.length > 10) out[type] = v.slice(10);
    else if (v === 'host') bad(`--${type}`, v, `a rootless container cannot join the host's ${type} namespace (it belongs to the host's user namespace); use container:NAME`);
    else bad(`--${type}`, v, 'expected container:NAME');
  }
  return out;
}

/** resolv.conf with --dns-option values as its `options` line (over the host's). */
export function withDnsOptions(resolv: string, options: string[]): string {
  if (!options.length || !resolv) return resolv;
  return `${resolv.split('\n').filter((l) => l && !/^options\s/.test(l.trim())).join('\n')}\noptions ${options.join(' ')}\n`;
}
