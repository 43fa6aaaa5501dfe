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
  mount: Fn; chroot: Fn; mknod: Fn; lsetxattr: Fn; lgetxattr: Fn; ioctlPtr: Fn; ioctlWinsize: Fn; flock: Fn; pipe2: Fn;
}

let cached: Libc | undefined;
function lib(): Libc {
  if (cached) return cached;
  const k = koffi();
  const l = k.load('libc.so.6');
  const winsize = k.struct('tspod_winsize', { ws_row: 'uint16', ws_col: 'uint16', ws_xpixel: 'uint16', ws_ypixel: 'uint16' });
  cached = {
    mount: l.func('int mount(const char *src, const char *target, const char *fstype, unsigned long flags, const char *data)'),
    mknod: l.func('int mknod(const char *path, uint32_t mode, uint64_t dev)'),
    lgetxattr: l.func('long lgetxattr(const char *path, const char *name, _Out_ uint8_t *value, size_t size)'),
    lsetxattr: l.func('int lsetxattr(const char *path, const char *name, const void *value, size_t size, int flags)'),
    ioctlPtr: l.func('ioctl', 'int', ['int', 'unsigned long', k.out(k.pointer('int'))]) as unknown as Fn,
    ioctlWinsize: l.func('ioctl', 'int', ['int', 'unsigned long', k.pointer(winsize)]) as unknown as Fn,
    flock: l.func('int flock(int fd, int op)'),
    pipe2: l.func('int pipe2(_Out_ int *fds, int flags)'),
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


export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, NOATIME: 1024, BIND: 4096,
  MOVE: 8192, REC: 16384, PRIVATE: 1 << 18, SLAVE: 1 << 19, STRICTATIME: 1 << 24,
} as const;

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(lib().mount(source, target, fstype, flags, data), () => `mounting ${fstype ?? source ?? 'bind'} at \`${target}\``);
}


/**
 * chroot(2): from now on every path, absolute or relative, and every symlink
 * resolve inside `dir`. The cwd is left where it was: chdir('/') next
 * (process.chdir, which also resets Node's cached cwd).
 */
export function chroot(dir: string): void {
  check(lib().chroot(dir), () => `changing root to \`${dir}\``);
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

const TIOC = { SWINSZ: 0x5414, GPTN: 0x80045430, SPTLCK: 0x40045431 } as const;

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
