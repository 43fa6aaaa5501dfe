/**
 * A container's OCI runtime spec (config.json, the subset in
 * docs/runtime.md), computed from its record at each start: what the native
 * helper (or an installed OCI runtime) needs to create and start it.
 */
import { parseNetworkMode, waitsForNetwork } from '../network/mode.ts';
import { layerLink, type ContainerLayout } from '../storage/layout.ts';
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerRecord, Mount, RunConfinement } from '../model/container.ts';
import { capabilitiesFor, ociRlimits } from './run-flags.ts';
import { nativeHelper } from '../sys/native.ts';
import { TspodError } from '../errors.ts';
import { DEFAULT_CAPABILITIES, MASKED_PATHS, READONLY_PATHS, defaultSeccomp, type SeccompProfile } from './confinement.ts';

export interface OciMount { destination: string; type: string; source: string; options: string[] }

export interface OciProcess {
  terminal: boolean;
  user: { uid: number; gid: number; additionalGids?: number[] };
  args: string[];
  env: string[];
  cwd: string;
  capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
  noNewPrivileges: boolean;
  rlimits?: Array<{ type: string; soft: number; hard: number }>;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: {
    namespaces: Array<{ type: string; path?: string }>;
    maskedPaths: string[];
    readonlyPaths: string[];
    seccomp?: SeccompProfile;
  };
  annotations: Record<string, string>;
}

export interface SpecOptions {
  /** A process whose user namespace the container joins (the per-user network host). */
  userNsPid: number;
  /** For `--network container:X`: a process of X, whose network namespace is joined. */
  netNsPid?: number;
  storeRoot: string;
  /** Rootfs backends to try, in order (overlay, fuse-overlayfs, copy). */
  backends: string[];
  /** --pid/--ipc/--uts container:X: a process of X for each namespace joined. */
  sharePids?: { pid?: number; ipc?: number; uts?: number };
}

const BACKENDS = ['overlay', 'fuse-overlayfs', 'copy'];

/**
 * The rootfs backends to try, in order: all, or only the one named by
 * TSPOD_ROOTFS_BACKEND for hosts and tests that need a particular one.
 */
export function rootfsBackends(env: NodeJS.ProcessEnv = process.env): string[] {
  const want = env.TSPOD_ROOTFS_BACKEND;
  if (!want) return BACKENDS;
  if (!BACKENDS.includes(want)) throw new TspodError('ERR_TSPOD_CONFIG', `TSPOD_ROOTFS_BACKEND=${want}: not one of ${BACKENDS.join(', ')}`);
  return [want];
}

/** Where `--init` binds the helper in the container (podman: /run/podman-init). */
export const INIT_PATH = '/run/tspod-init';

const NUMERIC_USER = /^(\d+)(?::(\d+))?$/;

/**
 * The process confinement: docker's default changed by the container's
 * flags (--cap-add/--cap-drop, --privileged, no-new-privileges, --ulimit);
 * one place, shared by a container's start and its execs.
 */
function processConfinement(c: RunConfinement = {}): Pick<OciProcess, 'capabilities' | 'noNewPrivileges' | 'rlimits'> {
  const caps = capabilitiesFor(DEFAULT_CAPABILITIES, c);
  return {
    capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
    noNewPrivileges: c.noNewPrivileges ?? false,
    ...(c.ulimits?.length ? { rlimits: ociRlimits(c.ulimits) } : {}),
  };
}

/** docker's default filter; none when privileged or seccomp=unconfined; the user's profile for seccomp=FILE. */
function seccompFor(c: RunConfinement = {}): SeccompProfile | undefined {
  if (c.privileged || c.seccomp === 'unconfined') return undefined;
  if (c.seccomp) return c.seccomp as unknown as SeccompProfile;
  return defaultSeccomp();
}

/** process.user for `-u`: numeric ids as they are; a name is resolved by the helper inside the container (annotation). */
export function ociUser(spec: string): OciProcess['user'] {
  const m = NUMERIC_USER.exec(spec || '0');
  return m ? { uid: Number(m[1]), gid: Number(m[2] ?? 0) } : { uid: 0, gid: 0 };
}

function standardMounts(rec: ContainerRecord, layout: ContainerLayout, ownNetwork: boolean): OciMount[] {
  const devices = ['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((d) => ({
    destination: `/dev/${d}`, type: 'bind', source: `/dev/${d}`, options: ['bind', 'nosuid', 'noexec'],
  }));
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ...devices,
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${rec.hostConfig.confinement?.shmSize ?? '65536k'}`] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // Without a network namespace of its own sysfs cannot be mounted: the host's, read-only (as runc does rootless).
    ownNetwork
      ? { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] }
      : { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] },
    ...(['hostname', 'hosts', 'resolv.conf'] as const).map((f) => ({ destination: `/etc/${f}`, type: 'bind', source: layout.etc(f), options: ['bind'] })),
    ...rec.hostConfig.mounts.map(userMount),
    ...(rec.hostConfig.devices ?? []).map((d) => ({
      destination: d.destination, type: 'bind', source: d.source, options: ['bind', 'nosuid', d.permissions.includes('w') ? 'rw' : 'ro'],
    })),
    ...(rec.hostConfig.confinement?.privileged ? privilegedDevices(new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty'])) : []),
    // --init: the helper itself (static) is pid 1, bound last so that no mount of the user hides it.
    ...(rec.hostConfig.init ? [{ destination: INIT_PATH, type: 'bind', source: nativeHelper(), options: ['bind', 'ro', 'nosuid', 'nodev'] }] : []),
  ];
}

/**
 * --privileged: the host's devices the user can open (rootless podman's
 * rule), bound in under the same names; the standard ones, terminals and
 * ptmx excepted.
 */
export function privilegedDevices(skip: Set<string>, dev = '/dev'): OciMount[] {
  let names: string[];
  try { names = fs.readdirSync(dev); } catch { return []; }
  return names.filter((n) => !skip.has(n) && !/^(tty\d*|pts|ptmx|console|shm|mqueue|core|fd|std(in|out|err))$/.test(n)).flatMap((n) => {
    const p = path.join(dev, n);
    try {
      const st = fs.statSync(p);
      if (!st.isCharacterDevice() && !st.isBlockDevice()) return [];
      fs.accessSync(p, fs.constants.R_OK | fs.constants.W_OK);
      return [{ destination: p, type: 'bind', source: p, options: ['bind', 'nosuid'] }];
    } catch { return []; }
  });
}

/** A mount of -v, --mount, --tmpfs or a VOLUME as the spec has it. */
function userMount(m: Mount): OciMount {
  const mode = m.readOnly ? 'ro' : 'rw';
  if (m.type === 'tmpfs' || (m.type === 'volume' && !m.source)) {
    return { destination: m.destination, type: 'tmpfs', source: 'tmpfs', options: [...(m.options ?? []), ...(m.readOnly ? ['ro'] : [])] };
  }
  return { destination: m.destination, type: 'bind', source: m.source, options: ['rbind', mode, ...(m.propagation ? [m.propagation] : [])] };
}

/**
 * Destinations whose volume is filled from the image by the helper before
 * it is mounted (docker's copy-up): volumes without nocopy whose data
 * directory is empty (new, or never filled: an image path without content).
 */
export function copyUpDestinations(rec: ContainerRecord): string[] {
  return rec.hostConfig.mounts.filter((m) => {
    if (m.type !== 'volume' || m.noCopy || !m.source) return false;
    try { return fs.readdirSync(m.source).length === 0; } catch { return false; }
  }).map((m) => m.destination);
}

/** The spec that creates and starts the container of `rec`. */
export function containerSpec(rec: ContainerRecord, layout: ContainerLayout, opts: SpecOptions): OciSpec {
  const network = parseNetworkMode(rec.hostConfig.networkMode);
  const namespaces: OciSpec['linux']['namespaces'] = [
    { type: 'user', path: `/proc/${opts.netNsPid ?? opts.userNsPid}/ns/user` },
    { type: 'mount' },
    ...(['pid', 'uts', 'ipc'] as const).map((type) => (opts.sharePids?.[type] ? { type, path: `/proc/${opts.sharePids[type]}/ns/${type}` } : { type })),
  ];
  if (network.kind === 'container') namespaces.push({ type: 'network', path: `/proc/${opts.netNsPid}/ns/net` });
  else if (network.kind !== 'host') namespaces.push({ type: 'network' });
  const lowers = [...rec.layers].reverse().map(layerLink);
  const annotations: Record<string, string> = {
    'io.tspod.rootfs': JSON.stringify({ lowers: lowers.length ? lowers : [layout.emptyLower], cwd: opts.storeRoot, upper: layout.upper, work: layout.work, backends: opts.backends }),
  };
  // Numeric ids too: docker resolves `-u 1000` against passwd (its gid, groups, HOME); process.user stays for other runtimes.
  if (rec.config.user) annotations['io.tspod.user'] = rec.config.user;
  if (waitsForNetwork(rec.hostConfig)) annotations['io.tspod.wait-network'] = 'true';
  const copyUp = copyUpDestinations(rec);
  const confinement = rec.hostConfig.confinement ?? {};
  // keep-id: the user's ids inside are theirs outside; without -u the process runs as them.
  const keepId = rec.hostConfig.userns === 'keep-id' ? `${process.getuid!()}:${process.getgid!()}` : undefined;
  if (keepId) annotations['io.tspod.keep-id'] = keepId;
  const user = ociUser(rec.config.user || keepId || '');
  const chown = rec.hostConfig.mounts.filter((m) => m.chown && m.type !== 'tmpfs').map((m) => m.destination);
  if (chown.length) annotations['io.tspod.chown'] = JSON.stringify({ destinations: chown, uid: user.uid, gid: user.gid });
  if (confinement.groupAdd?.length) user.additionalGids = confinement.groupAdd;
  if (copyUp.length) annotations['io.tspod.copy-up'] = JSON.stringify({ destinations: copyUp });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: rec.config.tty,
      user,
      args: [...(rec.hostConfig.init ? [INIT_PATH, 'reap', '--'] : []), ...rec.config.entrypoint, ...rec.config.cmd],
      env: rec.config.env,
      cwd: rec.config.workingDir || '/',
      ...processConfinement(confinement),
    },
    root: { path: layout.merged, readonly: rec.hostConfig.readOnly },
    // A shared uts namespace keeps the other container's name.
    ...(opts.sharePids?.uts ? {} : { hostname: rec.config.hostname, ...(rec.config.domainname ? { domainname: rec.config.domainname } : {}) }),
    mounts: standardMounts(rec, layout, network.kind !== 'host' && network.kind !== 'container'),
    linux: {
      namespaces,
      maskedPaths: confinement.privileged ? [] : MASKED_PATHS,
      readonlyPaths: confinement.privileged ? [] : READONLY_PATHS,
      ...(seccompFor(confinement) ? { seccomp: seccompFor(confinement) } : {}),
    },
    annotations,
  };
}

export interface ExecProcess { args: string[]; env: string[]; cwd: string; user: string; terminal: boolean }

/**
 * The spec of an `exec`: the container's own spec (its confinement exactly)
 * with another process; the user is resolved inside like the container's.
 */
export function execSpec(container: OciSpec, p: ExecProcess): OciSpec {
  const annotations = { ...container.annotations };
  delete annotations['io.tspod.user'];
  delete annotations['io.tspod.wait-network'];
  delete annotations['io.tspod.copy-up'];
  if (p.user) annotations['io.tspod.user'] = p.user;
  return {
    ...container,
    // Without -u the container's own user (keep-id's user, --group-add's groups).
    process: { ...container.process, args: p.args, env: p.env, cwd: p.cwd, terminal: p.terminal, user: p.user ? ociUser(p.user) : container.process.user },
    annotations,
  };
}
