/**
 * Thin wrappers over the libc calls Node does not offer, each named after the
 * syscall. Every wrapper reads errno at once, retries EINTR where that is safe,
 * and throws SyscallError("<what>: ENAME").
 */
import os from 'node:os';
import { koffi } from './koffi.ts';
import { SyscallError } from '../errors.ts';

const EINTR = 4;

const errnoNames = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, num]) => [num as number, name]),
);

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

type Fn = (...args: any[]) => any;
interface Libc {
  mount: Fn; umount2: Fn; syscall3: Fn; sethostname: Fn; prctl: Fn; setresuid: Fn; setresgid: Fn;
  setgroups: Fn; execve: Fn; fcntl: Fn; mknod: Fn; lsetxattr: Fn; ioctlInt: Fn; ioctlPtr: Fn; ioctlWinsize: Fn;
  setsid: Fn; flock: Fn; signal: Fn; lgetxattr: Fn; dup2: Fn; pipe2: Fn; socket: Fn; close: Fn; ioctlBuf: Fn;
  chroot: Fn;
}

let cached: Libc | undefined;
function lib(): Libc {
  if (cached) return cached;
  const k = koffi();
  const l = k.load('libc.so.6');
  const winsize = k.struct('tspod_winsize', { ws_row: 'uint16', ws_col: 'uint16', ws_xpixel: 'uint16', ws_ypixel: 'uint16' });
  cached = {
    mount: l.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    umount2: l.func('int umount2(const char *target, int flags)'),
    syscall3: l.func('long syscall(long nr, ...)'),
    sethostname: l.func('int sethostname(const char *name, size_t len)'),
    prctl: l.func('int prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5)'),
    setresuid: l.func('int setresuid(uint32_t r, uint32_t e, uint32_t s)'),
    setresgid: l.func('int setresgid(uint32_t r, uint32_t e, uint32_t s)'),
    setgroups: l.func('int setgroups(size_t n, const uint32_t *list)'),
    execve: l.func('int execve(const char *path, const char **argv, const char **envp)'),
    fcntl: l.func('int fcntl(int fd, int cmd, int arg)'),
    mknod: l.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lgetxattr: l.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    lsetxattr: l.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    ioctlInt: l.func('ioctl', 'int', ['int', 'unsigned long', 'int']) as unknown as Fn,
    ioctlPtr: l.func('ioctl', 'int', ['int', 'unsigned long', k.out(k.pointer('int'))]) as unknown as Fn,
    ioctlWinsize: l.func('ioctl', 'int', ['int', 'unsigned long', k.pointer(winsize)]) as unknown as Fn,
    setsid: l.func('int setsid()'),
    signal: l.func('intptr_t signal(int sig, intptr_t handler)'),
    flock: l.func('int flock(int fd, int op)'),
    dup2: l.func('int dup2(int from, int to)'),
    pipe2: l.func('int pipe2(_Out_ int *fds, int flags)'),
    socket: l.func('int socket(int domain, int type, int protocol)'),
    close: l.func('int close(int fd)'),
    ioctlBuf: l.func('ioctl', 'int', ['int', 'unsigned long', 'void *']) as unknown as Fn,
    chroot: l.func('int chroot(const char *path)'),
  };
  return cached;
}

function check(ret: number | bigint, what: () => string): number {
  const n = Number(ret);
  if (n < 0) {
    const e = koffi().errno();
    throw new SyscallError(what(), e, errnoName(e));
  }
  return n;
}

/** Calls fn, retrying while it fails with EINTR. */
function retry(fn: () => number | bigint, what: () => string): number {
  for (;;) {
    const r = Number(fn());
    if (r >= 0) return r;
    const e = koffi().errno();
    if (e === EINTR) continue;
    throw new SyscallError(what(), e, errnoName(e));
  }
}

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, NOATIME: 1024, BIND: 4096,
  MOVE: 8192, REC: 16384, PRIVATE: 1 << 18, SLAVE: 1 << 19, STRICTATIME: 1 << 24,
} as const;

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(lib().mount(source, target, fstype, flags, data), () => `mounting ${fstype ?? source ?? 'bind'} at \`${target}\``);
}

export function umount2(target: string, flags: number): void {
  check(lib().umount2(target, flags), () => `unmounting \`${target}\``);
}
export const MNT_DETACH = 2;

/**
 * chroot(2): from now on every path, absolute or relative, and every symlink
 * resolve inside `dir`. The cwd is left where it was: chdir('/') next
 * (process.chdir, which also resets Node's cached cwd).
 */
export function chroot(dir: string): void {
  check(lib().chroot(dir), () => `changing root to \`${dir}\``);
}

const SYS_PIVOT_ROOT = 155;
const SYS_CLOSE_RANGE = 436;

export function pivotRoot(newRoot: string, putOld: string): void {
  check(lib().syscall3(SYS_PIVOT_ROOT, 'str', newRoot, 'str', putOld), () => `pivot_root to \`${newRoot}\``);
}

/** Marks every fd >= first close-on-exec (close_range with CLOSE_RANGE_CLOEXEC). */
export function cloexecFrom(first: number): void {
  const CLOSE_RANGE_CLOEXEC = 4;
  check(lib().syscall3(SYS_CLOSE_RANGE, 'uint', first, 'uint', 0xffffffff, 'uint', CLOSE_RANGE_CLOEXEC), () => 'close_range');
}

export function sethostname(name: string): void {
  check(lib().sethostname(name, Buffer.byteLength(name)), () => `setting hostname \`${name}\``);
}

export const PR = { SET_NO_NEW_PRIVS: 38, CAPBSET_DROP: 24, CAPBSET_READ: 23, SET_PDEATHSIG: 1 } as const;

export function prctl(option: number, a2 = 0, a3 = 0): number {
  return check(lib().prctl(option, a2, a3, 0, 0), () => `prctl(${option})`);
}

export function setresuid(uid: number): void {
  check(lib().setresuid(uid, uid, uid), () => `setting uid ${uid}`);
}
export function setresgid(gid: number): void {
  check(lib().setresgid(gid, gid, gid), () => `setting gid ${gid}`);
}
export function setgroups(gids: number[]): void {
  check(lib().setgroups(gids.length, gids.length ? gids : null), () => `setting groups ${gids.join(',')}`);
}

/** Replaces the process image; returns only by throwing. */
export function execve(file: string, argv: string[], env: string[]): never {
  lib().execve(file, [...argv, null], [...env, null]);
  const e = koffi().errno();
  throw new SyscallError(`exec \`${file}\``, e, errnoName(e));
}

const F_SETFD = 2;
/** Clears FD_CLOEXEC so the fd survives execve (Node sets it on its stdio). */
export function clearCloexec(fd: number): void {
  check(lib().fcntl(fd, F_SETFD, 0), () => `fcntl(${fd}, F_SETFD)`);
}

export const S_IFCHR = 0o020000;
export function mknod(path: string, mode: number, dev: number): void {
  check(lib().mknod(path, mode, dev), () => `creating node \`${path}\``);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(lib().lsetxattr(path, name, value, value.length, 0), () => `setting xattr ${name} on \`${path}\``);
}

/** The value of an xattr, or undefined when it is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(256);
  const n = Number(lib().lgetxattr(path, name, buf, buf.length));
  if (n < 0) return undefined;
  return buf.subarray(0, n);
}

export const TIOC = { SCTTY: 0x540e, SWINSZ: 0x5414, GWINSZ: 0x5413, GPTN: 0x80045430, SPTLCK: 0x40045431 } as const;

export function ioctlInt(fd: number, req: number, arg: number): void {
  check(lib().ioctlInt(fd, req, arg), () => `ioctl(${fd}, 0x${req.toString(16)})`);
}

/** TIOCSPTLCK with 0, then TIOCGPTN: unlocks a pty master and returns its number. */
export function unlockPty(masterFd: number): number {
  const zero = [0];
  check(lib().ioctlPtr(masterFd, TIOC.SPTLCK, zero), () => 'unlocking pty');
  const out = [0];
  check(lib().ioctlPtr(masterFd, TIOC.GPTN, out), () => 'reading pty number');
  return out[0];
}

export interface Winsize { rows: number; cols: number }
export function setWinsize(fd: number, size: Winsize): void {
  check(lib().ioctlWinsize(fd, TIOC.SWINSZ, { ws_row: size.rows, ws_col: size.cols, ws_xpixel: 0, ws_ypixel: 0 }), () => 'setting window size');
}

export function setsid(): void {
  check(lib().setsid(), () => 'setsid');
}

export const LOCK = { SH: 1, EX: 2, NB: 4, UN: 8 } as const;
/** flock(2); with LOCK.NB returns false when held elsewhere. */
export function flock(fd: number, op: number): boolean {
  const r = Number(lib().flock(fd, op));
  if (r === 0) return true;
  const e = koffi().errno();
  if (e === os.constants.errno.EWOULDBLOCK) return false;
  if (e === EINTR) return flock(fd, op);
  throw new SyscallError('flock', e, errnoName(e));
}

/** Restores the default action of signals (Node ignores SIGPIPE and SIGXFSZ; exec keeps ignored ones). */
export function defaultSignals(signals: number[]): void {
  for (const sig of signals) lib().signal(sig, 0);
}

export function dup2(from: number, to: number): void {
  retry(() => lib().dup2(from, to), () => `dup2(${from}, ${to})`);
}

const O_CLOEXEC = 0o2000000;

/**
 * A real pipe (not the Unix socketpair Node's 'pipe' stdio is): a process
 * given one can open /dev/stdout. Both ends close-on-exec; [read, write].
 */
export function pipe2(): [number, number] {
  const fds = new Int32Array([-1, -1]);
  check(lib().pipe2(fds, O_CLOEXEC), () => 'creating a pipe');
  return [fds[0], fds[1]];
}

const AF_INET = 2;
const SOCK_DGRAM_CLOEXEC = 2 | 0o2000000;
const SIOCGIFFLAGS = 0x8913;
const SIOCSIFFLAGS = 0x8914;
const IFF_UP = 1;

/** `ip link set NAME up` through SIOCSIFFLAGS (struct ifreq: 16-byte name, then the flags). */
export function linkUp(name: string): void {
  const fd = check(lib().socket(AF_INET, SOCK_DGRAM_CLOEXEC, 0), () => `opening a socket to bring \`${name}\` up`);
  try {
    const ifreq = Buffer.alloc(40);
    ifreq.write(name, 0, 15);
    check(lib().ioctlBuf(fd, SIOCGIFFLAGS, ifreq), () => `reading the flags of \`${name}\``);
    ifreq.writeUInt16LE(ifreq.readUInt16LE(16) | IFF_UP, 16);
    check(lib().ioctlBuf(fd, SIOCSIFFLAGS, ifreq), () => `bringing \`${name}\` up`);
  } finally {
    lib().close(fd);
  }
}
