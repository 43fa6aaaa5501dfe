/** Where a user's tspod data lives (XDG base directories, with fallbacks). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TspodError } from '../errors.ts';

/** Where the user pointed tspod (`--root`, `--runroot`); unset means the XDG defaults. */
export interface PathOptions { root?: string; runroot?: string }

export interface StorePaths {
  /** Where the per-boot directory `run` sits when XDG_RUNTIME_DIR is unset: tspod makes it, private. */
  runBase?: string;
  /** XDG_RUNTIME_DIR when `run` is under it (checked to be the user's own before use). */
  xdgRuntimeDir?: string;
  /** Images, layers, containers: $XDG_DATA_HOME/tspod. */
  root: string;
  /** Per-boot state: $XDG_RUNTIME_DIR/tspod, or a private dir under /tmp. */
  run: string;
  /** User configuration: $XDG_CONFIG_HOME. */
  configHome: string;
  /** Set when the usual data root is on a network filesystem and `root` is a local stand-in. */
  relocatedFrom?: { root: string; filesystem: string };
}

/** statfs magic numbers of filesystems that cannot hold overlay upper directories. */
const NETWORK_FS: Record<number, string> = { 0x6969: 'NFS', 0xff534d42: 'CIFS', 0xfe534d42: 'SMB2' };

/** The network filesystem `dir` (or its nearest existing parent) sits on, if any. */
export function networkFilesystem(dir: string, statfsType?: (d: string) => number): string | undefined {
  let d = dir;
  while (!fs.existsSync(d) && d !== path.dirname(d)) d = path.dirname(d);
  try {
    return NETWORK_FS[(statfsType ?? ((x: string) => fs.statfsSync(x).type))(d)];
  } catch {
    return undefined;
  }
}

/** The store's places: the user's choices (`opts`), else the XDG directories of `env`, else fallbacks. */
export function defaultPaths(opts: PathOptions = {}, env: NodeJS.ProcessEnv = process.env, statfsType?: (d: string) => number): StorePaths {
  const home = env.HOME || os.homedir();
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const uid = process.getuid?.() ?? 0;
  const runBase = env.XDG_RUNTIME_DIR ? undefined : path.join(os.tmpdir(), `tspod-run-${uid}`);
  const paths: StorePaths = {
    root: opts.root || path.join(dataHome, 'tspod'),
    run: opts.runroot || path.join(env.XDG_RUNTIME_DIR || runBase!, 'tspod'),
    configHome,
    ...(opts.runroot ? {} : env.XDG_RUNTIME_DIR ? { xdgRuntimeDir: env.XDG_RUNTIME_DIR } : { runBase }),
  };
  // A home on NFS cannot hold overlay upper dirs: unless the user chose the place, use a local one.
  if (!opts.root && !env.XDG_DATA_HOME) {
    const filesystem = networkFilesystem(paths.root, statfsType);
    if (filesystem) return { ...paths, root: path.join('/var/tmp', `tspod-${uid}`, 'storage'), relocatedFrom: { root: paths.root, filesystem } };
  }
  return paths;
}

function refuse(dir: string, why: string): never {
  throw new TspodError('ERR_TSPOD_RUNTIME_DIR',
    `runtime directory \`${dir}\` ${why}: it holds your containers' sockets and pids, so it must be yours alone; remove it or set XDG_RUNTIME_DIR to a private directory`);
}

/**
 * Makes `dir` (mode 0700) unless it exists, then checks it is really the
 * user's own: a directory, not a symlink, owned by the user, writable by
 * nobody else (and, when `strict`, not even readable by anyone else).
 */
export function ensurePrivateDir(dir: string, strict: boolean, uid = process.getuid?.() ?? 0): void {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw new TspodError('ERR_TSPOD_RUNTIME_DIR', `creating runtime directory \`${dir}\`: ${code}`);
  }
  const st = fs.lstatSync(dir);
  if (st.isSymbolicLink()) refuse(dir, 'is a symbolic link');
  if (!st.isDirectory()) refuse(dir, 'is not a directory');
  if (st.uid !== uid) refuse(dir, `is owned by uid ${st.uid}, not by you (uid ${uid})`);
  const open = st.mode & (strict ? 0o077 : 0o022);
  if (open) refuse(dir, `has mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')} (open to other users)`);
}

/** Verifies (and makes) the per-boot directories before any use. */
export function ensureRunDirs(paths: StorePaths): void {
  if (paths.runBase) ensurePrivateDir(paths.runBase, true);
  else if (paths.xdgRuntimeDir) ensurePrivateDir(paths.xdgRuntimeDir, false);
  ensurePrivateDir(paths.run, true);
}
