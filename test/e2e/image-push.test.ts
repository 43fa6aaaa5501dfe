import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { startRegistry, type Registry } from '../fixtures/registry.ts';
import { startProxy } from '../fixtures/proxy.ts';
import { layered, entrypointImage } from '../fixtures/images.ts';
import { noPodman, podman, skopeo } from './image-helpers.ts';

const s = suite({ 'test/layered': layered, 'test/entry': entrypointImage }, { pull: ['test/layered', 'test/entry'] });
let second: Registry;

test('tag adds a name; rmi of one of several names untags only', { skip }, async () => {
  const t1 = await s.env.tspod(['tag', s.ref('test/entry'), 'mine/entry:v1']);
  assert.equal(t1.status, 0, t1.stderr);
  assert.equal(t1.stdout, '');
  const t2 = await s.env.tspod(['image', 'tag', s.ids['test/entry'].slice(7, 15), 'mine/entry']);
  assert.equal(t2.status, 0, t2.stderr);
  const ls = await s.env.tspod(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
  const short = s.ids['test/entry'].slice(7, 19);
  for (const n of ['mine/entry:v1', 'mine/entry:latest', `${s.ref('test/entry')}:latest`]) assert.ok(ls.stdout.includes(`${n} ${short}`), ls.stdout);
  const rmi = await s.env.tspod(['rmi', 'mine/entry:v1']);
  assert.equal(rmi.status, 0, rmi.stderr);
  assert.equal(rmi.stdout, 'Untagged: docker.io/mine/entry:v1\n');
  const still = await s.env.tspod(['image', 'inspect', '--format', '{{.Id}} {{.RepoTags}}', 'mine/entry']);
  assert.equal(still.stdout, `${s.ids['test/entry']} [${s.ref('test/entry')}:latest docker.io/mine/entry:latest]\n`, still.stderr);
  const bad = await s.env.tspod(['tag', 'nope/none', 'x/y']);
  assert.equal(bad.status, 125);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  const badRef = await s.env.tspod(['tag', 'mine/entry', 'Bad:Name!']);
  assert.equal(badRef.status, 125);
});

test('push to another repository of the same registry mounts the blobs; skopeo reads it back', { skip }, async () => {
  const dest = s.ref('pushed/layered:1.0');
  assert.equal((await s.env.tspod(['tag', s.ref('test/layered'), dest])).status, 0);
  const digestFile = path.join(s.env.scratch, 'digest');
  const r = await s.env.tspod(['push', '--digestfile', digestFile, dest]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^1\.0: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
  assert.equal(r.stderr, '', 'quiet when not on a terminal');
  // Mounted, not uploaded: no blob bytes went up.
  const again = await s.env.tspod(['--log-level', 'debug', 'push', s.ref('pushed/layered:1.0'), s.ref('pushed/second')]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /POST http:\/\/\S+\/v2\/pushed\/second\/blobs\/uploads\//);
  assert.doesNotMatch(again.stderr, /(PUT|PATCH) \S+\/blobs\/uploads\//);
  const digest = fs.readFileSync(digestFile, 'utf8');
  assert.ok(r.stdout.includes(digest));
  const inspect = skopeo(s.env, ['inspect', '--tls-verify=false', `docker://${dest}`]);
  assert.equal(inspect.status, 0, inspect.stderr);
  const doc = JSON.parse(inspect.stdout);
  assert.equal(doc.Digest, digest);
  assert.equal(doc.Layers.length, 3);
  // The same manifest as pulled: pushing a pulled image keeps its digest.
  const source = JSON.parse(skopeo(s.env, ['inspect', '--tls-verify=false', `docker://${s.ref('test/layered')}`]).stdout);
  assert.equal(source.Digest, digest);
  const digests = await s.env.tspod(['images', '--digests', '--format', '{{.Repository}} {{.Digest}}', s.ref('pushed/layered')]);
  assert.match(digests.stdout, new RegExp(`pushed/layered ${digest}`));
});

test('push to a second registry: chunked uploads, OCI format, retries; podman pulls and runs it', { skip }, async () => {
  second = await startRegistry();
  const dest = `${second.host}/copy/entry:2`;
  await s.env.tspod(['tag', s.ref('test/layered'), dest]);
  const proxy = await startProxy({ upstream: second.host, faults: [{ match: /\/blobs\/uploads\//, kind: 'status', status: 503, times: 2 }] });
  try {
    const viaProxy = `${proxy.host}/copy/entry:2`;
    await s.env.tspod(['tag', s.ref('test/layered'), viaProxy]);
    const r = await s.env.tspod(['--log-level', 'debug', 'push', '--format', 'oci', viaProxy], { env: { TSPOD_PUSH_CHUNK_SIZE: '1000' } });
    assert.equal(r.status, 0, r.stderr);
    // The registry's upload locations name its own address: the chunks go there, past the proxy.
    assert.match(r.stderr, /PATCH http:\/\/127\.0\.0\.1:\d+\/v2\/copy\/entry\/blobs\/uploads\//);
    assert.equal(proxy.log.filter((l) => l.startsWith('POST ')).length, 4 + 2, 'two uploads started again after a 503');
    assert.ok(proxy.log.filter((l) => l.startsWith('HEAD ')).length >= 4);
  } finally { await proxy.stop(); }
  const raw = skopeo(s.env, ['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]);
  assert.equal(raw.status, 0, raw.stderr);
  assert.equal(JSON.parse(raw.stdout).mediaType, 'application/vnd.oci.image.manifest.v1+json');
  const again = await s.env.tspod(['push', '--format', 'oci', dest]);
  assert.equal(again.status, 0, again.stderr);
  const copy = skopeo(s.env, ['copy', '--src-tls-verify=false', `docker://${dest}`, `oci:${s.env.scratch}/oci-copy:x`]);
  assert.equal(copy.status, 0, copy.stderr);
});

test('pulled layers keep no blob: a push elsewhere gzips them again, the image id stays, a second push uploads nothing', { skip }, async () => {
  const pulled = JSON.parse(skopeo(s.env, ['inspect', '--raw', '--tls-verify=false', `docker://${s.ref('test/layered')}`]).stdout);
  for (const l of pulled.layers) assert.ok(!fs.existsSync(path.join(s.env.root, 'blobs', 'sha256', l.digest.slice(7))), 'no compressed copy kept');
  for (const l of fs.readdirSync(path.join(s.env.root, 'layers'))) assert.ok(fs.existsSync(path.join(s.env.root, 'layers', l, 'tar-split.gz')));
  const third = await startRegistry();
  try {
    const dest = `${third.host}/again/layered:1`;
    await s.env.tspod(['tag', s.ref('test/layered'), dest]);
    const first = await s.env.tspod(['--log-level', 'debug', 'push', dest]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stderr, /PUT \S+\/v2\/again\/layered\/blobs\/uploads\//);
    const pushed = JSON.parse(skopeo(s.env, ['inspect', '--raw', '--tls-verify=false', `docker://${dest}`]).stdout);
    assert.equal(pushed.config.digest, s.ids['test/layered'], 'same config: same image id');
    assert.equal(pushed.layers.length, pulled.layers.length);
    // The blobs made are remembered: pushing again finds them there and sends the same manifest.
    const again = await s.env.tspod(['--log-level', 'debug', 'push', dest]);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /(PUT|PATCH|POST) \S+\/blobs\/uploads\//);
    assert.equal(again.stdout, first.stdout, 'same manifest digest');
    // Pushing back where it came from sends nothing new either: the pulled manifest, digest and all.
    const home = s.ref('test/layered:latest');
    const back = await s.env.tspod(['--log-level', 'debug', 'push', home]);
    assert.equal(back.status, 0, back.stderr);
    assert.doesNotMatch(back.stderr, /(PUT|PATCH) \S+\/blobs\/uploads\//);
    assert.match(back.stdout, new RegExp(JSON.parse(skopeo(s.env, ['inspect', '--tls-verify=false', `docker://${home}`]).stdout).Digest));
    // What was pushed pulls into an empty store as the same image.
    const root = ['--root', path.join(s.env.scratch, 'fresh')];
    const fresh = await s.env.tspod([...root, 'pull', dest]);
    assert.equal(fresh.status, 0, fresh.stderr);
    const id = await s.env.tspod([...root, 'images', '-q', '--no-trunc', dest]);
    assert.equal(id.stdout.trim(), s.ids['test/layered']);
    await s.env.tspod([...root, 'system', 'reset', '-f']);
  } finally { third.stop(); }
});

test('podman pulls what tspod pushed and runs it', { skip: skip || noPodman }, async () => {
  const dest = `${second.host}/copy/entry:2`;
  const pull = podman(s.env, ['pull', '--tls-verify=false', dest]);
  assert.equal(pull.status, 0, pull.stderr);
  const run = podman(s.env, ['run', '--rm', '--net=none', dest, 'cat', '/data/target', '/opt/olddir/new.txt']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'linked content\nnew\n');
});

test('a refused push is one line and exit 125', { skip }, async () => {
  const locked = await startProxy({ upstream: second.host, auth: 'basic', user: { name: 'u', password: 'p' } });
  const big = await startProxy({ upstream: second.host, faults: [{ match: /\/blobs\/uploads\//, kind: 'status', status: 413 }] });
  try {
    for (const [proxy, why] of [[locked, /requires a login|denied/], [big, /too large \(413\)/]] as const) {
      const dest = `${proxy.host}/refused/entry:1`;
      await s.env.tspod(['tag', s.ref('test/entry'), dest]);
      const r = await s.env.tspod(['push', dest]);
      assert.equal(r.status, 125, r.stderr);
      assert.match(r.stderr, why);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  } finally { await locked.stop(); await big.stop(); second.stop(); }
  const missing = await s.env.tspod(['push', 'no/such:image']);
  assert.equal(missing.status, 125);
});
