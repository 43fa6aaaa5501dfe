import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { startRegistry, pushImage, type Registry } from '../fixtures/registry.ts';
import { entrypointImage } from '../fixtures/images.ts';

const s = suite({ 'test/entry': entrypointImage });
let empty: Registry;
after(() => empty?.stop());

const conf = (rel: string, text: string) => {
  const f = path.join(s.env.vars.XDG_CONFIG_HOME, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true, mode: 0o755 });
  fs.writeFileSync(f, text, { mode: 0o644 });
  return f;
};
const images = async () => (await s.env.tspod(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout.trim().split('\n').filter(Boolean).sort();

test('a registries.conf drop-in mirror serves a registry that is down; the name stays the origin\'s', { skip }, async () => {
  const f = conf('containers/registries.conf.d/50-mirror.conf', `
[[registry]]
prefix = "origin.test:5000"
location = "127.0.0.1:1"
mirror = [ { location = "${s.reg.host}" } ]
`);
  const r = await s.env.tspod(['pull', 'origin.test:5000/test/entry']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'origin.test:5000/test/entry:latest\n');
  assert.deepEqual(await images(), ['origin.test:5000/test/entry:latest']);
  fs.rmSync(f);
});

test('failed and skipped mirrors are named in the error', { skip }, async () => {
  empty = await startRegistry();
  const f = conf('containers/registries.conf.d/50-mirror.conf', `
[[registry]]
prefix = "origin.test:5000"
location = "127.0.0.1:1"
[[registry.mirror]]
location = "${empty.host}"
[[registry.mirror]]
location = "${s.reg.host}"
pull-from-mirror = "digest-only"
`);
  const r = await s.env.tspod(['pull', 'origin.test:5000/test/entry']);
  assert.equal(r.status, 125);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.ok(r.stderr.includes(`${empty.host}/test/entry (failed: `), r.stderr);
  assert.ok(r.stderr.includes(`${s.reg.host} (skipped: digest-only mirror, pulling by tag)`), r.stderr);
  fs.rmSync(f);
});

test('prefix rewrites and short-name aliases', { skip }, async () => {
  const f = conf('containers/registries.conf.d/60-rewrite.conf', `
[[registry]]
prefix = "corp.test/team"
location = "${s.reg.host}/test"

[aliases]
"entry" = "${s.reg.host}/test/entry"
`);
  const r = await s.env.tspod(['pull', 'corp.test/team/entry:latest']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'corp.test/team/entry:latest\n');
  const a = await s.env.tspod(['pull', 'entry']);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, `${s.reg.host}/test/entry:latest\n`);
  const blocked = conf('containers/registries.conf.d/70-block.conf', '[[registry]]\nprefix = "corp.test"\nblocked = true\n');
  const b = await s.env.tspod(['pull', 'corp.test/other/x']);
  assert.equal(b.status, 125);
  assert.match(b.stderr, /blocked/);
  const bad = conf('containers/registries.conf.d/80-bad.conf', '[[registry]\n');
  const t = await s.env.tspod(['pull', 'corp.test/team/entry']);
  assert.equal(t.status, 125);
  assert.ok(t.stderr.includes('80-bad.conf'), t.stderr);
  for (const x of [f, blocked, bad]) fs.rmSync(x);
});

test('docker daemon.json registry-mirrors serve docker.io names, from the user\'s file or the system one', { skip }, async () => {
  pushImage(entrypointImage, `${s.reg.host}/library/hubimage:latest`);
  const user = conf('docker/daemon.json', JSON.stringify({ 'registry-mirrors': [`http://${s.reg.host}`] }));
  const r = await s.env.tspod(['pull', 'hubimage']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'docker.io/library/hubimage:latest\n');
  assert.ok((await images()).includes('hubimage:latest'));
  fs.rmSync(user);
  assert.equal((await s.env.tspod(['rmi', 'hubimage'])).status, 0);
  const etc = path.join(s.env.scratch, 'etc');
  fs.mkdirSync(path.join(etc, 'docker'), { recursive: true, mode: 0o755 });
  fs.chmodSync(s.env.scratch, 0o755);
  fs.writeFileSync(path.join(etc, 'docker', 'daemon.json'), JSON.stringify({ 'registry-mirrors': [`http://${s.reg.host}`] }), { mode: 0o644 });
  const sys = await s.env.tspod(['pull', 'hubimage'], { env: { TSPOD_SYSTEM_CONFIG_DIR: etc } });
  assert.equal(sys.status, 0, sys.stderr);
});

test('search lists a registry\'s catalog; limit, filters, format; short terms use unqualified-search-registries', { skip }, async () => {
  pushImage(entrypointImage, `${s.reg.host}/other/entry-two:1`);
  const r = await s.env.tspod(['search', `${s.reg.host}/entry`]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$/);
  assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort(), [`${s.reg.host}/other/entry-two`, `${s.reg.host}/test/entry`]);
  const one = await s.env.tspod(['search', '--limit', '1', '--format', '{{.Name}}|{{.StarCount}}|{{.Index}}', `${s.reg.host}/entry`]);
  assert.equal(one.stdout.trim().split('\n').length, 1);
  assert.match(one.stdout, new RegExp(`^${s.reg.host}/\\S+\\|0\\|${s.reg.host}\\n$`));
  const official = await s.env.tspod(['search', '--filter', 'is-official=true', '--format', '{{.Name}}', `${s.reg.host}/entry`]);
  assert.equal(official.stdout, '');
  const f = conf('containers/registries.conf.d/90-search.conf', `unqualified-search-registries = ["${s.reg.host}"]\n`);
  const short = await s.env.tspod(['search', '--format', '{{.Name}}', 'two']);
  assert.equal(short.stdout, `${s.reg.host}/other/entry-two\n`, short.stderr);
  fs.rmSync(f);
  for (const bad of [['--filter', 'color=red', 'x'], ['--limit', '0', 'x'], ['--filter', 'stars=many', 'x']]) {
    const b = await s.env.tspod(['search', ...bad]);
    assert.equal(b.status, 125, bad.join(' '));
  }
});
