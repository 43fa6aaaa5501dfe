/**
 * docker's default confinement, for a container's own processes and for
 * `exec`'d ones alike (the native helper gives both the same spec).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);

const STATUS = 'grep -E "^(Seccomp|NoNewPrivs|CapEff|CapBnd):" /proc/self/status | tr -s "\\t " " "';
const EXPECTED = 'CapEff: 00000000a80425fb\nCapBnd: 00000000a80425fb\nNoNewPrivs: 0\nSeccomp: 2\n';

test('a container and its execs: docker\'s capabilities, seccomp filter on, no_new_privs off', { skip }, async () => {
  const own = await t('run', '--rm', img(), 'sh', '-c', STATUS);
  assert.equal(own.stdout, EXPECTED, own.stderr);
  assert.equal((await t('run', '-d', '--name', 'conf', img(), 'sleep', '1000')).status, 0);
  const ex = await t('exec', 'conf', 'sh', '-c', STATUS);
  assert.equal(ex.stdout, EXPECTED, ex.stderr);
  const pid1 = await t('exec', 'conf', 'sh', '-c', 'grep -E "^Seccomp:" /proc/1/status | tr -s "\\t " " "');
  assert.equal(pid1.stdout, 'Seccomp: 2\n');
  const asUser = await t('exec', '-u', '1000:1000', 'conf', 'sh', '-c', 'id -u; grep CapEff /proc/self/status | tr -s "\\t " " "');
  assert.equal(asUser.stdout, '1000\nCapEff: 0000000000000000\n', 'a non-root user keeps no capabilities');
  await t('rm', '-f', 'conf');
});

test('exec cannot undo read-only mounts; namespaces and mounts cannot be made; masked paths stay masked', { skip }, async () => {
  const data = path.join(s.env.scratch, 'ro-data');
  fs.mkdirSync(data, { recursive: true });
  fs.writeFileSync(path.join(data, 'keep.txt'), 'original\n');
  fs.chmodSync(data, 0o777);
  assert.equal((await t('run', '-d', '--name', 'ro', '--read-only', '-v', `${data}:/m:ro`, img(), 'sleep', '1000')).status, 0);
  const attempts = 'mount -o remount,rw /m 2>/dev/null && echo remounted-m; mount -o remount,rw / 2>/dev/null && echo remounted-root;'
    + ' echo x > /m/keep.txt 2>/dev/null && echo wrote-m; touch /newfile 2>/dev/null && echo wrote-root;'
    + ' unshare -U true 2>/dev/null && echo unshared; cat /proc/keys 2>/dev/null | head -1; echo done';
  for (const who of [['exec', 'ro'], ['exec', '-u', '0', 'ro']]) {
    const r = await t(...who, 'sh', '-c', attempts);
    assert.equal(r.stdout, 'done\n', `${who.join(' ')}: ${r.stdout}${r.stderr}`);
  }
  assert.equal(fs.readFileSync(path.join(data, 'keep.txt'), 'utf8'), 'original\n');
  const own = await t('run', '--rm', '--read-only', '-v', `${data}:/m:ro`, img(), 'sh', '-c', attempts);
  assert.equal(own.stdout, 'done\n');
  await t('rm', '-f', 'ro');
});

test('setuid binaries in images keep working (no_new_privs is off by default)', { skip }, async () => {
  const r = await t('run', '--rm', '-u', '1000', img(), 'sh', '-c', 'grep NoNewPrivs /proc/self/status | tr -s "\\t " " "; /usr/bin/suid');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /NoNewPrivs: 0\nsuid\n/);
});
