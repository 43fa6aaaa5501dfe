/** Any mix of commands at once never corrupts the store, loses a container or deadlocks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { entrypointImage } from '../fixtures/images.ts';

const s = suite({ 'test/entry': entrypointImage }, { pull: ['test/entry'] });
const img = () => s.ref('test/entry');

const COUNT = 50;

test(`${COUNT} parallel run -d with ps and rm -f in between`, { skip, timeout: 240_000 }, async (t) => {
  const began = Date.now();
  const runs = Array.from({ length: COUNT }, (_, i) =>
    s.env.tspod(['run', '-d', '--name', `s${i}`, '--entrypoint', '/bin/sleep', img(), '60'], { timeoutMs: 180_000 }));
  const readers = Array.from({ length: 10 }, () => s.env.tspod(['ps', '-a'], { timeoutMs: 180_000 }));
  const removers = Array.from({ length: 10 }, async (_, i) => {
    await new Promise((r) => setTimeout(r, 300 + i * 50));
    return s.env.tspod(['rm', '-f', `s${i}`], { timeoutMs: 180_000 });
  });
  const [runResults, psResults, rmResults] = await Promise.all([Promise.all(runs), Promise.all(readers), Promise.all(removers)]);
  const removedOk = (i: number) => rmResults[i]?.status === 0 && rmResults[i].stdout.trim() === `s${i}`;
  // A run racing its own rm -f may lose: acceptable only with that reason, and only when the rm won.
  const runFailures = runResults.filter((r, i) => r.status !== 0 && !(removedOk(i) && /removed while it was starting/.test(r.stderr)));
  // A remover may run before its container exists: "no such container" is the only acceptable failure.
  const rmFailures = rmResults.filter((r) => r.status !== 0 && !/no such container/.test(r.stderr));
  const psFailures = psResults.filter((r) => r.status !== 0);
  t.diagnostic(`stress: ${COUNT} run -d, 10 ps -a, 10 rm -f in ${Date.now() - began} ms; failures: run ${runFailures.length}, ps ${psFailures.length}, rm ${rmFailures.length}`);
  assert.deepEqual(runFailures.map((r) => r.stderr), []);
  assert.deepEqual(psFailures.map((r) => r.stderr), []);
  assert.deepEqual(rmFailures.map((r) => r.stderr), []);
  // rm -f of a container not there yet exits 0 silently (force is idempotent): removed only if it says the name.
  const removed = new Set(rmResults.map((r, i) => (r.status === 0 && r.stdout.trim() === `s${i}` ? `s${i}` : '')).filter(Boolean));
  const ps = await s.env.tspod(['ps', '-a', '--format', '{{.Names}} {{.State}}']);
  const rows = ps.stdout.trim().split('\n').filter(Boolean);
  const names = new Set(rows.map((l) => l.split(' ')[0]));
  for (let i = 0; i < COUNT; i++) {
    const name = `s${i}`;
    assert.equal(names.has(name), !removed.has(name), `${name} ${removed.has(name) ? 'was removed' : 'is listed'}`);
  }
  for (const l of rows) assert.match(l, / running$/, l);
  for (const id of fs.readdirSync(path.join(s.env.root, 'containers'))) {
    JSON.parse(fs.readFileSync(path.join(s.env.root, 'containers', id, 'container.json'), 'utf8'));
    JSON.parse(fs.readFileSync(path.join(s.env.root, 'containers', id, 'state.json'), 'utf8'));
  }
  const all = (await s.env.tspod(['ps', '-a', '-q'])).stdout.trim().split('\n').filter(Boolean);
  const rm = await s.env.tspod(['rm', '-f', ...all], { timeoutMs: 180_000 });
  assert.equal(rm.status, 0, rm.stderr);
  assert.deepEqual(fs.readdirSync(path.join(s.env.root, 'containers')), []);
  // A monitor finishes its last writes just after its container is gone: give it a moment.
  let stray = '';
  for (let i = 0; i < 50; i++) {
    stray = spawnSync('pgrep', ['-u', String(s.env.uid), '-f', `tspod-rt.* monitor ${s.env.run}/`], { encoding: 'utf8' }).stdout.trim();
    if (!stray) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(stray, '', 'no monitor left behind');
});
