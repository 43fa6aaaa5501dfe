import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testEnv, skip, type Env } from './harness.ts';
import { startRegistry, pushImage, type Registry } from '../fixtures/registry.ts';
import { layered, evilImage, entrypointImage } from '../fixtures/images.ts';

let env: Env;
let reg: Registry;
let layeredId: string;

before(async () => {
  if (skip) return;
  env = testEnv();
  reg = await startRegistry();
  layeredId = pushImage(layered, `${reg.host}/test/layered:latest`);
  pushImage(layered, `${reg.host}/test/layered:v2`);
  pushImage(evilImage, `${reg.host}/test/evil:latest`);
  pushImage(entrypointImage, `${reg.host}/other/entry:1.0`);
});
after(() => { env?.cleanup(); reg?.stop(); });

test('pull prints the full reference and stores the image', { skip }, async () => {
  const r = await env.tspod(['pull', `${reg.host}/test/layered`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${reg.host}/test/layered:latest`);
  assert.equal(r.stderr, '', 'quiet when not on a terminal');
  const ls = await env.tspod(['images']);
  assert.match(ls.stdout, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE/);
  assert.match(ls.stdout, new RegExp(`${reg.host}/test/layered\\s+latest\\s+${layeredId.slice(7, 19)}`));
});

test('a second tag of the same image shares its layers', { skip }, async () => {
  const layersBefore = fs.readdirSync(path.join(env.root, 'layers')).length;
  const r = await env.tspod(['pull', `${reg.host}/test/layered:v2`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(fs.readdirSync(path.join(env.root, 'layers')).length, layersBefore);
  const q = await env.tspod(['images', '-q']);
  assert.deepEqual(q.stdout.trim().split('\n'), [layeredId.slice(7, 19)]);
  const full = await env.tspod(['images', '--no-trunc', '-q']);
  assert.equal(full.stdout.trim(), layeredId);
});

test('pull by digest', { skip }, async () => {
  const ls = JSON.parse(fs.readFileSync(path.join(env.root, 'images.json'), 'utf8'));
  const digest = ls.images[0].repoDigests[0].split('@')[1];
  const r = await env.tspod(['pull', `${reg.host}/test/layered@${digest}`]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), `${reg.host}/test/layered@${digest}`);
});

test('a layer that writes through a symlink is refused and nothing is stored', { skip }, async () => {
  const before = fs.readdirSync(path.join(env.root, 'layers')).sort();
  const r = await env.tspod(['pull', `${reg.host}/test/evil`]);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /refusing layer entry `escape\/pwned`/);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line, no stack');
  assert.deepEqual(fs.readdirSync(path.join(env.root, 'layers')).sort(), before);
  assert.deepEqual(fs.readdirSync(path.join(env.root, 'tmp')), []);
  const ls = await env.tspod(['images']);
  assert.doesNotMatch(ls.stdout, /evil/);
});

test('unknown image and unknown registry fail with 125 and one line', { skip }, async () => {
  const missing = await env.tspod(['pull', `${reg.host}/test/nope`]);
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /not found|manifest unknown/i);
  const bad = await env.tspod(['pull', 'UPPER/Case']);
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /invalid reference format/);
  const refused = await env.tspod(['pull', '127.0.0.1:1/x']);
  assert.equal(refused.status, 125);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
});

test('rmi untags by name, refuses images in use, and frees layers', { skip }, async () => {
  const r1 = await env.tspod(['pull', `${reg.host}/other/entry:1.0`]);
  assert.equal(r1.status, 0, r1.stderr);
  const run = await env.tspod(['run', '--name', 'user1', `${reg.host}/other/entry:1.0`]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'entry: default-arg\n');
  const refused = await env.tspod(['rmi', `${reg.host}/other/entry:1.0`]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /container [0-9a-f]{12} is using its referenced image/);
  const rm = await env.tspod(['rm', 'user1']);
  assert.equal(rm.status, 0, rm.stderr);
  const untag = await env.tspod(['rmi', `${reg.host}/test/layered:v2`]);
  assert.equal(untag.status, 0, untag.stderr);
  assert.equal(untag.stdout, `Untagged: ${reg.host}/test/layered:v2\n`);
  for (const name of [`${reg.host}/other/entry:1.0`, `${reg.host}/test/layered`]) {
    const r = await env.tspod(['rmi', name]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Deleted: sha256:/);
  }
  assert.deepEqual(fs.readdirSync(path.join(env.root, 'layers')), []);
  assert.deepEqual(fs.readdirSync(path.join(env.root, 'blobs', 'sha256')), []);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(env.root, 'images.json'), 'utf8')).images, []);
});
