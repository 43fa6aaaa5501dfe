/**
 * --runtime runc: the same container on an installed OCI runtime (the issue
 * of the native runtime: "the spec runs on runc too"). runc runs in the
 * per-user user namespace through the helper's `oci` job; crun refuses this
 * host's hybrid cgroups, so runc is the one tested.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { suite, skip as noUser } from './harness.ts';
import { layered, webImage } from '../fixtures/images.ts';
import { fetchSoon } from './http.ts';
import { freePort } from '../fixtures/registry.ts';

const skip = noUser || (spawnSync('runc', ['--version']).status !== 0 ? 'runc is not installed' : false);
const s = suite({ 'test/layered': layered, 'test/web': webImage }, { pull: ['test/layered', 'test/web'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);

test('--runtime runc: docker\'s confinement, exit statuses, the user from the image, stdio pipes', { skip }, async () => {
  const r = await t('run', '--rm', '--runtime', 'runc', img(), 'sh', '-c',
    'grep -E "^(Seccomp|CapEff):" /proc/1/status | tr -s "\\t" " "; readlink /proc/self/fd/1 | cut -d: -f1; echo err > /dev/stderr');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'CapEff: 00000000a80425fb\nSeccomp: 2\npipe\n');
  assert.equal(r.stderr, 'err\n');
  assert.equal((await t('run', '--rm', '--runtime', 'runc', img(), 'sh', '-c', 'exit 3')).status, 3);
  const missing = await t('run', '--rm', '--runtime', 'runc', img(), 'nosuch');
  assert.equal(missing.status, 127);
  assert.match(missing.stderr, /executable file not found/);
  assert.equal((await t('run', '--rm', '--runtime', 'runc', '-u', 'nobody', img(), 'id', '-un')).stdout, 'nobody\n');
  const input = await s.env.tspod(['run', '--rm', '-i', '--runtime', 'runc', img(), 'cat'], { input: 'through runc\n' });
  assert.equal(input.stdout, 'through runc\n', input.stderr);
});

test('--runtime runc: detached on the default network with a published port, logs, exec, stop, start, inspect', { skip }, async () => {
  const port = await freePort();
  const r = await t('run', '-d', '--name', 'viarunc', '--runtime', 'runc', '-p', `127.0.0.1:${port}:80`, s.ref('test/web'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  assert.equal((await t('inspect', '-f', '{{.HostConfig.Runtime}} {{.HostConfig.NetworkMode}}', 'viarunc')).stdout, 'runc bridge\n');
  assert.match((await t('ps', '--format', '{{.Names}} {{.Status}}')).stdout, /^viarunc Up/m);
  assert.equal((await t('exec', 'viarunc', 'sh', '-c', 'grep ^Seccomp: /proc/self/status | tr -d "\\t"')).stdout, 'Seccomp:2\n');
  assert.equal((await t('kill', 'viarunc')).status, 0);
  assert.match((await t('wait', 'viarunc')).stdout, /^137\n$/);
  assert.equal((await t('start', 'viarunc')).status, 0);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  assert.equal((await t('rm', '-f', 'viarunc')).status, 0);
});

test('--runtime: an unknown runtime and what only tspod\'s runtime does are one line, exit 125', { skip }, async () => {
  const unknown = await t('run', '--rm', '--runtime', 'nosuchruntime', img(), 'true');
  assert.equal(unknown.status, 125);
  assert.match(unknown.stderr, /^Error: unknown or invalid runtime name: nosuchruntime\n/);
  const keepId = await t('run', '--rm', '--userns', 'keep-id', '--runtime', 'runc', img(), 'true');
  assert.equal(keepId.status, 125);
  assert.match(keepId.stderr, /--userns=keep-id needs tspod's own runtime/);
  assert.equal((await t('ps', '-a', '-q')).stdout, '');
});

test('--runtime with -t: the runtime sends the terminal over the console socket', { skip }, async () => {
  const tty = await t('run', '--rm', '-t', '--runtime', 'runc', img(), 'sh', '-c', 'tty; stty size; test -t 0 && echo stdin-is-the-tty; exit 4');
  assert.equal(tty.status, 4, tty.stderr);
  assert.match(tty.stdout, /^\/dev\/pts\/0\r\n24 80\r\nstdin-is-the-tty\r\n$/);
  assert.equal((await t('ps', '-a', '-q')).stdout, '');
});
