/**
 * The one place koffi is loaded, lazily (most commands never need it). The
 * JavaScript half is bundled; the native addon is looked up next to the
 * running bundle (`<dir>/koffi/linux_x64/koffi.node`), then in node_modules;
 * the single executable extracts it from its assets to a per-user cache.
 */
import path from 'node:path';
import { extractedAssetDir } from './sea.ts';

type Koffi = typeof import('koffi');
let loaded: Koffi | undefined;

export function koffi(): Koffi {
  if (loaded) return loaded;
  // koffi's indirect entry searches process.resourcesPath for the addon.
  const proc = process as unknown as { resourcesPath?: string };
  proc.resourcesPath ??= process.env.TSPOD_RESOURCES ?? extractedAssetDir('koffi.node', 'koffi/linux_x64/koffi.node') ?? path.dirname(__filename);
  loaded = require('koffi/indirect') as Koffi;
  return loaded;
}
