/** How tspod re-executes itself for its internal entries (__unpack, __init). */

/** argv prefix that runs this same tspod: [node, bundle] or, packaged, [binary]. */
export function selfArgv(): string[] {
  try {
    const sea = require('node:sea') as { isSea?: () => boolean };
    if (sea.isSea?.()) return [process.execPath];
  } catch { /* not a single executable */ }
  return [process.execPath, process.argv[1]];
}
