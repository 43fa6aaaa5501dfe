/** The layering rules of STYLE.md, checked on the import graph. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const src = path.resolve(import.meta.dirname, '..', '..', 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []);
}

function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*import(?!\s+type\b)[^'"]*['"]([^'"]+)['"]/g), ...text.matchAll(/(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1]);
}

test('commands never import koffi, child_process or src/sys', () => {
  for (const f of files(path.join(src, 'commands'))) {
    for (const i of imports(f)) {
      assert.ok(!/koffi|child_process|\/sys\//.test(i), `${path.relative(src, f)} imports ${i}`);
    }
  }
});

test('koffi is loaded only in src/sys; subprocesses only through src/sys/spawn (and the rootfs backend)', () => {
  for (const f of files(src)) {
    const rel = path.relative(src, f);
    for (const i of imports(f)) {
      if (i === 'koffi' || i.startsWith('koffi/')) assert.ok(rel.startsWith('sys/'), `${rel} imports koffi`);
      if (i === 'node:child_process') assert.ok(rel === 'sys/spawn.ts' || rel === 'fuse-overlay/rootfs.ts', `${rel} imports child_process`);
    }
  }
});

test('domain modules never import commands', () => {
  for (const f of files(src)) {
    const rel = path.relative(src, f);
    if (rel.startsWith('commands/') || rel === 'main.ts') continue;
    for (const i of imports(f)) assert.ok(!i.includes('/commands/'), `${rel} imports ${i}`);
  }
});
