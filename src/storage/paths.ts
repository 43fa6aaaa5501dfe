/** Where a user's tspod data lives (XDG base directories, with fallbacks). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface StorePaths {
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

export function defaultPaths(env: NodeJS.ProcessEnv = process.env, statfsType?: (d: string) => number): StorePaths {
  const home = env.HOME || os.homedir();
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const configHome = env.XDG_CONFIG_HOME || path.join(home, '.config');
  const uid = process.getuid?.() ?? 0;
  const runtime = env.XDG_RUNTIME_DIR || path.join(os.tmpdir(), `tspod-run-${uid}`);
  const paths: StorePaths = {
    root: env.TSPOD_ROOT || path.join(dataHome, 'tspod'),
    run: env.TSPOD_RUNROOT || path.join(runtime, 'tspod'),
    configHome,
  };
  // A home on NFS cannot hold overlay upper dirs: unless the user chose the place, use a local one.
  if (!env.TSPOD_ROOT && !env.XDG_DATA_HOME) {
    const filesystem = networkFilesystem(paths.root, statfsType);
    if (filesystem) return { ...paths, root: path.join('/var/tmp', `tspod-${uid}`, 'storage'), relocatedFrom: { root: paths.root, filesystem } };
  }
  return paths;
}
