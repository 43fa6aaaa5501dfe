import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';
import { noPodman, podman, skopeo } from './image-helpers.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });
let committed = '';

test('diff lists A/C/D; commit makes a layer of the changes with --change, -m, -a', { skip }, async () => {
  const run = await s.env.tspod(['run', '--name', 'c1', '--network', 'none', s.ref('test/layered'), 'sh', '-c',
    'echo hi > /new.txt && rm /opt/olddir/new.txt && mkdir -p /srv/made/deep && echo more >> /usr/bin/exit-with && chown 2000:3000 /new.txt']);
  assert.equal(run.status, 0, run.stderr);
  const diff = await s.env.tspod(['diff', 'c1']);
  assert.equal(diff.status, 0, diff.stderr);
  const lines = diff.stdout.trim().split('\n');
  for (const l of ['A /new.txt', 'D /opt/olddir/new.txt', 'C /opt/olddir', 'C /opt', 'A /srv/made', 'A /srv/made/deep', 'C /srv', 'C /usr/bin/exit-with', 'C /usr/bin', 'C /usr']) {
    assert.ok(lines.includes(l), `${l} in:\n${diff.stdout}`);
  }
  const c = await s.env.tspod(['commit', '-m', 'my change', '-a', 'Tester <t@example.com>', '-c', 'CMD ["cat", "/new.txt"]', '-c', 'ENV MODE=prod', '-c', 'LABEL team=core', 'c1', 'committed:1']);
  assert.equal(c.status, 0, c.stderr);
  committed = c.stdout.trim();
  assert.match(committed, /^sha256:[0-9a-f]{64}$/);
  const inspect = await s.env.tspod(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{index .Config.Labels "team"}} {{.Author}} {{len .RootFS.Layers}}', 'committed:1']);
  assert.equal(inspect.stdout, '["cat","/new.txt"] core Tester <t@example.com> 4\n', inspect.stderr);
  const h = await s.env.tspod(['history', '--format', '{{.ID}}|{{.Comment}}', 'committed:1']);
  assert.equal(h.stdout.split('\n')[0], `${committed.slice(7, 19)}|my change`);
  const r = await s.env.tspod(['run', '--rm', '--network', 'none', 'committed:1']);
  assert.equal(r.stdout, 'hi\n', r.stderr);
  const gone = await s.env.tspod(['run', '--rm', '--network', 'none', 'committed:1', 'sh', '-c', 'ls /opt/olddir; stat -c %u:%g /new.txt; echo $MODE; tail -1 /usr/bin/exit-with']);
  // /opt/olddir held only new.txt (an opaque dir over old.txt): now it is empty.
  assert.equal(gone.stdout, '2000:3000\nprod\nmore\n', gone.stderr);
  const bad = await s.env.tspod(['commit', '-c', 'FROB x', 'c1', 'never:1']);
  assert.equal(bad.status, 125);
  assert.equal((await s.env.tspod(['images', '-q', 'never'])).stdout, '');
  const missing = await s.env.tspod(['commit', 'no-such-container']);
  assert.equal(missing.status, 125);
});

test('a committed layer packs again to the same bytes when its blob is gone', { skip }, async () => {
  const images = JSON.parse(fs.readFileSync(path.join(s.env.root, 'images.json'), 'utf8')).images;
  const img = images.find((i: { id: string }) => i.id === committed);
  const manifest = JSON.parse(fs.readFileSync(path.join(s.env.root, 'blobs', 'sha256', img.manifestDigest.slice(7)), 'utf8'));
  const top = manifest.layers.at(-1).digest;
  fs.rmSync(path.join(s.env.root, 'blobs', 'sha256', top.slice(7)));
  const out = path.join(s.env.scratch, 'c.tar');
  const save = await s.env.tspod(['save', '-o', out, 'committed:1']);
  assert.equal(save.status, 0, save.stderr);
  assert.ok(fs.existsSync(path.join(s.env.root, 'blobs', 'sha256', top.slice(7))), 'the same gzip blob again');
});

test('a committed image pushes; podman pulls and runs it', { skip }, async () => {
  const dest = s.ref('committed/app:1');
  await s.env.tspod(['tag', 'committed:1', dest]);
  const push = await s.env.tspod(['push', dest]);
  assert.equal(push.status, 0, push.stderr);
  const inspect = skopeo(s.env, ['inspect', '--tls-verify=false', `docker://${dest}`]);
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).Layers.length, 4);
  if (noPodman) return;
  const run = podman(s.env, ['run', '--rm', '--net=none', '--tls-verify=false', dest]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'hi\n');
});
