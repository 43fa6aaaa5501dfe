/** Containers that outlive the command: the detached lifecycle, without a daemon. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';
import { busyboxBase } from '../fixtures/oci-image.ts';

const s = suite({
  'test/layered': layered,
  'test/stopsig': { layers: [{ entries: busyboxBase() }], config: { Cmd: ['/bin/sh'], StopSignal: 'SIGUSR1' } },
}, { pull: ['test/layered', 'test/stopsig'] });
const img = () => s.ref('test/layered');
const stopSigImg = () => s.ref('test/stopsig');

const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}
const status = async (name: string) => (await t('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).stdout.trim();

test('run -d prints the full id; ps, inspect, logs; the id prefix and name both work', { skip }, async () => {
  const r = await t('run', '-d', '--name', 'web', img(), 'sh', '-c', 'echo out; echo err >&2; exec sleep 1000');
  assert.equal(r.status, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  const ps = await t('ps');
  assert.match(ps.stdout, new RegExp(`^${id.slice(0, 12)}\\s+${img()}\\s+"sh -c 'echo out.*Up .*web$`.replace("'", '').replace("'", ''), 'm'));
  assert.equal((await t('ps', '-q', '--no-trunc')).stdout.trim(), id);
  const inspect = JSON.parse((await t('inspect', id.slice(0, 5))).stdout);
  assert.equal(inspect[0].Id, id);
  assert.equal(inspect[0].Name, '/web');
  assert.equal(inspect[0].State.Running, true);
  assert.ok(inspect[0].State.Pid > 0);
  assert.equal(inspect[0].Config.Image, img());
  await until('logs', async () => (await t('logs', 'web')).stdout === 'out\n');
  const logs = await t('logs', 'web');
  assert.equal(logs.stderr, 'err\n');
  const ts = await t('logs', '-t', 'web');
  assert.match(ts.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z out\n$/);
  const dup = await t('run', '-d', '--name', 'web', img(), 'true');
  assert.equal(dup.status, 125);
  assert.match(dup.stderr, /already in use/);
});

test('stop: SIGTERM first; a process ignoring it is killed after the timeout (137)', { skip }, async () => {
  await t('run', '-d', '--name', 'stubborn', img(), 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done');
  const began = Date.now();
  const r = await t('stop', '-t', '2', 'stubborn');
  assert.equal(r.status, 0, r.stderr);
  const took = Date.now() - began;
  assert.ok(took >= 1800, `stop waited the timeout (${took} ms)`);
  assert.equal(await status('stubborn'), 'exited 137');
  assert.match((await t('ps', '-a', '--filter', 'name=stubborn')).stdout, /Exited \(137\)/);
  await t('run', '-d', '--name', 'polite', img(), 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.1; done');
  await t('stop', 'polite');
  assert.equal(await status('polite'), 'exited 143');
  await t('run', '-d', '--name', 'custom', stopSigImg(), 'sh', '-c', 'trap "exit 42" USR1; while :; do sleep 0.1; done');
  await t('stop', 'custom');
  assert.equal(await status('custom'), 'exited 42', 'the image StopSignal is honoured');
});

test('kill -s, wait, start, restart', { skip }, async () => {
  await t('run', '-d', '--name', 'k', img(), 'sh', '-c', 'trap "exit 3" HUP; while :; do sleep 0.1; done');
  const waiting = t('wait', 'k');
  assert.equal((await t('kill', '-s', 'HUP', 'k')).status, 0);
  assert.equal((await waiting).stdout, '3\n');
  assert.equal((await t('kill', 'k')).status, 1, 'killing a stopped container fails');
  assert.equal((await t('start', 'k')).status, 0);
  assert.match(await status('k'), /^running/);
  assert.equal((await t('restart', '-t', '1', 'k')).status, 0);
  assert.match(await status('k'), /^running/);
  assert.equal((await t('rm', 'k')).status, 1, 'rm refuses a running container');
  assert.equal((await t('rm', '-f', 'k')).status, 0);
});

test('create, then start -a prints output and returns the status; logs of attached runs', { skip }, async () => {
  const id = (await t('create', '--name', 'later', img(), 'sh', '-c', 'echo from-create; exit 4')).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(await status('later'), 'created 0');
  const r = await t('start', '-a', 'later');
  assert.equal(r.status, 4);
  assert.equal(r.stdout, 'from-create\n');
  const attached = await t('run', '--name', 'fg', img(), 'echo', 'attached-output');
  assert.equal(attached.stdout, 'attached-output\n');
  assert.equal((await t('logs', 'fg')).stdout, 'attached-output\n');
});

test('logs -f follows a running container and ends when it exits; --tail, --since', { skip }, async () => {
  await t('run', '-d', '--name', 'counter', img(), 'sh', '-c', 'for i in 1 2 3 4 5; do echo line $i; sleep 0.2; done');
  const f = await t('logs', '-f', 'counter');
  assert.equal(f.stdout, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  assert.equal((await t('logs', '--tail', '2', 'counter')).stdout, 'line 4\nline 5\n');
  assert.equal((await t('logs', '-n', '0', 'counter')).stdout, '');
  assert.equal((await t('logs', '--since', '1h', 'counter')).stdout.split('\n').length, 6);
  assert.equal((await t('logs', '--until', '2000-01-01T00:00:00Z', 'counter')).stdout, '');
});

test('restart policies: on-failure:N, always, and stop is respected', { skip }, async () => {
  await t('run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', img(), 'sh', '-c', 'echo try; exit 1');
  await until('flaky to give up', async () => (await status('flaky')) === 'exited 1' && (await t('logs', 'flaky')).stdout === 'try\ntry\ntry\n');
  assert.equal((await t('inspect', '-f', '{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}', 'flaky')).stdout.trim(), '2 on-failure');
  await t('run', '-d', '--name', 'phoenix', '--restart', 'always', img(), 'sh', '-c', 'sleep 0.3; exit 0');
  await until('phoenix restarted', async () => Number((await t('inspect', '-f', '{{.RestartCount}}', 'phoenix')).stdout) >= 1);
  assert.equal((await t('stop', '-t', '1', 'phoenix')).status, 0);
  await sleep(800);
  assert.match(await status('phoenix'), /^exited/);
  const bad = await t('run', '-d', '--restart', 'sometimes', img(), 'true');
  assert.equal(bad.status, 125);
});

test('exec sees the container processes and files; -u, -w, -e; exit status', { skip }, async () => {
  await t('run', '-d', '--name', 'box', img(), 'sh', '-c', 'echo data > /tmp/marker; exec sleep 1000');
  await until('marker', async () => (await t('exec', 'box', 'cat', '/tmp/marker')).stdout === 'data\n');
  const ps = await t('exec', 'box', 'ps', '-o', 'pid,comm');
  assert.match(ps.stdout, /^\s*1 sleep$/m);
  const who = await t('exec', '-u', 'appuser', '-w', '/tmp', '-e', 'X=y', 'box', 'sh', '-c', 'id -u; pwd; echo $X $IMAGE_VAR');
  assert.equal(who.stdout, '1000\n/tmp\ny from-image\n');
  assert.equal((await t('exec', 'box', 'sh', '-c', 'exit 9')).status, 9);
  assert.equal((await t('exec', 'box', 'no-such-cmd')).status, 127);
  const piped = await s.env.tspod(['exec', '-i', 'box', 'cat'], { input: 'through stdin\n' });
  assert.equal(piped.stdout, 'through stdin\n');
  assert.equal((await t('exec', '-d', 'box', 'sh', '-c', 'echo detached > /tmp/d')).status, 0);
  await until('detached exec', async () => (await t('exec', 'box', 'cat', '/tmp/d')).stdout === 'detached\n');
  const top = await t('top', 'box');
  assert.match(top.stdout, /^UID\s+PID\s+PPID/);
  assert.match(top.stdout, /sleep 1000/);
});

test('pause and unpause', { skip }, async () => {
  assert.equal((await t('pause', 'box')).status, 0);
  assert.match((await t('ps', '--filter', 'name=box')).stdout, /\(Paused\)/);
  const st = (await t('inspect', '-f', '{{.State.Paused}} {{.State.Status}}', 'box')).stdout.trim();
  assert.equal(st, 'true paused');
  assert.equal((await t('unpause', 'box')).status, 0);
  assert.equal((await t('exec', 'box', 'echo', 'alive')).stdout, 'alive\n');
});

test('cp round-trips a directory tree with modes, and never escapes through symlinks', { skip }, async () => {
  const src = path.join(s.env.scratch, 'tree');
  fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
  fs.writeFileSync(path.join(src, 'exec.sh'), '#!/bin/sh\n');
  fs.chmodSync(path.join(src, 'exec.sh'), 0o751);
  fs.writeFileSync(path.join(src, 'sub', 'deeper', 'f'), 'deep\n');
  fs.chmodSync(path.join(src, 'sub'), 0o710);
  fs.symlinkSync('exec.sh', path.join(src, 'link'));
  spawnSync('chown', ['-R', `${s.env.uid}:${s.env.uid}`, s.env.scratch]);
  assert.equal((await t('cp', src, 'box:/tmp/')).status, 0);
  const inside = await t('exec', 'box', 'sh', '-c', 'cd /tmp/tree && stat -c "%a %U %n" exec.sh sub && cat sub/deeper/f && readlink link');
  assert.equal(inside.stdout, '751 root exec.sh\n710 root sub\ndeep\nexec.sh\n');
  const back = path.join(s.env.scratch, 'back');
  assert.equal((await t('cp', 'box:/tmp/tree', back)).status, 0);
  assert.equal(fs.statSync(path.join(back, 'exec.sh')).mode & 0o777, 0o751);
  assert.equal(fs.statSync(path.join(back, 'sub')).mode & 0o777, 0o710);
  assert.equal(fs.readFileSync(path.join(back, 'sub', 'deeper', 'f'), 'utf8'), 'deep\n');
  assert.equal(fs.readlinkSync(path.join(back, 'link')), 'exec.sh');
  assert.equal(fs.statSync(path.join(back, 'exec.sh')).uid, s.env.uid);
  await t('exec', 'box', 'ln', '-s', '/', '/tmp/root-link');
  const outside = path.join(s.env.scratch, 'escape');
  fs.writeFileSync(outside, 'x');
  spawnSync('chown', [`${s.env.uid}`, outside]);
  assert.equal((await t('cp', outside, 'box:/tmp/root-link/')).status, 0);
  assert.equal((await t('exec', 'box', 'cat', '/escape')).stdout, 'x', 'landed in the container root');
  const contents = path.join(s.env.scratch, 'contents');
  fs.mkdirSync(contents);
  spawnSync('chown', [`${s.env.uid}`, contents]);
  assert.equal((await t('cp', 'box:/tmp/tree/.', contents)).status, 0);
  assert.ok(fs.existsSync(path.join(contents, 'exec.sh')));
  await t('stop', '-t', '0', 'box');
  const stopped = path.join(s.env.scratch, 'from-stopped');
  assert.equal((await t('cp', 'box:/tmp/marker', stopped)).status, 0);
  assert.equal(fs.readFileSync(stopped, 'utf8'), 'data\n');
  assert.equal((await t('cp', 'box:/no/such', stopped)).status, 125);
});

test('rename, port, generate systemd, container prune', { skip }, async () => {
  assert.equal((await t('rename', 'box', 'box2')).status, 0);
  assert.equal(await status('box2'), 'exited 137');
  assert.equal((await t('rename', 'box2', 'web')).status, 125);
  assert.equal((await t('port', 'web')).stdout, '');
  const unit = await t('generate', 'systemd', 'box2');
  assert.match(unit.stdout, /ExecStart=.* start --attach box2/);
  assert.match(unit.stdout, /WantedBy=default.target/);
  // Removals begun and never finished (the remover or the monitor killed): in no listing; prune takes their files.
  const abandoned: string[] = [];
  for (const [name, marker] of [['gone1', 'container.json.removing'], ['gone2', 'container.json.left']]) {
    assert.equal((await t('create', '--name', name, img(), 'true')).status, 0);
    const dir = path.join(s.env.root, 'containers', (await t('inspect', '-f', '{{.Id}}', name)).stdout.trim());
    fs.renameSync(path.join(dir, 'container.json'), path.join(dir, marker));
    const old = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(dir, marker), old, old);
    abandoned.push(dir);
  }
  assert.doesNotMatch((await t('ps', '-a')).stdout, /gone/);
  const prune = await t('container', 'prune', '-f');
  assert.equal(prune.status, 0);
  for (const dir of abandoned) assert.equal(fs.existsSync(dir), false, `${dir} removed`);
  const left = (await t('ps', '-a', '--format', '{{.Names}}')).stdout.trim().split('\n');
  assert.deepEqual(left, ['web'], 'only the running container stays');
});

test('a monitor killed with SIGKILL takes its container along: ps says Exited (255), start recovers it', { skip }, async () => {
  await t('run', '-d', '--name', 'orphan', img(), 'sleep', '1000');
  const id = (await t('inspect', '-f', '{{.Id}}', 'orphan')).stdout.trim();
  const live = JSON.parse(fs.readFileSync(path.join(s.env.run, 'containers', id, 'live.json'), 'utf8'));
  process.kill(live.monitor.pid, 'SIGKILL');
  await until('the orphaned container to show as exited', async () => /Exited \(255\)/.test((await t('ps', '-a', '--filter', 'name=orphan')).stdout));
  await until('its process to be gone', async () => !isLive(live.init.pid));
  assert.equal((await t('start', 'orphan')).status, 0);
  assert.match((await t('ps', '--filter', 'name=orphan')).stdout, /Up .*orphan/);
  assert.equal((await t('rm', '-f', 'orphan')).status, 0);
  assert.equal((await t('ps', '-a', '--filter', 'name=orphan', '-q')).stdout, '');
});

/** A pid that names a process that has not exited (zombies count as gone: this host's pid 1 may not reap). */
function isLive(pid: number): boolean {
  try { return !/^\S+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
}

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

test('run -it, Ctrl-P Ctrl-Q detaches; attach reconnects; --detach-keys', { skip: skip || (!hasTmux && 'tmux not installed') }, async () => {
  const session = `tspod-attach-${process.pid}`;
  const screen = () => spawnSync('tmux', ['capture-pane', '-t', session, '-p'], { encoding: 'utf8' }).stdout;
  const keys = (...k: string[]) => spawnSync('tmux', ['send-keys', '-t', session, ...k]);
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 100; i++) { if (re.test(screen())) return; await sleep(100); }
    assert.fail(`screen never matched ${re}:\n${screen()}`);
  };
  const q = (a: string[]) => a.map((s) => `'${s}'`).join(' ');
  spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '20', `${q(s.env.argv(['run', '-it', '--name', 'ia', img(), 'sh']))}; echo RUN-EXIT=$?; sleep 60`]);
  try {
    await waitFor(/^\/ #/m);
    keys('echo first-session', 'Enter');
    await waitFor(/^first-session$/m);
    keys('C-p', 'C-q');
    await waitFor(/RUN-EXIT=0/);
    assert.match(await status('ia'), /^running/);
    spawnSync('tmux', ['kill-session', '-t', session]);
    spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '20', `${q(s.env.argv(['attach', '--detach-keys', 'ctrl-a,d', 'ia']))}; echo ATTACH-EXIT=$?; sleep 60`]);
    await sleep(500);
    keys('echo second-$((1+1))', 'Enter');
    await waitFor(/^second-2$/m);
    keys('C-a', 'd');
    await waitFor(/ATTACH-EXIT=0/);
    assert.match(await status('ia'), /^running/);
    spawnSync('tmux', ['kill-session', '-t', session]);
    spawnSync('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '20', `${q(s.env.argv(['attach', 'ia']))}; echo ATTACH-EXIT=$?; sleep 60`]);
    await sleep(500);
    keys('exit 6', 'Enter');
    await waitFor(/ATTACH-EXIT=6/);
    assert.equal(await status('ia'), 'exited 6');
    assert.match((await t('logs', 'ia')).stdout, /first-session[\s\S]*second-2/);
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session]);
  }
});
