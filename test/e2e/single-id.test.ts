/** A user with no /etc/subuid range: one id mapped, ownership collapsed onto it, everything else works. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skipSolo } from './harness.ts';
import { layered } from '../fixtures/images.ts';

const skip = skipSolo;
const s = suite({ 'test/layered': layered }, { solo: true });
const img = () => s.ref('test/layered');

test('images with files of other owners still pull and run', { skip }, async () => {
  const info = await s.env.tspod(['info']);
  assert.match(info.stdout, /single-id mode/);
  assert.equal((await s.env.tspod(['pull', img()])).status, 0);
  const r = await s.env.tspod(['run', '--rm', img(), 'sh', '-c', 'id -u; stat -c "%u:%g %a" /data/owned.txt /usr/bin/suid; ls /opt/olddir; test -e /etc/deleteme || echo gone']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '0\n0:0 640\n0:0 4755\nnew.txt\ngone\n');
});

test('a user outside the single mapped id is a clear error', { skip }, async () => {
  const r = await s.env.tspod(['run', '--rm', '-u', '1000', img(), 'id']);
  assert.equal(r.status, 125);
  assert.match(r.stderr, /uid 1000 is not mapped .* \/etc\/subuid/);
});

test('removal works without subordinate ids', { skip }, async () => {
  assert.equal((await s.env.tspod(['rmi', img()])).status, 0);
  assert.deepEqual(fs.readdirSync(path.join(s.env.root, 'layers')), []);
});
