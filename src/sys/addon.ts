/**
 * The one place tspod's native addon (native/addon/libc.c, built by
 * `npm run build` to dist/libc.node) is loaded, lazily: most commands never
 * need it. It is found in TSPOD_RESOURCES (a directory, for tests), in the
 * per-user cache the single executable extracts it to from its assets, or
 * beside the bundle. Loaded with process.dlopen, which works the same in the
 * bundle and in the TypeScript sources run as ES modules (no `require`).
 */
import path from 'node:path';
import { extractedAssetDir } from './sea.ts';

/** What native/addon/libc.c exports: each returns the call's result, or -errno when it failed. */
export interface LibcAddon {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): number;
  chroot(dir: string): number;
  mknod(path: string, mode: number, dev: number): number;
  lsetxattr(path: string, name: string, value: Buffer): number;
  /** The value's length, written into `into`. */
  lgetxattr(path: string, name: string, into: Buffer): number;
  tiocsptlck(fd: number, lock: number): number;
  /** The pty's number. */
  tiocgptn(fd: number): number;
  tiocswinsz(fd: number, rows: number, cols: number): number;
  flock(fd: number, op: number): number;
  /** [read end, write end]. */
  pipe2(flags: number): [number, number] | number;
}

export const ADDON_FILE = 'libc.node';

let loaded: LibcAddon | undefined;

/** The addon at `file`. */
export function loadAddon(file: string): LibcAddon {
  const mod = { exports: {} };
  process.dlopen(mod, file);
  return mod.exports as LibcAddon;
}

export function libcAddon(): LibcAddon {
  if (loaded) return loaded;
  const dir = process.env.TSPOD_RESOURCES ?? extractedAssetDir(ADDON_FILE, ADDON_FILE) ?? path.dirname(__filename);
  loaded = loadAddon(path.join(dir, ADDON_FILE));
  return loaded;
}
