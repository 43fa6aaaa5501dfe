/**
 * Docker's contract: what images and scripts rely on — real pipes for stdio,
 * idempotent force, the network and terminal details docker gives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered, webImage } from '../fixtures/images.ts';
import { fetchSoon } from './http.ts';
import { freePort } from '../fixtures/registry.ts';

const s = suite({
  'test/layered': layered,
  'test/web': webImage,
}, { pull: ['test/layered', 'test/web'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What the container sees as its stdio: a pipe, and /dev/stdout and /dev/stderr open. */
const PROBE = 'readlink /proc/self/fd/1 | cut -d: -f1; echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr; echo via-fd > /proc/self/fd/1';

test('containers get real pipes: /dev/stdout and /dev/stderr open, attached, detached, with -i, start -a, exec', { skip }, async () => {
  const attached = await t('run', '--rm', img(), 'sh', '-c', PROBE);
  assert.equal(attached.status, 0, attached.stderr);
  assert.equal(attached.stdout, 'pipe\nto-stdout\nvia-fd\n');
  assert.equal(attached.stderr, 'to-stderr\n');
  const interactive = await s.env.tspod(['run', '--rm', '-i', img(), 'sh', '-c', `cat; ${PROBE}; readlink /proc/self/fd/0 | cut -d: -f1`], { input: 'from-stdin\n' });
  assert.equal(interactive.stdout, 'from-stdin\npipe\nto-stdout\nvia-fd\npipe\n', interactive.stderr);
  assert.equal((await t('run', '-d', '--name', 'piped', img(), 'sh', '-c', `${PROBE}; sleep 100`)).status, 0);
  for (let i = 0; i < 50 && !(await t('logs', 'piped')).stdout.includes('via-fd'); i++) await sleep(100);
  const logs = await t('logs', 'piped');
  assert.equal(logs.stdout, 'pipe\nto-stdout\nvia-fd\n');
  assert.equal(logs.stderr, 'to-stderr\n');
  const exec = await t('exec', 'piped', 'sh', '-c', PROBE);
  assert.equal(exec.stdout, 'pipe\nto-stdout\nvia-fd\n', exec.stderr);
  assert.equal(exec.stderr, 'to-stderr\n');
  assert.equal((await t('rm', '-f', 'piped')).status, 0);
  assert.equal((await t('create', '--name', 'startme', img(), 'sh', '-c', PROBE)).status, 0);
  const started = await t('start', '-a', 'startme');
  assert.equal(started.stdout, 'pipe\nto-stdout\nvia-fd\n', started.stderr);
  assert.equal((await t('rm', 'startme')).status, 0);
});

test('force means idempotent: rm -f, rmi -f, network rm -f of what does not exist exit 0', { skip }, async () => {
  for (const args of [['rm', '-f', 'no-such-container'], ['rmi', '-f', 'no-such-image:1'], ['network', 'rm', '-f', 'no-such-net']]) {
    const r = await t(...args);
    assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
  }
  assert.notEqual((await t('rm', 'no-such-container')).status, 0, 'without -f it is still an error');
  assert.equal((await t('create', '--name', 'real', img(), 'true')).status, 0);
  const mixed = await t('rm', '-f', 'ghost', 'real');
  assert.equal(mixed.status, 0, mixed.stderr);
  assert.equal(mixed.stdout, 'real\n');
});

test('--network none has its loopback up', { skip }, async () => {
  const r = await t('run', '--rm', '--network', 'none', img(), 'sh', '-c', 'ip -o link show lo | grep -c "state UNKNOWN\\|UP"; ip -o link | wc -l');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1\n1\n');
});

test('-t sets TERM=xterm unless -e TERM is given, for run and exec', { skip }, async () => {
  const run = await s.env.tspod(['run', '--rm', '-t', img(), 'sh', '-c', 'echo $TERM'], { env: { TERM: 'host-term' } });
  assert.equal(run.stdout.trim(), 'xterm');
  const own = await s.env.tspod(['run', '--rm', '-t', '-e', 'TERM=vt100', img(), 'sh', '-c', 'echo $TERM'], { env: { TERM: 'host-term' } });
  assert.equal(own.stdout.trim(), 'vt100');
  assert.equal((await t('run', '-d', '--name', 'termy', img(), 'sleep', '100')).status, 0);
  const exec = await s.env.tspod(['exec', '-t', 'termy', 'sh', '-c', 'echo $TERM'], { env: { TERM: 'host-term' } });
  assert.equal(exec.stdout.trim(), 'xterm');
  const execOwn = await s.env.tspod(['exec', '-t', '-e', 'TERM=vt220', 'termy', 'sh', '-c', 'echo $TERM'], { env: { TERM: 'host-term' } });
  assert.equal(execOwn.stdout.trim(), 'vt220');
  await t('rm', '-f', 'termy');
});


test('two address-qualified ports on one container; a port published twice is one line of tspod\'s', { skip }, async () => {
  const [a, b] = [await freePort(), await freePort()];
  const r = await t('run', '-d', '--name', 'twoports', '-p', `127.0.0.1:${a}:80`, '-p', `127.0.0.1:${b}:80`, s.ref('test/web'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await fetchSoon(a), 'served by httpd\n');
  assert.equal(await fetchSoon(b), 'served by httpd\n');
  await t('rm', '-f', 'twoports');
  const dup = await t('run', '--rm', '-p', `127.0.0.1:${a}:80`, '-p', `127.0.0.1:${a}:81`, s.ref('test/web'));
  assert.equal(dup.status, 125);
  assert.match(dup.stderr, /^Error: Bind for 127\.0\.0\.1:\d+ failed: port is already allocated/);
  assert.equal(dup.stderr.trim().split('\n').length, 1);
});

test('pause with an exec running: unpause lets the exec finish; kill of a paused container; rm -f leaves nothing', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'pz', img(), 'sleep', '1000')).status, 0);
  const exec = t('exec', 'pz', 'sh', '-c', 'sleep 1; echo exec-done');
  await sleep(300);
  assert.equal((await t('pause', 'pz')).status, 0);
  await sleep(1500);
  assert.equal((await t('unpause', 'pz')).status, 0);
  const done = await exec;
  assert.equal(done.stdout, 'exec-done\n', done.stderr);
  // A paused container with a stopped exec: rm -f ends both.
  const argv = s.env.argv(['exec', 'pz', 'sleep', '1000']);
  const stuck = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  await sleep(500);
  assert.equal((await t('pause', 'pz')).status, 0);
  const killed = await t('kill', 'pz');
  assert.equal(killed.status, 0, killed.stderr);
  await new Promise((r) => { const to = setTimeout(r, 10_000); stuck.once('exit', () => { clearTimeout(to); r(undefined); }); });
  assert.notEqual(stuck.exitCode ?? stuck.signalCode, null, 'the exec ended with the container');
  assert.match((await t('ps', '-a', '--filter', 'name=pz')).stdout, /Exited \(137\)/);
  assert.equal((await t('rm', '-f', 'pz')).status, 0);
});
