// The entry of the single executable: runs the CLI bundle, which travels as
// a SEA asset; its `require` can load files from disk, which the SEA's own
// require cannot (the extracted addon is loaded with process.dlopen).
//
// V8's code cache of the bundle travels beside it (asset `tspod.cjs.cache`):
// compiling the 1 MB bundle from source took ~25 ms of every command. The
// cache is made at build time by this same file run with the same Node binary
// (`node sea-main.cjs --make-code-cache BUNDLE OUT ARGS...`): it compiles the
// bundle exactly as below, runs it once with ARGS (`--help` loads every verb,
// so their modules' code is in the cache too) and writes the cache at exit.
// A cache V8 refuses (another Node, other flags) is ignored: the bundle is
// then compiled from source, as before.
'use strict';
const { Script } = require('node:vm');
const { createRequire } = require('node:module');
const path = require('node:path');

/** The bundle as a function of the CommonJS arguments: the same text at build and run time, so the cache fits. */
function compile(source, filename, cachedData) {
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source.replace(/^#!.*/, '')}\n})`;
  return new Script(wrapped, { filename, cachedData });
}

function run(script, filename) {
  const main = script.runInThisContext();
  const mod = { exports: {}, filename, id: '.', loaded: false };
  main.call(mod.exports, mod.exports, createRequire(process.execPath), mod, filename, path.dirname(filename));
}

const sea = require('node:sea');
if (sea.isSea()) {
  const filename = path.join(path.dirname(process.execPath), 'tspod.cjs');
  let cachedData;
  try { cachedData = Buffer.from(sea.getRawAsset('tspod.cjs.cache')); } catch { /* built without one */ }
  run(compile(sea.getAsset('tspod.cjs', 'utf8'), filename, cachedData), filename);
} else if (process.argv[2] === '--make-code-cache') {
  const fs = require('node:fs');
  const [bundle, out, ...args] = process.argv.slice(3);
  const filename = path.resolve(bundle);
  const script = compile(fs.readFileSync(filename, 'utf8'), filename);
  process.argv = [process.execPath, filename, ...args];
  // After the run, the cache holds the functions it compiled as well as the top level.
  process.on('exit', () => fs.writeFileSync(out, script.createCachedData()));
  run(script, filename);
}
