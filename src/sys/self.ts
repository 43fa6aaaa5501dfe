/** How tspod re-executes itself for its internal entries (__init, __unpack, __cp) and monitors. */
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

/**
 * argv that starts a container monitor: its own small bundle when there is
 * one (the single executable carries it as an asset: `__monitor` selects it).
 */
export function monitorArgv(): string[] {
  const [exe, ...script] = selfArgv();
  if (script.length) {
    const bundle = path.join(path.dirname(script[0]), MONITOR);
    if (fs.existsSync(bundle)) return [exe, bundle];
  }
  return [exe, ...script, '__monitor'];
}
