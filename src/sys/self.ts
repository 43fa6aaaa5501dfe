/** How tspod re-executes itself for its internal entries (__unpack, __cp, __health, __cleanup). */
import { isSea } from './sea.ts';

/** argv prefix that runs the main tspod: [node, bundle] or, packaged, [binary]. */
export function selfArgv(): string[] {
  if (isSea()) return [process.execPath];
  return [process.execPath, process.argv[1]];
}
