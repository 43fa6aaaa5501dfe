/**
 * The one place koffi is loaded, lazily (most commands never need it). The
 * native addon is loaded from next to the running bundle
 * (`<dir>/koffi/linux_<arch>/koffi.node`, where the build puts it) or from
 * TSPOD_RESOURCES; the single executable extracts it from its assets to a
 * per-user cache. koffi's own JavaScript entry is not used: it only finds the
 * addon, and loads its build tool's modules (https, zlib) to do so, ~10 ms of
 * every command that takes the store lock.
 */
import path from 'node:path';
import { extractedAssetDir } from './sea.ts';
import { TspodError } from '../errors.ts';

type Koffi = typeof import('koffi');
let loaded: Koffi | undefined;

/** koffi's addon folder for each architecture tspod is built for (packaging/build.mjs has the same table). */
const ADDON_DIRS: Partial<Record<NodeJS.Architecture, string>> = { x64: 'linux_x64', arm64: 'linux_arm64' };

/** The addon folder for `arch`; other architectures are refused in one line. */
export function addonDir(arch: NodeJS.Architecture = process.arch): string {
  const dir = ADDON_DIRS[arch];
  if (!dir) throw new TspodError('ERR_TSPOD_UNSUPPORTED_ARCH', `tspod runs on x86_64 and aarch64 Linux; this machine is ${arch}`);
  return dir;
}

export function koffi(): Koffi {
  if (loaded) return loaded;
  const dir = process.env.TSPOD_RESOURCES ?? extractedAssetDir('koffi.node', `koffi/${addonDir()}/koffi.node`) ?? path.dirname(__filename);
  loaded = require(path.join(dir, 'koffi', addonDir(), 'koffi.node')) as Koffi;
  return loaded;
}
