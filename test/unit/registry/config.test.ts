import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseRegistriesConf, isInsecure, mirrorsFor, findCredentials } from '../../../src/registry/config.ts';

test('registries.conf: insecure registries and mirrors', () => {
  const conf = parseRegistriesConf(`
unqualified-search-registries = ["docker.io"]
# comment
[[registry]]
location = "reg.internal:5000"
insecure = true

[[registry]]
location = "docker.io"
[[registry.mirror]]
location = "mirror.internal:5000"
insecure = true
`);
  assert.ok(isInsecure(conf, 'reg.internal:5000'));
  assert.ok(!isInsecure(conf, 'docker.io'));
  assert.ok(isInsecure(conf, '127.0.0.1:5000'), 'loopback is insecure by default, as in docker');
  assert.ok(isInsecure(conf, 'localhost:5000'));
  assert.deepEqual(mirrorsFor(conf, 'docker.io'), [{ location: 'mirror.internal:5000', insecure: true, pullFromMirror: 'all' }]);
  assert.ok(isInsecure(parseRegistriesConf('[registries.insecure]\nregistries = ["old.style:1"]'), 'old.style:1'));
});

test('credentials from docker config.json and containers auth.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-auth-'));
  fs.mkdirSync(path.join(dir, '.docker'));
  fs.writeFileSync(path.join(dir, '.docker', 'config.json'), JSON.stringify({ auths: {
    'https://index.docker.io/v1/': { auth: Buffer.from('hub:secret').toString('base64') },
    'reg.internal:5000': { auth: Buffer.from('me:p:w').toString('base64') },
  } }));
  fs.mkdirSync(path.join(dir, 'run', 'containers'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'run', 'containers', 'auth.json'), JSON.stringify({ auths: { 'reg.internal:5000': { auth: Buffer.from('first:wins').toString('base64') } } }));
  const env = { HOME: dir, XDG_RUNTIME_DIR: path.join(dir, 'run') };
  assert.deepEqual(findCredentials('docker.io', env), { username: 'hub', password: 'secret' });
  assert.deepEqual(findCredentials('reg.internal:5000', env), { username: 'first', password: 'wins' });
  assert.equal(findCredentials('other:1', env), undefined);
  fs.rmSync(path.join(dir, 'run'), { recursive: true });
  assert.deepEqual(findCredentials('reg.internal:5000', env), { username: 'me', password: 'p:w' });
  fs.rmSync(dir, { recursive: true });
});
