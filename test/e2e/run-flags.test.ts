/**
 * `run` flags that change the container's confinement and process:
 * --cap-add/--cap-drop, --privileged, --security-opt, --ulimit, --shm-size,
 * --group-add, --stop-signal, --stop-timeout (as the non-root user).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);
const status = (field: string) => `grep -E "^${field}:" /proc/self/status | tr -s "\\t " " "`;

test('--cap-drop ALL --cap-add, --cap-add with or without CAP_, --privileged', { skip }, async () => {
  const one = await t('run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'chown', img(), 'sh', '-c', status('CapEff'));
  assert.equal(one.stdout, 'CapEff: 0000000000000001\n', one.stderr);
  const net = await t('run', '--rm', '--cap-add', 'CAP_NET_ADMIN', '--cap-drop', 'mknod', img(), 'sh', '-c', status('CapEff'));
  // docker's default (a80425fb) with NET_ADMIN (bit 12) and without MKNOD (bit 27).
  assert.equal(net.stdout, 'CapEff: 00000000a00435fb\n', net.stderr);
  const last = Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const all = (2n ** BigInt(last + 1) - 1n).toString(16).padStart(16, '0');
  const priv = await t('run', '--rm', '--privileged', img(), 'sh', '-c', `${status('CapEff')}; ${status('Seccomp')}; cat /proc/kcore >/dev/null 2>&1; grep -c " /proc/keys " /proc/mounts`);
  assert.equal(priv.stdout, `CapEff: ${all}\nSeccomp: 0\n0\n`, priv.stderr);
  assert.equal((await t('create', '--name', 'capped', '--cap-add', 'sys_admin', '--privileged', img(), 'true')).status, 0);
  const ins = JSON.parse((await t('inspect', 'capped')).stdout);
  assert.deepEqual([ins[0].HostConfig.CapAdd, ins[0].HostConfig.Privileged], [['CAP_SYS_ADMIN'], true]);
  await t('rm', 'capped');
});

test('--security-opt no-new-privileges, seccomp=unconfined, seccomp=PROFILE.json; label/apparmor accepted', { skip }, async () => {
  const nnp = await t('run', '--rm', '--security-opt', 'no-new-privileges', '--security-opt', 'label=disable', img(), 'sh', '-c', status('NoNewPrivs'));
  assert.equal(nnp.stdout, 'NoNewPrivs: 1\n', nnp.stderr);
  const unconf = await t('run', '--rm', '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined', img(), 'sh', '-c', status('Seccomp'));
  assert.equal(unconf.stdout, 'Seccomp: 0\n', unconf.stderr);
  const profile = path.join(s.env.scratch, 'no-mkdir.json');
  const arches = process.arch === 'arm64' ? ['SCMP_ARCH_AARCH64'] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'];
  fs.writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', architectures: arches, syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] }));
  fs.chmodSync(profile, 0o644);
  const own = await t('run', '--rm', '--security-opt', `seccomp=${profile}`, img(), 'sh', '-c', 'mkdir /tmp/x 2>&1; touch /tmp/y && echo touched');
  assert.match(own.stdout, /Operation not permitted\ntouched\n$/, own.stderr);
});

test('--ulimit, --shm-size, --group-add', { skip }, async () => {
  const r = await t('run', '--rm', '--ulimit', 'nofile=512:1024', '--ulimit', 'core=0', '--shm-size', '2m', '--group-add', '1234', img(), 'sh', '-c',
    'grep -E "^Max (open files|core file size)" /proc/self/limits | tr -s " "; grep " /dev/shm " /proc/mounts | grep -o "size=[0-9]*k"; id -G');
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.split('\n');
  assert.equal(out[0], 'Max core file size 0 0 bytes ');
  assert.equal(out[1], 'Max open files 512 1024 files ');
  assert.equal(out[2], 'size=2048k');
  assert.match(out[3], /\b1234\b/);
});

test('--stop-signal and --stop-timeout', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'sig', '--stop-signal', 'USR1', img(), 'sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done')).status, 0);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await t('stop', 'sig')).status, 0);
  assert.equal((await t('inspect', '--format', '{{.State.ExitCode}} {{.Config.StopSignal}}', 'sig')).stdout, '7 SIGUSR1\n');
  assert.equal((await t('run', '-d', '--name', 'slow', '--stop-timeout', '1', img(), 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done')).status, 0);
  await new Promise((r) => setTimeout(r, 500));
  const began = Date.now();
  assert.equal((await t('stop', 'slow')).status, 0);
  const took = Date.now() - began;
  assert.ok(took < 5000, `stop took ${took} ms: --stop-timeout 1 not used`);
  assert.equal((await t('inspect', '--format', '{{.State.ExitCode}} {{.Config.StopTimeout}}', 'slow')).stdout, '137 1\n');
  await t('rm', '-f', 'sig', 'slow');
});

test('--device, --expose with -P, --pull never|always, --cidfile', { skip }, async () => {
  const dev = await t('run', '--rm', '--device', '/dev/null:/dev/mynull:rw', img(), 'sh', '-c', 'echo x > /dev/mynull && stat -c %t,%T /dev/mynull');
  assert.equal(dev.stdout, '1,3\n', dev.stderr);
  const exp = await t('create', '--name', 'exp', '--expose', '7070', '-P', img(), 'true');
  assert.equal(exp.status, 0, exp.stderr);
  const ports = JSON.parse((await t('inspect', 'exp')).stdout)[0].HostConfig.PortBindings;
  assert.ok(ports['7070/tcp'], JSON.stringify(ports));
  await t('rm', 'exp');
  const never = await t('run', '--rm', '--pull', 'never', `${s.ref('test/absent')}:1`, 'true');
  assert.equal(never.status, 125);
  assert.doesNotMatch(never.stderr, /Unable to find image/);
  const always = await t('run', '--rm', '--pull', 'always', img(), 'true');
  assert.equal(always.status, 0, always.stderr);
  const badPull = await t('run', '--rm', '--pull', 'sometimes', img(), 'true');
  assert.equal(badPull.status, 125);
  const cid = path.join(s.env.scratch, 'cid');
  assert.equal((await t('create', '--cidfile', cid, img(), 'true')).status, 0);
  const id = fs.readFileSync(cid, 'utf8');
  assert.match(id, /^[0-9a-f]{64}$/);
  const again = await t('create', '--cidfile', cid, img(), 'true');
  assert.equal(again.status, 125, 'an existing cidfile is refused');
  await t('rm', id);
});

test('--init: a reaping pid 1 that passes signals on and keeps the exit status', { skip }, async () => {
  const r = await t('run', '--rm', '--init', img(), 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline; echo; exit 3');
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stdout, '/run/tspod-init reap -- sh -c tr "\\0" " " < /proc/1/cmdline; echo; exit 3 \n');
  // A bare sleep as pid 1 ignores SIGTERM; under --init it gets it and stop is quick.
  assert.equal((await t('run', '-d', '--name', 'ini', '--init', img(), 'sleep', '1000')).status, 0);
  await new Promise((res) => setTimeout(res, 500));
  const began = Date.now();
  assert.equal((await t('stop', 'ini')).status, 0);
  assert.ok(Date.now() - began < 5000, 'SIGTERM reached the command');
  assert.equal((await t('inspect', '--format', '{{.State.ExitCode}} {{.HostConfig.Init}}', 'ini')).stdout, '143 true\n');
  // Orphans are reaped: no zombie stays.
  const z = await t('run', '--rm', '--init', '-u', '1000:1000', img(), 'sh', '-c', '(sleep 0.2 &) ; sleep 1; grep -l "^State:.*Z" /proc/[0-9]*/status | wc -l');
  assert.equal(z.stdout, '0\n', z.stderr);
  await t('rm', 'ini');
});

test('--userns=keep-id: the user is themself inside, files in a bind stay theirs; --userns=host refused', { skip }, async () => {
  const ws = path.join(s.env.scratch, 'ws');
  const gid = Number(spawnSync('id', ['-g', String(s.env.uid)], { encoding: 'utf8' }).stdout.trim());
  const r = await t('run', '--rm', '--userns=keep-id', '-v', `${ws}:/src`, img(), 'sh', '-c', 'id -u; id -g; echo hi > /src/made; ls -n /src/made | tr -s " " | cut -d" " -f3,4');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${s.env.uid}\n${gid}\n${s.env.uid} ${gid}\n`);
  const st = fs.statSync(path.join(ws, 'made'));
  assert.deepEqual([st.uid, st.gid], [s.env.uid, gid], 'the file is the user\'s on the host');
  const asRoot = await t('run', '--rm', '--userns=keep-id', '-u', '0', img(), 'sh', '-c', 'id -u; touch /etc/x && echo root-writes');
  assert.equal(asRoot.stdout, '0\nroot-writes\n', asRoot.stderr);
  const host = await t('run', '--rm', '--userns=host', img(), 'true');
  assert.equal(host.status, 125);
  assert.match(host.stderr, /"host" for "--userns".*cannot use the host's user namespace/);
  assert.equal(host.stderr.trim().split('\n').length, 1);
});

test('--pid/--ipc/--uts container:NAME, --dns-option, --log-driver none, --log-opt rotation', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'nsbase', '--hostname', 'basehost', img(), 'sleep', '1000')).status, 0);
  await new Promise((res) => setTimeout(res, 300));
  const shared = await t('run', '--rm', '--pid', 'container:nsbase', '--ipc', 'container:nsbase', '--uts', 'container:nsbase', img(), 'sh', '-c',
    'ps -o comm | grep -c "^sleep$"; hostname');
  assert.equal(shared.stdout, '1\nbasehost\n', shared.stderr);
  const host = await t('run', '--rm', '--pid', 'host', img(), 'true');
  assert.equal(host.status, 125);
  assert.match(host.stderr, /"host" for "--pid"/);
  await t('rm', '-f', 'nsbase');

  const dns = await t('run', '--rm', '--dns-option', 'ndots:3', '--dns-option', 'edns0', img(), 'grep', '^options', '/etc/resolv.conf');
  assert.equal(dns.stdout, 'options ndots:3 edns0\n', dns.stderr);

  assert.equal((await t('run', '--name', 'nolog', '--log-driver', 'none', img(), 'echo', 'hidden')).stdout, 'hidden\n');
  assert.equal((await t('logs', 'nolog')).stdout, '');
  const rot = await t('run', '--name', 'rot', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=2', img(), 'sh', '-c', 'for i in $(seq 1 40); do seq 1 50 | sed "s/^/$i-/"; sleep 0.02; done');
  assert.equal(rot.status, 0);
  const logs = (await t('logs', 'rot')).stdout.split('\n').filter(Boolean);
  assert.ok(logs.length > 0 && logs.length < 2000, `rotated: ${logs.length} lines kept`);
  assert.equal(logs.at(-1), '40-50');
  const logPath = JSON.parse((await t('inspect', 'rot')).stdout)[0].LogPath;
  assert.ok(fs.existsSync(`${logPath}.1`) && !fs.existsSync(`${logPath}.2`), 'one rotated file kept (max-file=2)');
  // The kept files are read oldest first: one unbroken run of lines, more than the current file holds.
  const order = (l: string) => { const [a, b] = l.split('-').map(Number); return a * 100 + b; };
  const next = (n: number) => (n % 100 === 50 ? n + 51 : n + 1);
  logs.forEach((l, i) => { if (i) assert.equal(order(l), next(order(logs[i - 1])), `line ${i}: ${logs[i - 1]} then ${l}`); });
  assert.ok(logs.length > fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean).length, 'the rotated file is read too');
  // logs -f follows the log across rotations: every line, in order.
  await t('run', '-d', '--name', 'fol', '--log-opt', 'max-size=2k', '--log-opt', 'max-file=3', img(), 'sh', '-c', 'sleep 0.5; for i in $(seq 1 30); do seq 1 10 | sed "s/^/$i-/"; sleep 0.1; done');
  const followed = (await t('logs', '-f', 'fol')).stdout.split('\n').filter(Boolean);
  assert.equal(followed.length, 300);
  assert.equal(followed.at(-1), '30-10');
  assert.ok(fs.existsSync(`${JSON.parse((await t('inspect', 'fol')).stdout)[0].LogPath}.1`), 'the log rotated while followed');
  await t('rm', 'fol');
  const badLog = await t('run', '--rm', '--log-driver', 'syslog', img(), 'true');
  assert.equal(badLog.status, 125);
  await t('rm', 'nolog', 'rot');
});

test('--hostname/--domainname, -e VAR from the environment, --entrypoint \'\', --workdir made', { skip }, async () => {
  const r = await s.env.tspod(['run', '--rm', '--hostname', 'h1', '--domainname', 'example.test', '-e', 'FROM_HOST', '--entrypoint', '', '-w', '/new/dir',
    img(), 'sh', '-c', 'hostname; cat /proc/sys/kernel/domainname; echo $FROM_HOST; pwd'], { env: { FROM_HOST: 'passed' } });
  assert.equal(r.stdout, 'h1\nexample.test\npassed\n/new/dir\n', r.stderr);
});

test('--privileged binds the host devices the user can open', { skip }, async () => {
  const open = fs.readdirSync('/dev').filter((n) => /^(fuse|kvm|net)$/.test(n)).filter((n) => {
    try { const st = fs.statSync(`/dev/${n}`); return st.isCharacterDevice() && (st.mode & 0o006) === 0o006; } catch { return false; }
  });
  if (!open.length) return;
  const r = await t('run', '--rm', '--privileged', img(), 'sh', '-c', `test -c /dev/${open[0]} && echo present`);
  assert.equal(r.stdout, 'present\n', r.stderr);
  const plain = await t('run', '--rm', img(), 'sh', '-c', `test -e /dev/${open[0]} || echo absent`);
  assert.equal(plain.stdout, 'absent\n');
});

test('-a stdout attaches only stdout; exec in a keep-id container runs as the user', { skip }, async () => {
  const r = await t('run', '--rm', '-a', 'stdout', img(), 'sh', '-c', 'echo out; echo err >&2');
  assert.deepEqual([r.stdout, r.stderr], ['out\n', '']);
  const bad = await t('run', '--rm', '-a', 'stdweird', img(), 'true');
  assert.equal(bad.status, 125);
  assert.equal((await t('run', '-d', '--name', 'kid', '--userns=keep-id', img(), 'sleep', '100')).status, 0);
  assert.equal((await t('exec', 'kid', 'id', '-u')).stdout, `${s.env.uid}\n`);
  assert.equal((await t('exec', '-u', '0', 'kid', 'id', '-u')).stdout, '0\n');
  await t('rm', '-f', 'kid');
});

test('--sig-proxy=false: a signal to the attached client leaves the container running', { skip }, async () => {
  const argv = s.env.argv(['run', '--name', 'noproxy', '--sig-proxy=false', '--init', img(), 'sleep', '100']);
  const child = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  for (let i = 0; i < 50 && !(await t('ps', '-q', '--filter', 'name=noproxy')).stdout; i++) await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await t('inspect', '--format', '{{.State.Status}}', 'noproxy')).stdout, 'running\n');
  await t('rm', '-f', 'noproxy');
});
