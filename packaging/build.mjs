// Builds tspod:
//   dist/tspod.cjs       the CLI bundle (run with Node 22: node dist/tspod.cjs)
//   dist/libc.node       tspod's Node-API addon (native/addon/), where src/sys/addon.ts looks
//   dist/tspod-rt        the native runtime helper, from native/*.c (cc -static)
//   dist/tspod           the single executable: Node 22 (the `node` npm
//                        package's binary, no download) with the bundle, V8's
//                        code cache of it and the addon as SEA assets, made by @yao-pkg/pkg's SEA
//                        mode. Skipped with TSPOD_NO_SEA=1.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
fs.mkdirSync(dist, { recursive: true });
const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', sourcemap: 'linked', logLevel: 'warning' };
await build({ ...common, entryPoints: [path.join(root, 'src/main.ts')], outfile: path.join(dist, 'tspod.cjs'), banner: { js: '#!/usr/bin/env node' } });
shareInterop(path.join(dist, 'tspod.cjs'));
/**
 * esbuild turns each `import fs from 'node:fs'` into its own
 * `__toESM(require('node:fs'))`, which copies every export of the module
 * onto a new object: ~180 import sites, ~5 ms of every command. The copies
 * are views of the same module, so one per module (and mode) is kept and
 * shared. The bundle must have esbuild's helper as this expects it.
 */
function shareInterop(file) {
  const text = fs.readFileSync(file, 'utf8');
  const start = text.indexOf('var __toESM = (mod, isNodeMode, target) => (');
  const end = start < 0 ? -1 : text.indexOf('\n));\n', start);
  if (end < 0) throw new Error(`building tspod: esbuild's __toESM helper not found in ${file} (another esbuild version?)`);
  // Appended to the helper's last line, so the source map's lines still match.
  const at = end + '\n));'.length;
  const shared = ' var __toESMEach = __toESM, __toESMSeen = [new WeakMap(), new WeakMap()];'
    + ' __toESM = (mod, isNodeMode) => {'
    + ' if (mod == null || (typeof mod !== "object" && typeof mod !== "function")) return __toESMEach(mod, isNodeMode);'
    + ' const seen = __toESMSeen[isNodeMode ? 1 : 0];'
    + ' let ns = seen.get(mod);'
    + ' if (!ns) seen.set(mod, ns = __toESMEach(mod, isNodeMode));'
    + ' return ns; };';
  fs.writeFileSync(file, text.slice(0, at) + shared + text.slice(at));
}

// The native helper (native/*.c): statically linked, so it runs on any distro;
// libseccomp and jansson from Debian's static archives (libseccomp-dev, libjansson-dev).
const rt = path.join(dist, 'tspod-rt');
const sources = fs.readdirSync(path.join(root, 'native')).filter((f) => f.endsWith('.c')).map((f) => path.join(root, 'native', f));
execFileSync(process.env.CC || 'cc', ['-static', '-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-s', '-o', `${rt}.tmp`, ...sources, '-lseccomp', '-ljansson'], { stdio: 'inherit' });
fs.renameSync(`${rt}.tmp`, rt);
// The addon (native/addon/libc.c: the libc calls Node does not offer), against
// the headers of the Node that runs tspod: the `node` package's install script
// fetches them with its binary (node-linux-<arch>/include/node).
const addon = path.join(dist, 'libc.node');
const headers = path.join(root, 'node_modules/node/node_modules', `node-linux-${process.arch}`, 'include/node');
if (!fs.existsSync(path.join(headers, 'node_api.h'))) {
  throw new Error(`building tspod: Node's headers are missing (\`${headers}/node_api.h\`): run \`npm rebuild node\`, whose install script fetches them`);
}
execFileSync(process.env.CC || 'cc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-s', '-I', headers,
  '-o', `${addon}.tmp`, path.join(root, 'native/addon/libc.c')], { stdio: 'inherit' });
fs.renameSync(`${addon}.tmp`, addon);
fs.chmodSync(path.join(dist, 'tspod.cjs'), 0o755);

/**
 * A copy of Node whose start-up scan of argv for `--env-file` (done in C++
 * before any JavaScript, even for a single executable, so that
 * `tspod run IMAGE echo --env-file /x` made Node read /x) can never match:
 * one byte of each of those option names, next to each other in the binary's
 * read-only strings, becomes \x01. NODE_OPTIONS is closed by the SEA config
 * (execArgvExtension: 'none'); the single executable takes no Node options.
 */
function closedNode(src, out) {
  const bin = fs.readFileSync(src);
  const names = ['--env-file=', '--env-file-if-exists=', '--env-file', '--env-file-if-exists'];
  const anchor = bin.indexOf(Buffer.from('\0--env-file=\0'));
  if (anchor < 0) throw new Error(`building tspod: \`${src}\` has no --env-file scan to close (another Node version?)`);
  for (const name of names) {
    const at = bin.indexOf(Buffer.from(`\0${name}\0`), anchor - 256);
    if (at < 0 || at > anchor + 256) throw new Error(`building tspod: \`${name}\` not found beside \`--env-file=\` in \`${src}\``);
    bin[at + 3] = 1;
  }
  fs.writeFileSync(out, bin, { mode: 0o755 });
  return out;
}

if (!process.env.TSPOD_NO_SEA) {
  // pkg's simple SEA mode, called directly: it takes our Node binary (nodePath)
  // instead of downloading one, and our assets. The blob is generated by that
  // same binary, so the SEA header matches its reader.
  const require = createRequire(import.meta.url);
  const sea = require('@yao-pkg/pkg/lib-es5/sea.js').default;
  const node = closedNode(path.join(root, 'node_modules/node/bin/node'), path.join(dist, `node-host.${process.pid}.tmp`));
  const output = path.join(dist, `tspod.${process.pid}.tmp`);
  const cache = path.join(dist, `tspod.cjs.cache.${process.pid}.tmp`);
  const digests = path.join(dist, `asset-digests.${process.pid}.tmp`);
  const log = console.log;
  try {
    // The digests of the assets extracted to the user's cache (src/sys/sea.ts): computed here, not by every command.
    const sha = (f) => createHash('sha256').update(fs.readFileSync(f)).digest('hex').slice(0, 16);
    fs.writeFileSync(digests, JSON.stringify({ 'libc.node': sha(addon), 'tspod-rt': sha(rt), 'tspod.cjs': sha(path.join(dist, 'tspod.cjs')) }));
    // V8's code cache of the bundle, made by the very Node binary that runs it (packaging/sea-main.cjs).
    execFileSync(node, [path.join(root, 'packaging/sea-main.cjs'), '--make-code-cache', path.join(dist, 'tspod.cjs'), cache, '--help'], { stdio: 'ignore' });
    console.log = () => {}; // pkg narrates every step
    await sea(path.join(root, 'packaging/sea-main.cjs'), {
      targets: [{ nodeRange: 'node22', platform: 'linux', arch: process.arch, output }],
      nodePath: node,
      seaConfig: {
        assets: {
          'tspod.cjs': path.join(dist, 'tspod.cjs'), 'tspod.cjs.cache': cache, 'libc.node': addon,
          'tspod-rt': rt, 'asset-digests': digests,
        },
        disableExperimentalSEAWarning: true,
        // NODE_OPTIONS from the environment never reaches the Node inside tspod.
        execArgvExtension: 'none',
      },
    });
    // Renamed into place: a dist/tspod that is running (a monitor, a test) keeps its old file.
    fs.renameSync(output, path.join(dist, 'tspod'));
  } finally {
    console.log = log;
    fs.rmSync(output, { force: true });
    fs.rmSync(cache, { force: true });
    fs.rmSync(digests, { force: true });
    fs.rmSync(node, { force: true });
  }
}
