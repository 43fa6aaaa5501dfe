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

/**
 * The command's own code cache. The one built in comes from `--help`: it has
 * every module's top level but only the functions `--help` ran, so a `run`
 * still compiled ~8 ms of functions on every start. As Node's own compile
 * cache does (NODE_COMPILE_CACHE), the first time a verb runs here its code
 * cache — now holding what that verb ran — is written to the user's cache
 * (~/.cache/tspod/code/<bundle digest>/<verb>.bin, beside the extracted
 * assets), and later starts of that verb use it. A file V8 refuses (another
 * Node, other flags, damaged) is ignored and written again; the key is the
 * verb as typed, and nothing is written for a usage error (exit 125), so
 * only real verbs get a file.
 */
const GLOBAL_VALUE_FLAGS = new Set(['--root', '--runroot', '--log-level']);
const GROUPS = new Set(['container', 'image', 'network', 'volume', 'system', 'builder', 'buildx']);
const WORD = /^[a-z_][a-z0-9_-]{0,31}$/;

function verbKey(argv) {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-') && argv[i] !== '-') i += GLOBAL_VALUE_FLAGS.has(argv[i]) ? 2 : 1;
  const [first, second] = [argv[i], argv[i + 1]];
  if (!first || !WORD.test(first)) return undefined;
  return GROUPS.has(first) && second && WORD.test(second) ? `${first}-${second}` : first;
}

function userCacheFile(digest, key) {
  const os = require('node:os');
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return digest && key ? path.join(base, 'tspod', 'code', digest, `${key}.bin`) : undefined;
}

/** Writes the cache atomically at exit; other builds' caches go once they are an hour old. */
function saveAtExit(script, file) {
  const fs = require('node:fs');
  process.on('exit', (code) => {
    if (code === 125) return;
    try {
      const dir = path.dirname(file);
      if (!fs.existsSync(dir)) {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        for (const other of fs.readdirSync(path.dirname(dir))) {
          const old = path.join(path.dirname(dir), other);
          if (other !== path.basename(dir) && Date.now() - fs.statSync(old).mtimeMs > 3600000) fs.rmSync(old, { recursive: true, force: true });
        }
      }
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
      fs.renameSync(tmp, file);
    } catch { /* a cache is never worth failing a command */ }
  });
}

const sea = require('node:sea');
if (sea.isSea()) {
  const filename = path.join(path.dirname(process.execPath), 'tspod.cjs');
  let digest;
  try { digest = JSON.parse(Buffer.from(sea.getRawAsset('asset-digests')).toString('utf8'))['tspod.cjs']; } catch { /* an older build */ }
  const own = userCacheFile(digest, verbKey(process.argv.slice(2)));
  let cachedData;
  try { if (own) cachedData = require('node:fs').readFileSync(own); } catch { /* not yet */ }
  const fromUser = cachedData !== undefined;
  if (!fromUser) try { cachedData = Buffer.from(sea.getRawAsset('tspod.cjs.cache')); } catch { /* built without one */ }
  const script = compile(sea.getAsset('tspod.cjs', 'utf8'), filename, cachedData);
  if (own && (!fromUser || script.cachedDataRejected)) saveAtExit(script, own);
  run(script, filename);
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
