/** How tspod re-executes itself for its internal entries (__unpack, __cp) and monitors. */
import fs from 'node:fs';
import path from 'node:path';
import { isSea } from './sea.ts';

const MAIN = 'tspod.cjs';
const MONITOR = 'monitor.cjs';

/** argv prefix that runs the main tspod: [node, bundle] or, packaged, [binary]. */
export function selfArgv(): string[] {
  if (isSea()) return [process.execPath];
  const script = process.argv[1];
  // A monitor runs from its own bundle; the main one sits beside it.
  if (path.basename(script) === MONITOR) return [process.execPath, path.join(path.dirname(script), MAIN)];
  return [process.execPath, script];
}

/** argv prefix of an internal entry with a bundle of its own, beside the main one (or selected by `entry` in the single executable). */
function entryArgv(bundleName: string, entry: string): string[] {
  const [exe, ...script] = selfArgv();
  if (script.length) {
    const bundle = path.join(path.dirname(script[0]), bundleName);
    if (fs.existsSync(bundle)) return [exe, bundle];
  }
  return [exe, ...script, entry];
}

/** argv that starts a container monitor: a small resident process. */
export const monitorArgv = () => entryArgv(MONITOR, '__monitor');
