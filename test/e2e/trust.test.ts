/**
 * Trust: nothing tspod does harms the host, another user or stored data.
 * Each test reproduces a way an earlier tspod did harm (issue "Trust"), as
 * the non-root test user; root only sets up (ns_last_pid, another user's dir).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { smallFilesystem } from './small-fs.ts';
import { suite, skip, SOLO_USER } from './harness.ts';
import { layered, webImage } from '../fixtures/images.ts';
import { get, fetchSoon } from './http.ts';
import { busyboxBase } from '../fixtures/oci-image.ts';
import { freePort, pushImage } from '../fixtures/registry.ts';
import { startProxy } from '../fixtures/proxy.ts';

const s = suite({
  'test/layered': layered,
  'test/web': webImage,
}, { pull: ['test/layered', 'test/web'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asRoot = process.getuid!() === 0;

async function until(what: string, fn: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Whether pid names any process at all (a zombie too: its pid is still taken). */
const exists = (pid: number) => fs.existsSync(`/proc/${pid}`);
/** Whether pid names a process that has not exited. */
function isLive(pid: number): boolean {
  try { return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

const idOf = async (name: string) => (await t('inspect', '-f', '{{.Id}}', name)).stdout.trim();
const liveOf = (id: string) => JSON.parse(fs.readFileSync(path.join(s.env.run, 'containers', id, 'live.json'), 'utf8'));

/**
 * A process of the test user that takes `pid` (root writes ns_last_pid, then
 * forks at once; retried when another fork came first).
 */
async function decoyAt(pid: number): Promise<ChildProcess | undefined> {
  const got: number[] = [];
  for (let i = 0; i < 50; i++) {
    fs.writeFileSync('/proc/sys/kernel/ns_last_pid', String(pid - 1));
    const child = spawn('setpriv', ['--reuid', String(s.env.uid), '--regid', String(s.env.uid), '--clear-groups', 'sleep', '600'], { stdio: 'ignore' });
    if (child.pid === pid) return child;
    got.push(child.pid!);
    child.kill('SIGKILL');
    await sleep(10);
  }
  assert.fail(`could not start a decoy at pid ${pid} (got ${got.slice(0, 5).join(' ')}; /proc/${pid}: ${exists(pid)})`);
}

/** A container whose monitor and processes died without a word (a crash, or a reboot without the run dir's cleanup). */
async function crashed(name: string): Promise<{ id: string; pid: number }> {
  assert.equal((await t('run', '-d', '--name', name, img(), 'sleep', '1000')).status, 0);
  const id = await idOf(name);
  const live = liveOf(id);
  process.kill(live.monitor.pid, 'SIGKILL');
  await until(`${name}'s processes to be reaped`, () => !exists(live.init.pid) && !exists(live.monitor.pid));
  return { id, pid: live.init.pid };
}

test('a reused pid is never the container: ps, top, stop, pause, kill, rm -f and system reset leave a decoy alive', { skip: skip || (!asRoot && 'needs root to set ns_last_pid') }, async () => {
  const decoys: ChildProcess[] = [];
  try {
    const { pid } = await crashed('crashed');
    const decoy = await decoyAt(pid);
    assert.ok(decoy, `could not start a decoy at pid ${pid}`);
    decoys.push(decoy);
    const ps = await t('ps', '-a', '--filter', 'name=crashed');
    assert.match(ps.stdout, /Exited \(255\)/, 'a container whose processes are gone is exited');
    assert.equal((await t('top', 'crashed')).status, 125, 'top of an exited container fails');
    for (const verb of [['stop', 'crashed'], ['kill', 'crashed'], ['pause', 'crashed'], ['unpause', 'crashed']]) {
      await t(...verb);
      assert.ok(isLive(pid), `${verb[0]} left the decoy alive`);
    }
    assert.equal((await t('start', 'crashed')).status, 0, 'the crashed container starts again');
    assert.match((await t('ps', '--filter', 'name=crashed')).stdout, /Up /);
    assert.equal((await t('rm', '-f', 'crashed')).status, 0);
    assert.ok(isLive(pid), 'rm -f left the decoy alive');

    const second = await crashed('crashed2');
    const decoy2 = await decoyAt(second.pid);
    assert.ok(decoy2);
    decoys.push(decoy2);
    assert.equal((await t('rm', '-f', 'crashed2')).status, 0);
    assert.ok(isLive(second.pid), 'rm -f left the second decoy alive');
    const third = await crashed('crashed3');
    const decoy3 = await decoyAt(third.pid);
    assert.ok(decoy3);
    decoys.push(decoy3);
    assert.equal((await t('system', 'reset', '-f')).status, 0);
    assert.ok(isLive(third.pid), 'system reset left the decoy alive');
    assert.ok(isLive(pid) && isLive(second.pid));
  } finally {
    for (const d of decoys) d.kill('SIGKILL');
    // system reset removed the store: pull the images again for the tests after this one.
    for (const repo of ['test/layered', 'test/web']) await t('pull', s.ref(repo));
  }
});

test('after a reboot (run dir gone) a running container shows Exited and starts again', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'rebooted', img(), 'sleep', '1000')).status, 0);
  const id = await idOf('rebooted');
  const live = liveOf(id);
  process.kill(live.monitor.pid, 'SIGKILL');
  await until('the container to die with its monitor', () => !isLive(live.init.pid));
  fs.rmSync(path.join(s.env.run, 'containers', id), { recursive: true }); // tmpfs cleared by the reboot
  assert.match((await t('ps', '-a', '--filter', 'name=rebooted')).stdout, /Exited \(255\)/);
  assert.equal((await t('start', 'rebooted')).status, 0);
  assert.equal((await t('rm', '-f', 'rebooted')).status, 0);
});

test('the runtime dir must be the user\'s own: another user\'s, a symlink, an open mode are refused', { skip: skip || (!asRoot && 'needs root to make another user\'s dir') }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-trust-'));
  fs.chmodSync(tmp, 0o755);
  try {
    const other = Number(spawnSync('id', ['-u', SOLO_USER], { encoding: 'utf8' }).stdout.trim());
    const dir = path.join(tmp, `tspod-run-${s.env.uid}`);
    const noRuntime = { env: { TMPDIR: tmp }, unset: ['XDG_RUNTIME_DIR'] };
    fs.chmodSync(tmp, 0o1777);
    fs.mkdirSync(dir, { mode: 0o777 });
    fs.chmodSync(dir, 0o777);
    fs.chownSync(dir, other, other);
    const taken = await s.env.tspod(['ps'], noRuntime);
    assert.equal(taken.status, 125);
    assert.match(taken.stderr, /^Error: runtime directory `.*` is owned by uid \d+, not by you/);
    assert.equal(taken.stderr.trim().split('\n').length, 1, 'one line');
    fs.rmSync(dir, { recursive: true });
    const elsewhere = fs.mkdtempSync(path.join(tmp, 'target-'));
    fs.chownSync(elsewhere, s.env.uid, s.env.uid);
    fs.symlinkSync(elsewhere, dir);
    const link = await s.env.tspod(['ps'], noRuntime);
    assert.equal(link.status, 125);
    assert.match(link.stderr, /is a symbolic link/);
    fs.rmSync(dir);
    fs.mkdirSync(dir);
    fs.chmodSync(dir, 0o777);
    fs.chownSync(dir, s.env.uid, s.env.uid);
    const open = await s.env.tspod(['ps'], noRuntime);
    assert.equal(open.status, 125);
    assert.match(open.stderr, /has mode 0777/);
    fs.rmSync(dir, { recursive: true });
    // Made by tspod itself: private, and sockets 0600.
    const ok = await s.env.tspod(['run', '-d', '--name', 'private', img(), 'sleep', '100'], { ...noRuntime, timeoutMs: 60_000 });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(dir).uid, s.env.uid);
    const sockets = fs.readdirSync(path.join(dir, 'tspod', 's'));
    assert.ok(sockets.length > 0);
    for (const sock of sockets) assert.equal(fs.statSync(path.join(dir, 'tspod', 's', sock)).mode & 0o777, 0o600);
    await s.env.tspod(['rm', '-f', 'private'], noRuntime);
    await s.env.tspod(['system', 'reset', '-f'], noRuntime);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('one damaged record hurts only itself: listed as unknown, others work, rm -f removes it', { skip }, async () => {
  for (const n of ['good', 'cut', 'typed', 'badstate']) assert.equal((await t('create', '--name', n, img(), 'true')).status, 0);
  const dirOf = async (n: string) => path.join(s.env.root, 'containers', await idOf(n));
  const cut = await dirOf('cut');
  const typed = await dirOf('typed');
  const badstate = await dirOf('badstate');
  const cutId = path.basename(cut);
  fs.writeFileSync(path.join(cut, 'container.json'), fs.readFileSync(path.join(cut, 'container.json'), 'utf8').slice(0, 40));
  fs.writeFileSync(path.join(typed, 'container.json'), JSON.stringify({ id: path.basename(typed), name: 7, config: 'x' }));
  fs.writeFileSync(path.join(badstate, 'state.json'), '{"status": 42, "exitCode": "x"');
  const ps = await t('ps', '-a');
  assert.equal(ps.status, 0, ps.stderr);
  assert.match(ps.stdout, /good/);
  assert.match(ps.stdout, new RegExp(cutId.slice(0, 12)));
  assert.match(ps.stdout, /badstate/);
  const run = await t('run', '--rm', img(), 'echo', 'still works');
  assert.equal(run.stdout, 'still works\n', run.stderr);
  assert.equal((await t('start', '-a', 'good')).status, 0);
  const start = await t('start', 'badstate');
  assert.notEqual(start.status, 0);
  assert.match(start.stderr, /state\.json/);
  assert.equal(start.stderr.trim().split('\n').length, 1);
  for (const c of [cutId, path.basename(typed), 'badstate']) assert.equal((await t('rm', '-f', c)).status, 0, `rm -f ${c}`);
  assert.equal((await t('rm', 'good')).status, 0);
  assert.equal((await t('ps', '-aq')).stdout, '');
});

test('the Node inside tspod takes no options: argv after the image and NODE_OPTIONS are not Node\'s', { skip }, async () => {
  const echo = await t('run', '--rm', img(), 'echo', '--env-file', '/x');
  assert.equal(echo.status, 0, echo.stderr);
  assert.equal(echo.stdout, '--env-file /x\n');
  const withOptions = await s.env.tspod(['run', '--rm', img(), 'true'], { env: { NODE_OPTIONS: '--require=/nonexistent --max-old-space-size=1' } });
  assert.equal(withOptions.status, 0, withOptions.stderr);
  const inspectFlag = await t('--inspect', 'ps');
  assert.equal(inspectFlag.status, 125);
});



test('a dead network helper takes its container along: never Up without a network; start recovers', { skip }, async () => {
  const port = await freePort();
  assert.equal((await t('run', '-d', '--name', 'netlost', '-p', `127.0.0.1:${port}:80`, s.ref('test/web'))).status, 0);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  const live = liveOf(await idOf('netlost'));
  // The port forwarder (the way out is the per-user stack, which no container owns).
  const helpers = spawnSync('pgrep', ['-P', String(live.monitor.pid), '-f', 'pasta|passt|slirp4netns|tspod-rt.* forward'], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
  assert.ok(helpers.length > 0, 'the container has a network helper');
  for (const pid of helpers) process.kill(Number(pid), 'SIGKILL');
  await until('the container to stop', async () => /Exited/.test((await t('ps', '-a', '--filter', 'name=netlost')).stdout));
  assert.match((await t('inspect', '-f', '{{.State.Error}}', 'netlost')).stdout, /network/);
  assert.equal((await t('start', 'netlost')).status, 0);
  assert.equal(await fetchSoon(port), 'served by httpd\n');
  assert.equal((await t('rm', '-f', 'netlost')).status, 0);
});

test('garbage collection never eats a pull: prune and rmi in a loop during a pull, then the image runs', { skip }, async () => {
  // A pull made slow by a proxy, so the collections run while its layers are committed one by one.
  const bulk = crypto.randomBytes(400_000);
  pushImage({
    layers: [{ entries: busyboxBase('tspod-gc') }, { compression: 'none', entries: [{ path: 'bulk.bin', content: bulk }] }],
    config: { Cmd: ['/bin/sh'] },
  }, s.ref('test/gcpull:latest'));
  const proxy = await startProxy({ upstream: s.reg.host, faults: [{ match: /\/blobs\/sha256:/, kind: 'slow', bytesPerTick: 8192 }] });
  try {
    const ref = `${proxy.host}/test/gcpull`;
    let done = false;
    const pull = s.env.tspod(['pull', ref], { timeoutMs: 120_000 }).finally(() => { done = true; });
    let collections = 0;
    while (!done) {
      await t('container', 'prune', '-f');
      await t('rmi', '-f', 'no-such-image');
      collections++;
    }
    const pulled = await pull;
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.ok(collections >= 2, `only ${collections} collections ran during the pull`);
    const r = await t('run', '--rm', ref, 'sh', '-c', 'wc -c < /bulk.bin');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '400000');
    assert.equal((await t('rmi', ref)).status, 0);
  } finally {
    await proxy.stop();
  }
});

test('disk full is survivable: one line naming the path, exit 125, exit statuses recorded, space reclaimed', { skip: skip || (!asRoot && 'needs root to mount a small filesystem') }, async () => {
  const disk = smallFilesystem('tspod-full-', s.env.uid);
  const mnt = disk.mnt;
  const opts = { env: { XDG_DATA_HOME: mnt } };
  const small = (...args: string[]) => s.env.tspod(args, opts);
  try {
    assert.equal((await small('pull', img())).status, 0);
    // The container fills the disk: its own writes fail, and its exit is still recorded.
    assert.equal((await small('run', '-d', '--name', 'filler', img(), 'sh', '-c', 'dd if=/dev/zero of=/fill bs=1M count=100; echo dd-status=$?; exit 3')).status, 0);
    await until('the filler to exit', async () => /Exited/.test((await small('ps', '-a')).stdout), 30_000);
    assert.match((await small('ps', '-a')).stdout, /Exited \(3\)/);
    assert.match((await small('logs', 'filler')).stdout, /dd-status=1/);
    const pull = await small('pull', s.ref('test/web'));
    assert.equal(pull.status, 125);
    assert.match(pull.stderr, /^Error: .*`\/.*`.*(ENOSPC|no space left on device)/i);
    assert.equal(pull.stderr.trim().split('\n').length, 1, pull.stderr);
    const images = await small('images', '--format', '{{.Repository}}');
    assert.equal(images.status, 0);
    assert.equal(images.stdout.trim(), s.ref('test/layered'), 'no half-stored image');
    // Space freed: everything works again.
    assert.equal((await small('rm', '-f', 'filler')).status, 0);
    const again = await small('pull', s.ref('test/web'));
    assert.equal(again.status, 0, again.stderr);
    assert.equal((await small('run', '--rm', s.ref('test/web'), 'cat', '/www/index.html')).stdout, 'served by httpd\n');
  } finally {
    await small('system', 'reset', '-f');
    disk.remove();
  }
});

test('a published port never makes a client look local, and never publishes a loopback-only service', { skip }, async () => {
  const [port, loopPort] = [await freePort(), await freePort()];
  const peer = 'mkdir -p /www/cgi-bin; printf "#!/bin/sh\\necho Content-Type: text/plain\\necho\\necho \\$REMOTE_ADDR\\n" > /www/cgi-bin/peer; chmod 755 /www/cgi-bin/peer;'
    + ' httpd -p 127.0.0.1:81 -h /www; exec httpd -f -p 80 -h /www';
  const r = await t('run', '-d', '--name', 'peer', '-p', `127.0.0.1:${port}:80`, '-p', `127.0.0.1:${loopPort}:81`, s.ref('test/web'), 'sh', '-c', peer);
  assert.equal(r.status, 0, r.stderr);
  const seen = await new Promise<string>((resolve, reject) => {
    const tryGet = (i: number) => http.get({ host: '127.0.0.1', port, path: '/cgi-bin/peer', timeout: 3000, insecureHTTPParser: true }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body.trim()));
    }).on('error', (err) => (i > 50 ? reject(err) : setTimeout(() => tryGet(i + 1), 100)));
    tryGet(0);
  });
  // busybox httpd listens on IPv6 too: an IPv4 peer shows as [::ffff:A.B.C.D].
  const addr = /^(?:\[::ffff:)?(\d+\.\d+\.\d+\.\d+)\]?$/.exec(seen)?.[1];
  assert.ok(addr, `the server saw ${seen}`);
  assert.ok(!addr.startsWith('127.'), `the server saw the client as ${seen}: a loopback address`);
  const inside = await t('exec', 'peer', 'wget', '-q', '-O', '-', 'http://127.0.0.1:81/index.html');
  assert.equal(inside.stdout, 'served by httpd\n', 'the loopback-only server runs');
  await assert.rejects(get(loopPort), 'a loopback-only service is not reachable through -p');
  assert.equal((await t('rm', '-f', 'peer')).status, 0);
});
