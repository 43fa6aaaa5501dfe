/**
 * The two halves of `cp` share this file: docker's destination rules (pure),
 * packing and unpacking a tar stream, and the copier itself — the `__cp`
 * helper that runs in the container's user namespace, chroots into the
 * container root and only then touches a path. After the chroot every path
 * and every symlink, absolute or relative, resolves inside the container:
 * nothing of the host is reachable by name (buildah's copier works the same
 * way). Data crosses as a tar stream on the helper's stdin or stdout; what it
 * has to say goes as JSON lines on fd 3.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { chroot } from '../sys/libc.ts';
import { mountRootfs, type RootfsSpec } from '../fuse-overlay/rootfs.ts';
import { describeError, TspodError, type ErrorCode, UsageError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('cp');

/** What a copy's tar stream holds at its top. */
export interface Source {
  /** Name of the top-level entry: the source's basename, or `.` for a directory's contents (`SRC/.`). */
  name: string;
  dir: boolean;
}

/** A destination as found: the path as given (a trailing `/` asserts a directory), symlinks followed. */
export interface Dest {
  path: string;
  kind: 'missing' | 'dir' | 'other';
  /** Whether the parent is an existing directory (matters only when kind is missing). */
  parentIsDir: boolean;
}

/** Where to unpack: into `dir`, the top-level entry renamed to `rename` when set. */
export interface Placement { dir: string; rename?: string }

const usage = (msg: string) => new UsageError(msg);

/** Whether a path says it must be a directory (`dir/`, `dir/.`). */
export const assertsDir = (p: string) => p.endsWith('/') || p.endsWith('/.');

/**
 * docker's rules. A file: to a missing DEST it is written as DEST (the parent
 * must exist, and DEST must not end with `/`), into an existing directory as
 * DEST/name, over an existing file. A directory: a missing DEST (its parent
 * existing) is created with the source's contents; into an existing directory as
 * DEST/name (`SRC/.`: its contents merged into DEST); never onto a file.
 * `source` undefined is a user's tar stream (`cp -`): DEST must be a directory.
 */
export function placement(source: Source | undefined, dest: Dest): Placement {
  const where = `\`${dest.path}\``;
  if (!source) {
    if (dest.kind !== 'dir') throw usage(`extracting a tar stream to ${where}: ${dest.kind === 'missing' ? 'no such directory' : 'not a directory'}`);
    return { dir: dest.path };
  }
  if (dest.kind === 'dir') return { dir: dest.path };
  if (dest.kind === 'other' && source.dir) throw usage(`copying a directory to ${where}: cannot copy a directory onto a file`);
  if (dest.kind === 'other' && assertsDir(dest.path)) throw usage(`copying to ${where}: not a directory`);
  if (!source.dir && assertsDir(dest.path)) throw usage(`copying to ${where}: no such directory`);
  const bare = dest.path.replace(/\/\.?$/, '');
  if (dest.kind === 'missing' && !dest.parentIsDir) throw usage(`copying to ${where}: no such directory \`${path.posix.dirname(bare)}\``);
  const rename = path.posix.basename(bare);
  return { dir: path.posix.dirname(bare), rename: rename === source.name ? undefined : rename };
}

/** `from` (a tar entry name's first part) replaced by `to`: `tree/sub/f` → `new/sub/f`, `./a` → `new/a`. */
export function renamed(entryPath: string, from: string, to: string): string {
  const p = from === '.' ? entryPath.replace(/^\.(\/|$)/, '') : entryPath;
  if (from === '.') return p ? `${to}/${p}` : `${to}/`;
  if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
  return p;
}

const MAX_LINKS = 40;

/** Follows symlinks at `p` itself (as docker does for a destination), relative ones from their directory. */
function followLinks(p: string): string {
  for (let i = 0; i < MAX_LINKS; i++) {
    let target: string;
    try {
      if (!fs.lstatSync(p).isSymbolicLink()) return p;
      target = fs.readlinkSync(p);
    } catch {
      return p;
    }
    p = path.resolve(path.dirname(p), target);
  }
  throw usage(`resolving \`${p}\`: too many levels of symbolic links`);
}

function kindOf(p: string): Dest['kind'] {
  try {
    return fs.statSync(p).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw usage(`reading \`${p}\`: ${code}`);
  }
}

/** The destination `p` as docker sees it: a symlink there is followed; a trailing `/` is kept. */
export function findDest(p: string): Dest {
  const slash = assertsDir(p) ? '/' : '';
  const bare = p.replace(/\/\.$/, '/').replace(/(.)\/+$/, '$1');
  const resolved = assertsDir(p) ? bare : followLinks(bare);
  const kind = kindOf(resolved);
  const parentIsDir = kind === 'missing' && kindOf(path.dirname(resolved)) === 'dir';
  return { path: kind === 'missing' ? resolved + slash : resolved, kind, parentIsDir };
}

/** How to pack a source: `entry` from `cwd`, named `prefix` in the stream when set. */
export interface Packing extends Source { cwd: string; entry: string; prefix?: string }

/**
 * The source `p` (absolute): `SRC/.` is its contents; a final symlink is
 * copied as a link, unless `SRC/` asks for the directory it points to.
 */
export function findSource(p: string, where: string): Packing {
  const contents = p.endsWith('/.') || p === '/';
  const bare = contents ? p.replace(/\/?\.$/, '') || '/' : p.replace(/(.)\/+$/, '$1');
  const follow = contents || assertsDir(p);
  let st: fs.Stats;
  try {
    st = follow ? fs.statSync(bare) : fs.lstatSync(bare);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw usage(code === 'ENOENT' || code === 'ENOTDIR' ? `could not find \`${p}\` ${where}` : `reading \`${p}\` ${where}: ${code}`);
  }
  if (follow && !st.isDirectory()) throw usage(`copying \`${p}\` ${where}: not a directory`);
  if (contents) return { name: '.', dir: true, cwd: bare, entry: '.' };
  const name = path.basename(bare);
  if (follow && fs.lstatSync(bare).isSymbolicLink()) return { name, dir: true, cwd: fs.realpathSync(bare), entry: '.', prefix: name };
  return { name, dir: st.isDirectory(), cwd: path.dirname(bare), entry: name };
}

/** A tar stream of `source`; rejects, after the stream ends, if an entry could not be read. */
export async function pack(source: Packing, out: Writable, opts: { skipKernelFs?: boolean } = {}): Promise<void> {
  const errors: string[] = [];
  const stream = tar.c({
    cwd: source.cwd,
    prefix: source.prefix,
    // A container's /proc and /sys are its kernel's view, not its files (docker reads the rootfs, without them).
    filter: (p) => !(opts.skipKernelFs && /^\/(proc|sys)\/./.test(path.resolve(source.cwd, p))),
    onwarn: (code, message) => {
      if (code === 'TAR_ENTRY_UNSUPPORTED') debug('skipped %s', message);
      else if (code !== 'TAR_ENTRY_INFO') errors.push(String(message));
    },
  }, [source.entry]);
  await pipeline(stream as unknown as Readable, out);
  if (errors.length) throw usage(`packing \`${path.join(source.cwd, source.entry)}\`: ${errors[0]}`);
}

/** A tar entry name inside the destination: `..` nowhere, a leading `/` dropped (as node-tar and docker do). */
function insideName(name: string): string | undefined {
  const rel = name.replace(/^\/+/, '');
  return rel.split('/').includes('..') ? undefined : rel;
}

/** `name` (relative to `top`) when nothing on the way below `top` is a symlink: where the extractor itself wrote. */
function reached(top: string, name: string): string | undefined {
  const rel = insideName(name);
  if (rel === undefined) return undefined;
  const file = path.join(top, rel);
  try {
    return fs.realpathSync(path.dirname(file)) === path.dirname(file) ? file : undefined;
  } catch {
    return undefined;
  }
}

export interface UnpackOptions {
  /**
   * This process is chrooted into the container, whose root is then the
   * boundary: symlinks in the container are followed as docker follows them
   * (a link from /lib to usr/lib takes a `lib/x` entry into /usr/lib), and
   * `/` can be the destination (node-tar's own path checks refuse both).
   * Entry names are still kept inside the destination here.
   */
  chrooted?: boolean;
}

/**
 * Unpacks a tar stream into `where.dir`: no entry lands outside it (`..`
 * and absolute names), and, on the host, nothing is written through a
 * symlink (node-tar's defaults). Files belong to the unpacking process (the
 * container's root, or the user on the host); modes and mtimes are the
 * archive's; symlinks keep their targets as they are; devices and fifos are
 * skipped. Rejects after the stream ends if an entry could not be written.
 */
export async function unpack(input: Readable, where: Placement, source: Source | undefined, opts: UnpackOptions = {}): Promise<void> {
  const errors: string[] = [];
  const files: Array<[string, number]> = [];
  // node-tar rewrites absolute link targets and refuses ones that climb out of the destination:
  // on the host each link is made with a stand-in target first and given its own once all is written.
  const links: Array<{ name: string; target: string; standIn: string }> = [];
  const rename = source && where.rename !== undefined ? { from: source.name, to: where.rename } : undefined;
  const umask = process.umask(0o22);
  process.umask(umask);
  const stream = tar.x({
    cwd: where.dir,
    preservePaths: !!opts.chrooted,
    preserveOwner: false,
    // Directories made with the archive's modes, whatever the umask (files: below).
    chmod: true,
    processUmask: umask,
    filter: (p, entry) => {
      // The destination directory itself keeps its mode and times, as docker's `.` entry.
      if (rename?.from !== '.' && p.replace(/^(\.\/)+/, '').replace(/^\.\/?$/, '') === '') return false;
      const link = 'linkpath' in entry && entry.type === 'Link' ? String(entry.linkpath) : '';
      if (insideName(p) === undefined || (link && insideName(link) === undefined)) {
        errors.push(`${p}${link ? ` (a hard link to ${link})` : ''}: outside the destination`);
        return false;
      }
      return true;
    },
    onReadEntry: (entry) => {
      if (rename) {
        entry.path = renamed(entry.path, rename.from, rename.to);
        if (entry.type === 'Link' && entry.linkpath) entry.linkpath = renamed(entry.linkpath, rename.from, rename.to);
      }
      if (opts.chrooted) {
        entry.path = insideName(entry.path)!;
        if (entry.type === 'Link' && entry.linkpath) entry.linkpath = insideName(entry.linkpath)!;
      } else if (entry.type === 'SymbolicLink' && entry.linkpath !== undefined) {
        const standIn = `tspod-cp-pending-link-${links.length}`;
        links.push({ name: entry.path, target: entry.linkpath, standIn });
        entry.linkpath = standIn;
      }
      if ((entry.type === 'File' || entry.type === 'OldFile') && typeof entry.mode === 'number') files.push([entry.path, entry.mode & 0o7777]);
    },
    onwarn: (code, message) => {
      if (code === 'TAR_ENTRY_UNSUPPORTED') debug('skipped %s', message);
      else if (code !== 'TAR_ENTRY_INFO') errors.push(String(message));
    },
  });
  await pipeline(input, stream as unknown as Writable);
  const top = fs.realpathSync(where.dir);
  for (const { name, target, standIn } of links) {
    const file = reached(top, name);
    try {
      if (file && fs.readlinkSync(file) === standIn) {
        fs.unlinkSync(file);
        fs.symlinkSync(target, file);
      }
    } catch (err) {
      errors.push(`${name}: ${describeError(err)}`);
    }
  }
  // node-tar rewrites an existing file in place and keeps its mode; docker gives the archive's.
  for (const [name, mode] of files) {
    const file = reached(top, name);
    const st = file ? fs.lstatSync(file, { throwIfNoEntry: false }) : undefined;
    if (file && st?.isFile() && (st.mode & 0o7777) !== mode) fs.chmodSync(file, mode);
  }
  if (errors.length) throw usage(`extracting into \`${where.dir}\`: ${errors[0]}`);
}

// ---- the copier: the half that runs in the container's user namespace ----

/** What the copier is asked to do (JSON in its argv). */
export interface CopierJob {
  /** pack: the container path to stdout; unpack: stdin into the container path. */
  op: 'pack' | 'unpack';
  path: string;
  /** unpack: what the stream holds; absent for a user's tar stream (`cp -`). */
  source?: Source;
  /** The container root: /proc/PID/root of a running container... */
  root?: string;
  /** ...or, for a stopped one, its rootfs to mount (in the copier's own mount namespace). */
  mount?: RootfsSpec;
}

/** One line on fd 3: ready (with what will be sent), done, or the error that stopped the copy. */
export type CopierMessage =
  | { ready: { source?: Source } }
  | { done: true }
  | { error: { code: ErrorCode; message: string } };

/** The fd the copier reports on. */
export const COPIER_FD = 3;

function report(msg: CopierMessage): void {
  fs.writeSync(COPIER_FD, `${JSON.stringify(msg)}\n`);
}

/** The `__cp` entry: mounts the rootfs if asked, chroots into it, then packs or unpacks. */
export async function copierMain(job: CopierJob): Promise<void> {
  try {
    let root = job.root;
    if (job.mount) {
      mountRootfs(job.mount);
      root = job.mount.target;
    }
    if (!root) throw usage('copier: no container root');
    // Everything loaded by now (the libc addon comes with chroot itself); from here on `/` is the container's.
    chroot(root);
    process.chdir('/');
    process.umask(0);
    delete process.env.USER; // node-tar names entries of its own uid after $USER, the host user's name: ids only
    const inContainer = path.posix.resolve('/', job.path);
    if (job.op === 'pack') {
      const source = findSource(job.path.startsWith('/') ? job.path : `/${job.path}`, 'in the container');
      report({ ready: { source: { name: source.name, dir: source.dir } } });
      await pack(source, process.stdout, { skipKernelFs: true });
    } else {
      const where = placement(job.source, findDest(assertsDir(job.path) ? `${inContainer}/` : inContainer));
      report({ ready: {} });
      await unpack(process.stdin, where, job.source, { chrooted: true });
    }
    report({ done: true });
  } catch (err) {
    const ours = err instanceof TspodError;
    const message = ours ? err.message : `copying ${job.op === 'pack' ? 'from' : 'to'} \`${job.path}\` in the container: ${describeError(err)}`;
    report({ error: { code: ours ? err.code : 'ERR_TSPOD_USAGE', message } });
    process.exitCode = 1;
  }
}
