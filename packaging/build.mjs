// Bundles src/main.ts into dist/tspod.js (CommonJS, one file) and places
// koffi's native addon where src/sys/koffi.ts looks for it.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
fs.mkdirSync(dist, { recursive: true });
const common = { bundle: true, platform: 'node', target: 'node22', format: 'cjs', sourcemap: 'linked', logLevel: 'warning' };
await build({ ...common, entryPoints: [path.join(root, 'src/main.ts')], outfile: path.join(dist, 'tspod.cjs'), banner: { js: '#!/usr/bin/env node' } });
// The monitor stays resident beside every container: its own small bundle keeps it small.
await build({ ...common, entryPoints: [path.join(root, 'src/monitor/entry.ts')], outfile: path.join(dist, 'monitor.cjs') });
const addon = path.join(root, 'node_modules/koffi/build/koffi/linux_x64/koffi.node');
const dest = path.join(dist, 'koffi/linux_x64/koffi.node');
fs.mkdirSync(path.dirname(dest), { recursive: true });
fs.copyFileSync(addon, dest);
fs.chmodSync(path.join(dist, 'tspod.cjs'), 0o755);
