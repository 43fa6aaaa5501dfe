/**
 * Thin wrappers over the libc calls Node does not offer, each named after the
 * syscall, made by tspod's addon (src/sys/addon.ts), which reads errno right
 * after each call. Every wrapper retries EINTR where that is safe and throws
 * SyscallError("<what>: ENAME").
 */
import os from 'node:os';
import { libcAddon } from './addon.ts';
import { SyscallError } from '../errors.ts';

const EINTR = 4;

const errnoNames = new Map<number, string>(
  Object.entries(os.constants.errno).map(([name, num]) => [num as number, name]),
);

export function errnoName(errno: number): string {
  return errnoNames.get(errno) ?? `errno ${errno}`;
}

/** The addon's result (-errno on failure) as a number >= 0, or SyscallError("<what>: ENAME"). */
function check(ret: number, what: () => string): number {
  if (ret < 0) throw new SyscallError(what(), -ret, errnoName(-ret));
  return ret;
}

export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, REMOUNT: 32, NOATIME: 1024, BIND: 4096,
  MOVE: 8192, REC: 16384, PRIVATE: 1 << 18, SLAVE: 1 << 19, STRICTATIME: 1 << 24,
} as const;

export function mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
  check(libcAddon().mount(source, target, fstype, flags, data), () => `mounting ${fstype ?? source ?? 'bind'} at \`${target}\``);
}


/**
 * chroot(2): from now on every path, absolute or relative, and every symlink
 * resolve inside `dir`. The cwd is left where it was: chdir('/') next
 * (process.chdir, which also resets Node's cached cwd).
 */
export function chroot(dir: string): void {
  check(libcAddon().chroot(dir), () => `changing root to \`${dir}\``);
}

export const S_IFCHR = 0o020000;
export function mknod(path: string, mode: number, dev: number): void {
  check(libcAddon().mknod(path, mode, dev), () => `creating node \`${path}\``);
}

export function lsetxattr(path: string, name: string, value: Buffer): void {
  check(libcAddon().lsetxattr(path, name, value), () => `setting xattr ${name} on \`${path}\``);
}

/** The value of an xattr, or undefined when it is not set. */
export function lgetxattr(path: string, name: string): Buffer | undefined {
  const buf = Buffer.alloc(256);
  const n = libcAddon().lgetxattr(path, name, buf);
  if (n < 0) return undefined;
  return buf.subarray(0, n);
}

/** TIOCSPTLCK with 0, then TIOCGPTN: unlocks a pty master and returns its number. */
export function unlockPty(masterFd: number): number {
  check(libcAddon().tiocsptlck(masterFd, 0), () => 'unlocking pty');
  return check(libcAddon().tiocgptn(masterFd), () => 'reading pty number');
}

export interface Winsize { rows: number; cols: number }
export function setWinsize(fd: number, size: Winsize): void {
  check(libcAddon().tiocswinsz(fd, size.rows, size.cols), () => 'setting window size');
}

export const LOCK = { SH: 1, EX: 2, NB: 4, UN: 8 } as const;
/** flock(2); with LOCK.NB returns false when held elsewhere. */
export function flock(fd: number, op: number): boolean {
  const r = libcAddon().flock(fd, op);
  if (r === 0) return true;
  const e = -r;
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
  const ends = libcAddon().pipe2(O_CLOEXEC);
  if (typeof ends === 'number') throw new SyscallError('creating a pipe', -ends, errnoName(-ends));
  return ends;
}
