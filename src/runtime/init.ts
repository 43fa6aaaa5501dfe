/**
 * The container init: runs as the first process of the new namespaces
 * (entered by `unshare`), sets up the root filesystem and the process
 * environment, and execs the container's command, so no Node stays behind.
 * Reports its host pid, pty requests and setup errors on the channel.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parentMessages, send } from './channel.ts';
import { waitsForNetwork } from '../slirp/mode.ts';
import { mountRootfs } from '../fuse-overlay/rootfs.ts';
import { resolveUser } from './user.ts';
import { envValue, DEFAULT_PATH } from './env.ts';
import {
  mount, umount2, MNT_DETACH, MS, pivotRoot, sethostname, prctl, PR, setgroups, setresgid, setresuid,
  execve, clearCloexec, cloexecFrom, setsid, ioctlInt, TIOC, dup2, defaultSignals, linkUp,
} from '../sys/libc.ts';
import { describeError, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_TSPOD_FAILED, SyscallError, TspodError } from '../errors.ts';
import type { ContainerRecord } from '../storage/containers.ts';
import { ContainerLayout, layerLink } from '../storage/layout.ts';
import { logger } from '../log.ts';

const debug = logger('init');

/** docker's default capability set. */
export const DEFAULT_CAPS = [0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31];

function mkdirp(p: string, mode = 0o755): void {
  fs.mkdirSync(p, { recursive: true, mode });
}

/**
 * Resolves a container path to a host path below root, following symlinks as
 * if root were `/` (so nothing escapes it). Missing components are kept.
 */
export function resolveInRoot(root: string, p: string): string {
  const parts = p.split('/').filter(Boolean);
  let cur: string[] = [];
  let hops = 0;
  while (parts.length) {
    const name = parts.shift()!;
    if (name === '.') continue;
    if (name === '..') { cur.pop(); continue; }
    const host = path.join(root, ...cur, name);
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(host); } catch { /* missing */ }
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `resolving \`${p}\` in the container: too many symlinks`);
      const target = fs.readlinkSync(host);
      if (target.startsWith('/')) cur = [];
      parts.unshift(...target.split('/').filter(Boolean));
      continue;
    }
    cur.push(name);
  }
  return path.join(root, ...cur);
}

/** Creates a mount point inside root for a file or directory source. */
function mountPoint(root: string, dest: string, isDir: boolean): string {
  const target = resolveInRoot(root, dest);
  if (isDir) mkdirp(target);
  else {
    mkdirp(path.dirname(target));
    let st: fs.Stats | undefined;
    try { st = fs.lstatSync(target); } catch { /* missing */ }
    if (!st) fs.writeFileSync(target, '');
  }
  return target;
}

function bind(src: string, target: string, readOnly: boolean, recursive = true): void {
  mount(src, target, null, MS.BIND | (recursive ? MS.REC : 0), null);
  if (readOnly) {
    // Keep the flags the kernel locked (nosuid/nodev/noexec) when remounting read-only.
    for (const extra of [0, MS.NOSUID | MS.NODEV, MS.NOSUID | MS.NODEV | MS.NOEXEC, MS.NOSUID, MS.NODEV]) {
      try {
        mount(null, target, null, MS.BIND | MS.REMOUNT | MS.RDONLY | extra, null);
        return;
      } catch (err) {
        if (!(err instanceof SyscallError) || err.errnoName !== 'EPERM') throw err;
      }
    }
    throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `remounting \`${target}\` read-only: EPERM`);
  }
}

function setupDev(root: string): void {
  const dev = path.join(root, 'dev');
  mkdirp(dev);
  mount('tmpfs', dev, 'tmpfs', MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k');
  for (const name of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
    const target = path.join(dev, name);
    fs.writeFileSync(target, '');
    mount(`/dev/${name}`, target, null, MS.BIND, null);
  }
  mkdirp(path.join(dev, 'pts'));
  try {
    mount('devpts', path.join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  } catch {
    mount('devpts', path.join(dev, 'pts'), 'devpts', MS.NOSUID | MS.NOEXEC, 'newinstance,ptmxmode=0666,mode=0620');
  }
  fs.symlinkSync('pts/ptmx', path.join(dev, 'ptmx'));
  mkdirp(path.join(dev, 'shm'));
  mount('shm', path.join(dev, 'shm'), 'tmpfs', MS.NOSUID | MS.NODEV | MS.NOEXEC, 'mode=1777,size=65536k');
  mkdirp(path.join(dev, 'mqueue'));
  try {
    mount('mqueue', path.join(dev, 'mqueue'), 'mqueue', MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
  } catch (err) {
    debug('no /dev/mqueue: %s', (err as Error).message);
  }
  for (const [name, target] of [['fd', '/proc/self/fd'], ['stdin', '/proc/self/fd/0'], ['stdout', '/proc/self/fd/1'], ['stderr', '/proc/self/fd/2'], ['core', '/proc/kcore']]) {
    fs.symlinkSync(target, path.join(dev, name));
  }
}

function setupRootfs(storeRoot: string, layout: ContainerLayout, rec: ContainerRecord): string {
  const merged = layout.merged;
  const lowers = [...rec.layers].reverse().map(layerLink);
  if (!lowers.length) { mkdirp(layout.emptyLower); lowers.push(layout.emptyLower); }
  mountRootfs({ lowers, cwd: storeRoot, upper: layout.upper, work: layout.work, target: merged });
  const proc = path.join(merged, 'proc');
  mkdirp(proc);
  mount('proc', proc, 'proc', MS.NOSUID | MS.NODEV | MS.NOEXEC, null);
  setupDev(merged);
  const sys = path.join(merged, 'sys');
  mkdirp(sys);
  try {
    mount('sysfs', sys, 'sysfs', MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY, null);
  } catch {
    bind('/sys', sys, true); // no network namespace of our own: sysfs cannot be mounted, bind the host's read-only
  }
  for (const f of ['hostname', 'hosts', 'resolv.conf'] as const) {
    const dest = `/etc/${f}`;
    const host = resolveInRoot(merged, dest);
    try { if (fs.lstatSync(host).isSymbolicLink()) fs.unlinkSync(host); } catch { /* missing */ }
    bind(layout.etc(f), mountPoint(merged, dest, false), false, false);
  }
  for (const m of rec.hostConfig.mounts) {
    const isDir = fs.statSync(m.source).isDirectory();
    bind(m.source, mountPoint(merged, m.destination, isDir), m.readOnly);
  }
  if (rec.hostConfig.readOnly) mount(null, merged, null, MS.BIND | MS.REMOUNT | MS.RDONLY, null);
  return merged;
}

function enterRoot(merged: string): void {
  process.chdir(merged);
  pivotRoot('.', '.');
  umount2('.', MNT_DETACH);
  process.chdir('/');
}

/** The executable for argv0: a path as is, else searched in the container's PATH. */
function findExecutable(argv0: string, env: string[]): string {
  if (argv0.includes('/')) {
    if (!fs.existsSync(argv0)) throw new TspodError('ERR_TSPOD_COMMAND_NOT_FOUND', `exec: "${argv0}": stat ${argv0}: no such file or directory`, { exitCode: EXIT_NOT_FOUND });
    return argv0;
  }
  for (const dir of (envValue(env, 'PATH') ?? DEFAULT_PATH).split(':')) {
    const p = path.join(dir || '.', argv0);
    try {
      const st = fs.statSync(p);
      if (st.isFile() && (st.mode & 0o111)) return p;
    } catch { /* next */ }
  }
  throw new TspodError('ERR_TSPOD_COMMAND_NOT_FOUND', `exec: "${argv0}": executable file not found in $PATH`, { exitCode: EXIT_NOT_FOUND });
}

/** docker's wording and status for a failed execve: 127 when something is missing, else 126. */
function execError(file: string, err: SyscallError): TspodError {
  const what: Record<string, string> = { EACCES: 'permission denied', ENOEXEC: 'exec format error', ENOENT: 'no such file or directory' };
  const text = what[err.errnoName] ?? err.errnoName;
  if (err.errnoName === 'ENOENT') return new TspodError('ERR_TSPOD_COMMAND_NOT_FOUND', `exec: "${file}": ${text}`, { exitCode: EXIT_NOT_FOUND });
  return new TspodError('ERR_TSPOD_CANNOT_INVOKE', `exec: "${file}": ${text}`, { exitCode: EXIT_CANNOT_INVOKE });
}

function dropCapabilities(keep: number[]): void {
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  for (let cap = 0; cap <= last; cap++) {
    if (!keep.includes(cap)) prctl(PR.CAPBSET_DROP, cap);
  }
}

/** Whether `id` is mapped in this user namespace (uid_map or gid_map). */
function mapped(file: string, id: number): boolean {
  return fs.readFileSync(file, 'utf8').trim().split('\n').some((line) => {
    const [inner, , count] = line.trim().split(/\s+/).map(Number);
    return id >= inner && id < inner + count;
  });
}

function switchUser(user: { uid: number; gid: number; groups: number[] }): void {
  for (const [file, id, what] of [['/proc/self/uid_map', user.uid, 'uid'], ['/proc/self/gid_map', user.gid, 'gid']] as const) {
    if (!mapped(file, id)) {
      throw new TspodError('ERR_TSPOD_CONTAINER_SETUP',
        `${what} ${id} is not mapped in the user namespace: only ids 0..${mapSizeOf(file) - 1} exist (add a range for your user to /etc/subuid and /etc/subgid)`);
    }
  }
  if (fs.readFileSync('/proc/self/setgroups', 'utf8').trim() === 'allow') {
    setgroups(user.groups.filter((g) => mapped('/proc/self/gid_map', g)));
  }
  setresgid(user.gid);
  setresuid(user.uid);
}

function mapSizeOf(file: string): number {
  return fs.readFileSync(file, 'utf8').trim().split('\n').reduce((n, l) => n + Number(l.trim().split(/\s+/)[2]), 0);
}

function attachTty(n: number): void {
  const fd = fs.openSync(`/dev/pts/${n}`, fs.constants.O_RDWR);
  setsid();
  ioctlInt(fd, TIOC.SCTTY, 0);
  for (const target of [0, 1, 2]) dup2(fd, target);
  if (fd > 2) fs.closeSync(fd);
}

export function initMain(storeRoot: string, runRoot: string, id: string): never {
  const exit = EXIT_TSPOD_FAILED;
  try {
    const hostPid = Number(fs.readlinkSync('/proc/self'));
    send({ type: 'pid', pid: hostPid });
    const layout = new ContainerLayout(storeRoot, runRoot, id);
    const rec = JSON.parse(fs.readFileSync(layout.record, 'utf8')) as ContainerRecord;
    const merged = setupRootfs(storeRoot, layout, rec);
    const inbox = parentMessages();
    let ptyNumber = -1;
    if (rec.config.tty) {
      send({ type: 'ptmx', path: `/proc/${hostPid}/root${merged}/dev/pts/ptmx` });
      ptyNumber = inbox.expect('pty').n;
    }
    // The command starts with its network in place (a server can bind, a client can connect).
    if (waitsForNetwork(rec.hostConfig)) inbox.expect('net');
    // The container's own network namespace has its loopback up, as docker's (--network none too).
    if (rec.hostConfig.networkMode !== 'host' && !rec.hostConfig.networkMode.startsWith('container:')) linkUp('lo');
    enterRoot(merged);
    sethostname(rec.config.hostname);
    const read = (f: string) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };
    const user = resolveUser(rec.config.user, read('/etc/passwd'), read('/etc/group'));
    let env = rec.config.env;
    if (envValue(env, 'HOME') === undefined) env = [...env, `HOME=${user.home}`];
    const wd = rec.config.workingDir;
    mkdirp(wd);
    process.chdir(wd);
    const argv = [...rec.config.entrypoint, ...rec.config.cmd];
    const file = findExecutable(argv[0], env);
    if (ptyNumber >= 0) attachTty(ptyNumber);
    for (const fd of [0, 1, 2]) clearCloexec(fd);
    defaultSignals([os.constants.signals.SIGPIPE, os.constants.signals.SIGXFSZ]);
    cloexecFrom(3);
    dropCapabilities(DEFAULT_CAPS);
    prctl(PR.SET_NO_NEW_PRIVS, 1);
    switchUser(user);
    // After the credential change (which clears it): the container dies with its trampoline, so never outlives its monitor.
    prctl(PR.SET_PDEATHSIG, os.constants.signals.SIGKILL);
    try {
      execve(file, argv, env);
    } catch (err) {
      throw execError(file, err as SyscallError);
    }
  } catch (err) {
    const e = err instanceof TspodError ? err : new TspodError('ERR_TSPOD_CONTAINER_SETUP', describeError(err));
    const code = e.exitCode !== EXIT_TSPOD_FAILED ? e.exitCode : exit;
    try { send({ type: 'error', code: e.code, message: e.message, exit: code }); } catch { /* parent gone */ }
    process.exit(code);
  }
  process.exit(exit);
}
