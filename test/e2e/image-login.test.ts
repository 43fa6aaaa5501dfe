import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { startProxy, type Proxy as RegistryProxy } from '../fixtures/proxy.ts';
import { entrypointImage } from '../fixtures/images.ts';

const s = suite({ 'test/entry': entrypointImage });
const SECRET = 'pw-Sup3r-s3cret';
const B64 = Buffer.from(`alice:${SECRET}`).toString('base64');
let proxy: RegistryProxy;
let env: Record<string, string>;
after(() => proxy?.stop());

const runAuth = () => path.join(s.env.vars.XDG_RUNTIME_DIR, 'containers', 'auth.json');
const noSecret = (text: string) => { assert.ok(!text.includes(SECRET) && !text.includes(B64), `secret leaked: ${text}`); };

test('login checks the password first; stores it in auth.json; pull and push use it; logout forgets it', { skip }, async () => {
  proxy = await startProxy({ upstream: s.reg.host, auth: 'basic', user: { name: 'alice', password: SECRET } });
  // A docker config dir of the test's own (the user's real ~/.docker stays untouched).
  env = { DOCKER_CONFIG: path.join(s.env.scratch, 'docker-none') };
  const wrong = await s.env.tspod(['--log-level', 'debug', 'login', '-u', 'alice', '--password-stdin', proxy.host], { input: 'wrong\n', env });
  assert.equal(wrong.status, 125);
  assert.match(wrong.stderr.trim().split('\n').at(-1)!, /^Error: logging in to .*: unauthorized/);
  assert.ok(!fs.existsSync(runAuth()), 'nothing stored for a refused login');
  const ok = await s.env.tspod(['--log-level', 'debug', 'login', '-u', 'alice', '--password-stdin', proxy.host], { input: `${SECRET}\n`, env });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'Login Succeeded\n');
  noSecret(ok.stderr);
  const stored = JSON.parse(fs.readFileSync(runAuth(), 'utf8'));
  assert.equal(stored.auths[proxy.host].auth, B64);
  assert.equal(fs.statSync(runAuth()).mode & 0o077, 0, 'auth.json is private');
  const pull = await s.env.tspod(['--log-level', 'debug', 'pull', `${proxy.host}/test/entry`], { env });
  assert.equal(pull.status, 0, pull.stderr);
  noSecret(pull.stderr);
  await s.env.tspod(['tag', `${proxy.host}/test/entry`, `${proxy.host}/pushed/entry:1`]);
  const push = await s.env.tspod(['push', `${proxy.host}/pushed/entry:1`], { env });
  assert.equal(push.status, 0, push.stderr);
  const out = await s.env.tspod(['logout', proxy.host], { env });
  assert.equal(out.stdout, `Removed login credentials for ${proxy.host}\n`, out.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(runAuth(), 'utf8')).auths, {});
  const denied = await s.env.tspod(['pull', `${proxy.host}/test/entry`], { env });
  assert.equal(denied.status, 125);
  const again = await s.env.tspod(['logout', proxy.host], { env });
  assert.equal(again.status, 125);
  assert.match(again.stderr, /not logged into/);
});

test('-p warns; --authfile is used alone; docker config.json is written where the user has one', { skip }, async () => {
  const dockerDir = path.join(s.env.scratch, 'docker-has');
  fs.mkdirSync(dockerDir);
  fs.writeFileSync(path.join(dockerDir, 'config.json'), '{"auths":{},"psFormat":"table {{.ID}}"}');
  fs.chmodSync(dockerDir, 0o777);
  fs.chmodSync(path.join(dockerDir, 'config.json'), 0o666);
  const r = await s.env.tspod(['login', '-u', 'alice', '-p', SECRET, proxy.host], { env: { DOCKER_CONFIG: dockerDir } });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /WARNING! Using --password via the CLI is insecure/);
  const doc = JSON.parse(fs.readFileSync(path.join(dockerDir, 'config.json'), 'utf8'));
  assert.equal(doc.auths[proxy.host].auth, B64);
  assert.equal(doc.psFormat, 'table {{.ID}}', 'other settings kept');
  const all = await s.env.tspod(['logout', '--all'], { env: { DOCKER_CONFIG: dockerDir } });
  assert.equal(all.status, 0, all.stderr);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dockerDir, 'config.json'), 'utf8')).auths, {});
  const authfile = path.join(s.env.scratch, 'my-auth.json');
  const a = await s.env.tspod(['login', '--authfile', authfile, '-u', 'alice', '--password-stdin', proxy.host], { input: SECRET, env });
  assert.equal(a.status, 0, a.stderr);
  assert.ok(fs.existsSync(authfile));
  assert.deepEqual(JSON.parse(fs.readFileSync(runAuth(), 'utf8')).auths, {}, 'only the authfile');
  const p = await s.env.tspod(['pull', '--authfile', authfile, `${proxy.host}/test/entry`], { env });
  assert.equal(p.status, 0, p.stderr);
  const bad = await s.env.tspod(['login', '-u', 'alice', proxy.host], { env });
  assert.equal(bad.status, 125);
});

test('credential helpers: credsStore and credHelpers run docker-credential-NAME get|store|erase', { skip }, async () => {
  const bin = path.join(s.env.scratch, 'bin');
  const store = path.join(s.env.scratch, 'helper-store');
  fs.mkdirSync(bin);
  fs.mkdirSync(store, { mode: 0o777 });
  fs.chmodSync(store, 0o777);
  // A helper as docker specifies them: the server on stdin for get/erase, JSON for store.
  fs.writeFileSync(path.join(bin, 'docker-credential-tspodtest'), `#!/bin/sh
set -e
dir=${store}
case "$1" in
  store) cat > "$dir/last.json"; server=$(sed 's/.*"ServerURL":"\\([^"]*\\)".*/\\1/' "$dir/last.json"); mv "$dir/last.json" "$dir/$(echo "$server" | tr '/:' '__')"; echo store >> "$dir/calls" ;;
  get) server=$(cat); f="$dir/$(echo "$server" | tr '/:' '__')"; echo get >> "$dir/calls"; if [ -f "$f" ]; then cat "$f"; else echo "credentials not found in native keychain"; exit 1; fi ;;
  erase) server=$(cat); rm -f "$dir/$(echo "$server" | tr '/:' '__')"; echo erase >> "$dir/calls" ;;
  *) exit 2 ;;
esac
`, { mode: 0o755 });
  fs.chmodSync(bin, 0o755);
  const dockerDir = path.join(s.env.scratch, 'docker-helper');
  fs.mkdirSync(dockerDir, { mode: 0o777 });
  fs.chmodSync(dockerDir, 0o777);
  fs.writeFileSync(path.join(dockerDir, 'config.json'), '{"credsStore":"tspodtest"}', { mode: 0o666 });
  const henv = { DOCKER_CONFIG: dockerDir, PATH: `${bin}:/usr/local/bin:/usr/bin:/bin` };
  const login = await s.env.tspod(['login', '-u', 'alice', '--password-stdin', proxy.host], { input: SECRET, env: henv });
  assert.equal(login.status, 0, login.stderr);
  const doc = JSON.parse(fs.readFileSync(path.join(dockerDir, 'config.json'), 'utf8'));
  assert.deepEqual(doc.auths[proxy.host], {}, 'docker\'s marker, no secret');
  assert.ok(!fs.readFileSync(runAuth(), 'utf8').includes(B64), 'not in plain text elsewhere');
  const pull = await s.env.tspod(['pull', `${proxy.host}/test/entry`], { env: henv });
  assert.equal(pull.status, 0, pull.stderr);
  assert.match(fs.readFileSync(path.join(store, 'calls'), 'utf8'), /store\nget/);
  const out = await s.env.tspod(['logout', proxy.host], { env: henv });
  assert.equal(out.status, 0, out.stderr);
  assert.match(fs.readFileSync(path.join(store, 'calls'), 'utf8'), /erase\n$/);
  assert.equal((await s.env.tspod(['pull', `${proxy.host}/test/entry`], { env: henv })).status, 125);
  // credHelpers, per registry, in an --authfile.
  const authfile = path.join(s.env.scratch, 'helpers-auth.json');
  fs.writeFileSync(authfile, JSON.stringify({ credHelpers: { [proxy.host]: 'tspodtest' } }), { mode: 0o666 });
  const l2 = await s.env.tspod(['login', '--authfile', authfile, '-u', 'alice', '--password-stdin', proxy.host], { input: SECRET, env: henv });
  assert.equal(l2.status, 0, l2.stderr);
  assert.ok(!fs.readFileSync(authfile, 'utf8').includes(B64));
  const p2 = await s.env.tspod(['pull', '--authfile', authfile, `${proxy.host}/test/entry`], { env: henv });
  assert.equal(p2.status, 0, p2.stderr);
  const missing = await s.env.tspod(['pull', '--authfile', authfile, `${proxy.host}/test/entry`], { env: { ...henv, PATH: '/usr/bin:/bin' } });
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /docker-credential-tspodtest` is not on PATH/);
});
