import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  parseRegistriesConf, loadRegistriesConf, applyDaemonJson, emptyConf, pullPlan, registryFor, shortNameCandidates, isInsecure,
} from '../../../src/registry/config.ts';
import { isShortName } from '../../../src/image/pull.ts';

const V2 = `
unqualified-search-registries = ["reg.one:5000", "docker.io"]
short-name-mode = "permissive"

[aliases]
"myapp" = "reg.one:5000/team/myapp"

[[registry]]
prefix = "docker.io"
location = "docker.io"
mirror = [
  { location = "mirror.a:5000", insecure = true },
  { location = "mirror.b:5000/hub", pull-from-mirror = "digest-only" },
]

[[registry]]
prefix = "example.com/old"
location = "new.example.com:443/moved"
insecure = true

[[registry]]
prefix = "*.blocked.test"
blocked = true

[[registry]]
location = "reg.two:5000"
mirror-by-digest-only = true
[[registry.mirror]]
location = "close.by:5000"
`;

test('registries.conf v2: inline-table mirrors, multi-line arrays, aliases, search registries', () => {
  const c = parseRegistriesConf(V2);
  assert.deepEqual(c.unqualifiedSearch, ['reg.one:5000', 'docker.io']);
  assert.equal(c.shortNameMode, 'permissive');
  assert.deepEqual(c.aliases, { myapp: 'reg.one:5000/team/myapp' });
  assert.deepEqual(registryFor(c, 'docker.io/library/busybox')!.mirrors, [
    { location: 'mirror.a:5000', insecure: true, pullFromMirror: 'all' },
    { location: 'mirror.b:5000/hub', insecure: false, pullFromMirror: 'digest-only' },
  ]);
  assert.equal(registryFor(c, 'reg.two:5000/x')!.mirrorByDigestOnly, true);
  assert.ok(isInsecure(c, 'mirror.a:5000'));
  assert.ok(isInsecure(c, 'new.example.com:443'));
  assert.ok(!isInsecure(c, 'mirror.b:5000'));
});

test('pull plans: mirrors by pull-from-mirror, prefix rewrites, blocked registries', () => {
  const c = parseRegistriesConf(V2);
  const byTag = pullPlan(c, 'docker.io', 'library/busybox', false);
  assert.deepEqual(byTag.sources.map((s) => `${s.host}/${s.path}`), ['mirror.a:5000/library/busybox', 'docker.io/library/busybox']);
  assert.deepEqual(byTag.skipped, ['mirror.b:5000/hub (skipped: digest-only mirror, pulling by tag)']);
  const byDigest = pullPlan(c, 'docker.io', 'library/busybox', true);
  assert.deepEqual(byDigest.sources.map((s) => `${s.host}/${s.path}`), ['mirror.a:5000/library/busybox', 'mirror.b:5000/hub/library/busybox', 'docker.io/library/busybox']);
  const moved = pullPlan(c, 'example.com', 'old/app', false);
  assert.deepEqual(moved.sources, [{ host: 'new.example.com:443', path: 'moved/app', insecure: true, mirror: false }]);
  assert.deepEqual(pullPlan(c, 'example.com', 'older/app', false).sources.map((s) => s.host), ['example.com'], 'prefixes match whole path components');
  assert.throws(() => pullPlan(c, 'x.blocked.test', 'a', false), /blocked/);
  assert.deepEqual(pullPlan(c, 'reg.two:5000', 'a', false).sources.map((s) => s.host), ['reg.two:5000']);
  assert.deepEqual(pullPlan(c, 'reg.two:5000', 'a', true).sources.map((s) => s.host), ['close.by:5000', 'reg.two:5000']);
});

test('short names: aliases first, then each search registry; enforcing refuses ambiguity', () => {
  const c = parseRegistriesConf(V2);
  assert.deepEqual(shortNameCandidates(c, 'myapp:2'), ['reg.one:5000/team/myapp:2']);
  assert.deepEqual(shortNameCandidates(c, 'busybox'), ['reg.one:5000/busybox', 'docker.io/library/busybox']);
  assert.deepEqual(shortNameCandidates(emptyConf(), 'busybox'), ['busybox']);
  assert.throws(() => shortNameCandidates({ ...c, shortNameMode: 'enforcing' }, 'busybox'), (e: { code?: string }) => e.code === 'ERR_TSPOD_INVALID_REFERENCE');
  assert.ok(isShortName('busybox') && isShortName('me/app:1') && !isShortName('docker.io/me/app') && !isShortName('localhost/x') && !isShortName('127.0.0.1:5000/x'));
});

test('v1 tables still work', () => {
  const c = parseRegistriesConf('[registries.search]\nregistries = ["a.b"]\n[registries.insecure]\nregistries = ["old.style:1"]\n[registries.block]\nregistries = ["bad.host"]\n');
  assert.deepEqual(c.unqualifiedSearch, ['a.b']);
  assert.ok(isInsecure(c, 'old.style:1'));
  assert.throws(() => pullPlan(c, 'bad.host', 'x', false), /blocked/);
});

test('bad TOML and bad values name the file', () => {
  assert.throws(() => parseRegistriesConf('[[registry]\nlocation=1', '/x/registries.conf'), (e: Error & { code?: string }) => e.code === 'ERR_TSPOD_CONFIG' && e.message.includes('/x/registries.conf'));
  assert.throws(() => parseRegistriesConf('[[registry]]\nlocation = 5'), /must be a string/);
  assert.throws(() => parseRegistriesConf('short-name-mode = "sometimes"'), /short-name-mode/);
});

test('daemon.json: registry-mirrors for docker.io and insecure-registries (hosts and CIDRs)', () => {
  const c = applyDaemonJson(emptyConf(), JSON.stringify({ 'registry-mirrors': ['https://hub.mirror:5000/', 'http://plain.mirror'], 'insecure-registries': ['10.0.0.0/8', 'reg.lan:5000'] }), 'daemon.json');
  assert.deepEqual(pullPlan(c, 'docker.io', 'library/x', false).sources.map((s) => [s.host, s.insecure]), [['hub.mirror:5000', false], ['plain.mirror', true], ['docker.io', false]]);
  assert.ok(isInsecure(c, '10.1.2.3:5000'));
  assert.ok(isInsecure(c, 'reg.lan:5000'));
  assert.ok(!isInsecure(c, '11.1.2.3'));
});

test('loading: user file over /etc, drop-ins in order (system then user), daemon.json; TSPOD_SYSTEM_CONFIG_DIR stands for /etc', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-conf-'));
  const etc = path.join(dir, 'etc');
  const home = path.join(dir, 'config');
  const w = (f: string, text: string) => { fs.mkdirSync(path.dirname(f), { recursive: true }); fs.writeFileSync(f, text); };
  w(path.join(etc, 'containers', 'registries.conf'), 'unqualified-search-registries = ["sys.reg"]\n[[registry]]\nlocation = "a.reg"\ninsecure = true\n');
  w(path.join(etc, 'containers', 'registries.conf.d', '10-sys.conf'), '[aliases]\n"x" = "sys.reg/x"\n"y" = "sys.reg/y"\n');
  w(path.join(home, 'containers', 'registries.conf.d', '20-user.conf'), '[aliases]\n"y" = "user.reg/y"\n[[registry]]\nlocation = "a.reg"\n[[registry.mirror]]\nlocation = "m.reg"\n');
  const env = { TSPOD_SYSTEM_CONFIG_DIR: etc };
  let c = loadRegistriesConf(home, env);
  assert.deepEqual(c.unqualifiedSearch, ['sys.reg'], 'the system file, no user file');
  assert.deepEqual(c.aliases, { x: 'sys.reg/x', y: 'user.reg/y' });
  assert.deepEqual(registryFor(c, 'a.reg/z')!.mirrors.map((m) => m.location), ['m.reg'], 'the drop-in\'s entry replaces the one with the same prefix');
  assert.equal(registryFor(c, 'a.reg/z')!.insecure, false);
  w(path.join(home, 'containers', 'registries.conf'), 'unqualified-search-registries = ["user.reg"]\n');
  w(path.join(etc, 'docker', 'daemon.json'), '{"registry-mirrors":["https://sys.mirror"]}');
  c = loadRegistriesConf(home, env);
  assert.deepEqual(c.unqualifiedSearch, ['user.reg'], 'the user file wins over /etc');
  assert.deepEqual(registryFor(c, 'docker.io/library/x')!.mirrors.map((m) => m.location), ['sys.mirror']);
  w(path.join(home, 'docker', 'daemon.json'), '{"registry-mirrors":["https://user.mirror"]}');
  assert.deepEqual(registryFor(loadRegistriesConf(home, env), 'docker.io/library/x')!.mirrors.map((m) => m.location), ['user.mirror'], 'the user\'s daemon.json instead of /etc\'s');
  fs.rmSync(dir, { recursive: true });
});
