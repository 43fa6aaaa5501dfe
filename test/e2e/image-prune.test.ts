import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { layered, entrypointImage, demoImage } from '../fixtures/images.ts';
import { tspodBytes } from './image-helpers.ts';

const s = suite({ 'test/multi:1': entrypointImage, 'test/multi:2': demoImage, 'test/multi:latest': entrypointImage, 'test/layered': layered });

test('pull -a pulls every tag; a tag with -a is refused', { skip }, async () => {
  const r = await s.env.tspod(['pull', '-a', s.ref('test/multi')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, ['1', '2', 'latest'].map((t) => `${s.ref('test/multi')}:${t}\n`).join(''));
  const bad = await s.env.tspod(['pull', '--all-tags', s.ref('test/multi:1')]);
  assert.equal(bad.status, 125);
  const digests = await s.env.tspod(['images', '--digests', s.ref('test/multi')]);
  assert.match(digests.stdout, /^REPOSITORY\s+TAG\s+DIGEST\s+IMAGE ID/);
  assert.match(digests.stdout, /test\/multi\s+2\s+sha256:[0-9a-f]{64}\s+[0-9a-f]{12}/);
});

test('image rm of several; image prune removes dangling images, -a unused ones, with filters', { skip }, async () => {
  const rm = await s.env.tspod(['image', 'rm', s.ref('test/multi:1'), s.ref('test/multi:2')]);
  assert.equal(rm.status, 0, rm.stderr);
  assert.match(rm.stdout, /Untagged: .*test\/multi:1\n/);
  assert.match(rm.stdout, /Deleted: sha256:/);
  // Two imports under one name: the first becomes dangling.
  const mk = (content: string, ...changes: string[]) => {
    const dir = fs.mkdtempSync(path.join(s.env.scratch, 'fs-'));
    fs.writeFileSync(path.join(dir, 'f.txt'), content);
    const tar = path.join(dir, '..', `${path.basename(dir)}.tar`);
    const t = spawnTar(dir, tar);
    assert.equal(t, 0);
    fs.chmodSync(tar, 0o644);
    return tspodBytes(s.env, ['import', ...changes.flatMap((c) => ['-c', c]), tar, 'pruneme:1']);
  };
  const first = mk('one');
  assert.equal(first.status, 0, first.stderr);
  const second = mk('two', 'LABEL team=core');
  assert.equal(second.status, 0, second.stderr);
  const dangling = await s.env.tspod(['images', '-q', '--no-trunc', '--filter', 'dangling=true']);
  assert.equal(dangling.stdout, first.stdout.toString());
  const p = await s.env.tspod(['image', 'prune', '-f']);
  assert.equal(p.status, 0, p.stderr);
  assert.equal(p.stdout.split('\n').slice(0, 2).join('\n'), `Deleted Images:\ndeleted: ${first.stdout.toString().trim()}`);
  assert.match(p.stdout, /\nTotal reclaimed space: \d/);
  // -a with filters: the fixture image is old, the imported one fresh; the label picks one.
  const old = await s.env.tspod(['image', 'prune', '-a', '-f', '--filter', 'until=1h']);
  assert.match(old.stdout, /untagged: .*test\/multi:latest\n/);
  assert.doesNotMatch(old.stdout, /pruneme/);
  const none = await s.env.tspod(['image', 'prune', '-a', '-f', '--filter', 'label=team=other']);
  assert.equal(none.stdout, 'Total reclaimed space: 0B\n');
  const labelled = await s.env.tspod(['image', 'prune', '-a', '-f', '--filter', 'label=team=core']);
  assert.match(labelled.stdout, /untagged: docker\.io\/library\/pruneme:1\ndeleted: sha256:/);
  assert.equal((await s.env.tspod(['images', '-q'])).stdout, '');
  const badFilter = await s.env.tspod(['image', 'prune', '-f', '--filter', 'color=red']);
  assert.equal(badFilter.status, 125);
});

test('system df, -v and --format; system prune -a --volumes', { skip }, async () => {
  for (const ref of ['test/layered', 'test/multi:2']) {
    const p = await s.env.tspod(['pull', s.ref(ref)]);
    assert.equal(p.status, 0, p.stderr);
  }
  const c = await s.env.tspod(['create', '--name', 'keeper', '-v', 'vol1:/data', '--network', 'none', s.ref('test/layered')]);
  assert.equal(c.status, 0, c.stderr);
  const df = await s.env.tspod(['system', 'df']);
  assert.equal(df.status, 0, df.stderr);
  const lines = df.stdout.trim().split('\n');
  assert.match(lines[0], /^TYPE\s+TOTAL\s+ACTIVE\s+SIZE\s+RECLAIMABLE$/);
  assert.match(lines[1], /^Images\s+2\s+1\s+\S+\s+\S+/);
  assert.match(lines[2], /^Containers\s+1\s+0\s+/);
  assert.match(lines[3], /^Local Volumes\s+1\s+1\s+/);
  assert.match(lines[4], /^Build Cache\s+0\s+0\s+0B\s+0B$/);
  const fmt = await s.env.tspod(['system', 'df', '--format', '{{.Type}}={{.TotalCount}}']);
  assert.equal(fmt.stdout, 'Images=2\nContainers=1\nLocal Volumes=1\nBuild Cache=0\n');
  const v = await s.env.tspod(['system', 'df', '-v']);
  assert.match(v.stdout, /Images space usage:[\s\S]*Containers space usage:[\s\S]*keeper[\s\S]*Local Volumes space usage:[\s\S]*vol1/);
  const prune = await s.env.tspod(['system', 'prune', '-a', '-f', '--volumes']);
  assert.equal(prune.status, 0, prune.stderr);
  assert.match(prune.stdout, /Deleted Containers:\n[0-9a-f]{64}\n/);
  assert.match(prune.stdout, /Deleted Volumes:\nvol1\n/);
  assert.match(prune.stdout, /Deleted Images:\n/);
  assert.equal((await s.env.tspod(['images', '-q'])).stdout, '');
  assert.equal((await s.env.tspod(['ps', '-aq'])).stdout, '');
});

import { spawnSync } from 'node:child_process';
function spawnTar(dir: string, out: string): number {
  return spawnSync('tar', ['-cf', out, '-C', dir, '.']).status ?? 1;
}
