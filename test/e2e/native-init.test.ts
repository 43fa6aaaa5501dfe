/**
 * The native runtime helper (dist/tspod-rt) on its own, as the non-root test
 * user: `init` joins a user namespace by path (a holder made with util-linux
 * `unshare --map-users=auto`, as tspod's network host is), builds a busybox
 * container from a spec written here, and talks the fd-3 channel of
 * docs/runtime.md; `exec` joins a running one. The monitor runs the same
 * helper for every container, so the whole e2e suite exercises it too; this
 * file pins what the suite cannot see from outside: pid 1, the confinement
 * docker applies, the channel messages, the three rootfs backends, exec.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { testEnv, skip, type Env } from './harness.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];
const APPLETS = ['sh', 'cat', 'echo', 'grep', 'id', 'ls', 'mount', 'sleep', 'touch', 'tty', 'unshare', 'wc', 'hostname', 'kill', 'test'];

let env: Env;
let rt = '';
let holder: ChildProcess | undefined;
let serial = 0;

/** A directory tree owned by the test user (root of the user namespace). */
function own(p: string): void {
  spawnSync('chown', ['-R', `${env.uid}:${env.uid}`, p]);
}

function busyboxTree(dir: string): void {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'etc'));
  fs.copyFileSync('/bin/busybox', path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);
  for (const a of APPLETS) fs.symlinkSync('busybox', path.join(dir, 'bin', a));
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\nwheel:x:10:app\napp:x:1000:\n');
  fs.writeFileSync(path.join(dir, 'etc/plain'), 'not a program\n');
}

before(async () => {
  if (skip) return;
  env = testEnv();
  rt = path.join(env.scratch, 'tspod-rt');
  // TSPOD_RT: another build of the helper (as src/sys/native.ts takes it)
  fs.copyFileSync(process.env.TSPOD_RT ?? path.join(repo, 'dist/tspod-rt'), rt);
  fs.chmodSync(rt, 0o755);
  busyboxTree(path.join(env.scratch, 'rootfs'));
  for (const f of ['hostname', 'hosts']) fs.writeFileSync(path.join(env.scratch, f), f === 'hostname' ? 'box\n' : '127.0.0.1 localhost\n');
  fs.mkdirSync(path.join(env.scratch, 'vol'));
  own(env.scratch);
  // The user namespace containers join, with the user's subordinate ids (as tspod's network host).
  const argv = env.asUser(['unshare', '--user', '--map-users=auto', '--map-groups=auto', '--map-root-user', 'sleep', 'infinity']);
  holder = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
  const own_ = fs.readlinkSync('/proc/self/ns/user');
  for (let i = 0; i < 500; i++) {
    try {
      if (fs.readlinkSync(`/proc/${holder.pid}/ns/user`) !== own_ && fs.readFileSync(`/proc/${holder.pid}/gid_map`, 'utf8').trim().split('\n').length > 1) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the user namespace holder did not start');
});

after(() => {
  holder?.kill('SIGKILL');
  env?.cleanup();
});

interface SpecOptions {
  args: string[];
  user?: string;
  readonly?: boolean;
  terminal?: boolean;
  network?: boolean;
  waitNetwork?: boolean;
  root?: string;
  rootfs?: object;
  cwd?: string;
}

function spec(o: SpecOptions): object {
  const root = o.root ?? path.join(env.scratch, 'rootfs');
  const s = env.scratch;
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: o.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: o.args,
      env: ['PATH=/bin'],
      cwd: o.cwd ?? '/',
      capabilities: { bounding: DOCKER_CAPS, effective: DOCKER_CAPS, permitted: DOCKER_CAPS },
      noNewPrivileges: false,
    },
    root: { path: root, readonly: o.readonly ?? false },
    hostname: 'box',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      ...['null', 'zero', 'full', 'random', 'urandom', 'tty'].map((d) => ({ destination: `/dev/${d}`, type: 'bind', source: `/dev/${d}`, options: ['bind', 'nosuid', 'noexec'] })),
      { destination: '/etc/hostname', type: 'bind', source: path.join(s, 'hostname'), options: ['bind'] },
      { destination: '/etc/hosts', type: 'bind', source: path.join(s, 'hosts'), options: ['bind'] },
      { destination: '/data', type: 'bind', source: path.join(s, 'vol'), options: ['rbind', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'user', path: `/proc/${holder!.pid}/ns/user` }, { type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' },
        ...(o.network === false ? [] : [{ type: 'network' }])],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware', '/proc/acpi', '/proc/no-such-file'],
      readonlyPaths: ['/proc/sys', '/proc/sysrq-trigger', '/proc/bus', '/proc/irq'],
      // A filter whose effect shows: nested user namespaces refused.
      seccomp: { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'], syscalls: [{ names: ['unshare'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }] },
    },
    annotations: {
      ...(o.user ? { 'io.tspod.user': o.user } : {}),
      ...(o.waitNetwork ? { 'io.tspod.wait-network': 'true' } : {}),
      ...(o.rootfs ? { 'io.tspod.rootfs': JSON.stringify(o.rootfs) } : {}),
    },
  };
}

function writeSpec(s: object): string {
  const f = path.join(env.scratch, `spec-${serial++}.json`);
  fs.writeFileSync(f, JSON.stringify(s));
  own(f);
  return f;
}

interface Run {
  child: ChildProcess;
  channel: Duplex;
  /** Messages from the helper, in order. */
  messages: Array<Record<string, unknown>>;
  /** Resolves at the first message of a type. */
  next(type: string): Promise<Record<string, unknown>>;
  done: Promise<{ status: number; stdout: string; stderr: string }>;
}

/** Starts `tspod-rt ARGS` as the test user with a channel on fd 3. */
function start(args: string[]): Run {
  const argv = env.asUser([rt, ...args]);
  const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
  const channel = child.stdio[3] as Duplex;
  const messages: Array<Record<string, unknown>> = [];
  const waiters: Array<{ type: string; resolve: (m: Record<string, unknown>) => void }> = [];
  let buf = '';
  channel.setEncoding('utf8');
  channel.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const msg = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      messages.push(msg);
      for (const w of waiters.filter((x) => x.type === msg.type)) w.resolve(msg);
    }
  });
  channel.on('error', () => { /* the helper went away */ });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.end();
  const done = new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ status: code ?? (signal === 'SIGKILL' ? 137 : 128), stdout, stderr });
    });
  });
  const next = (type: string) => {
    const seen = messages.find((m) => m.type === type);
    return seen ? Promise.resolve(seen) : new Promise<Record<string, unknown>>((resolve) => waiters.push({ type, resolve }));
  };
  return { child, channel, messages, next, done };
}

async function init(o: SpecOptions) {
  const r = start(['init', writeSpec(spec(o))]);
  const result = await r.done;
  return { ...result, messages: r.messages };
}

test('init: the command is pid 1 of its namespaces with docker\'s confinement, and its status comes back', { skip }, async () => {
  const r = await init({ args: ['sh', '-c', 'echo pid=$$; grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; hostname; cat /etc/hostname; unshare -U true 2>&1; cat /proc/self/uid_map | wc -l; ls /dev; exit 3'] });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^pid=1$/m);
  assert.match(r.stdout, /^CapEff:\s+00000000a80425fb$/m);
  assert.match(r.stdout, /^CapBnd:\s+00000000a80425fb$/m);
  assert.match(r.stdout, /^NoNewPrivs:\s+0$/m); // docker's default: setuid programs in images keep working
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  assert.match(r.stdout, /^box\nbox$/m);
  assert.match(r.stdout, /unshare: unshare\(0x10000000\): Operation not permitted/); // the filter is in force
  assert.match(r.stdout, /^2$/m); // the holder's map: root and the subordinate range
  for (const d of ['fd', 'null', 'ptmx', 'pts', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom']) assert.match(r.stdout, new RegExp(`^${d}$`, 'm'));
  // The channel: the host pid first, then EOF (the end closes on exec), no error.
  assert.equal(r.messages.length, 1, JSON.stringify(r.messages));
  assert.equal(r.messages[0].type, 'pid');
  assert.ok(Number(r.messages[0].pid) > 1);
});

test('init: a user from the image\'s passwd keeps only what the spec grants, with its groups and HOME', { skip }, async () => {
  const r = await init({ user: 'app', cwd: '/home/app/work', args: ['sh', '-c', 'id; echo home=$HOME; pwd; grep -E "^(CapEff|CapPrm|Seccomp):" /proc/self/status'] });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^uid=1000\(app\) gid=1000\(app\) groups=.*10\(wheel\)/m);
  assert.match(r.stdout, /^home=\/home\/app$/m);
  assert.match(r.stdout, /^\/home\/app\/work$/m); // made when missing
  assert.match(r.stdout, /^CapEff:\s+0+$/m);
  assert.match(r.stdout, /^CapPrm:\s+0+$/m);
  assert.match(r.stdout, /^Seccomp:\s+2$/m); // loaded before the user changed: no no_new_privs needed
});

test('init: read-only root, read-only volume, masked and read-only paths', { skip }, async () => {
  const r = await init({
    readonly: true,
    args: ['sh', '-c', [
      'mount -o remount,rw / 2>&1; echo remount=$?',
      'touch /x 2>&1; touch /data/x 2>&1',
      'echo timer=$(wc -c < /proc/timer_list) keys=$(wc -c < /proc/keys)',
      'echo firmware=$(ls /sys/firmware | wc -l)',
      'grep -E " /proc/sys | /data " /proc/self/mountinfo',
    ].join('; ')],
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /remount=[1-9]/);
  assert.match(r.stdout, /touch: \/x: Read-only file system/);
  assert.match(r.stdout, /touch: \/data\/x: Read-only file system/);
  assert.match(r.stdout, /timer=0 keys=0/);
  assert.match(r.stdout, /firmware=0/);
  assert.match(r.stdout, / \/proc\/sys ro,nosuid,nodev,noexec/);
  assert.match(r.stdout, / \/data ro/);
});

test('init: setup and exec failures are one message on the channel with docker\'s statuses, nothing in the output', { skip }, async () => {
  const cases: Array<[SpecOptions, number, string, RegExp]> = [
    [{ args: ['nosuchcmd'] }, 127, 'ERR_TSPOD_COMMAND_NOT_FOUND', /^exec: "nosuchcmd": executable file not found in \$PATH$/],
    [{ args: ['/no/such'] }, 127, 'ERR_TSPOD_COMMAND_NOT_FOUND', /^exec: "\/no\/such": stat \/no\/such: no such file or directory$/],
    [{ args: ['/etc/plain'] }, 126, 'ERR_TSPOD_CANNOT_INVOKE', /^exec: "\/etc\/plain": permission denied$/],
    [{ args: ['id'], user: 'ghost' }, 125, 'ERR_TSPOD_CONTAINER_SETUP', /^unable to find user ghost: no matching entries in passwd file$/],
    [{ args: ['id'], user: '70000' }, 125, 'ERR_TSPOD_CONTAINER_SETUP', /^uid 70000 is not mapped in the user namespace: only ids 0\.\.65535 exist \(add a range for your user to \/etc\/subuid/],
    [{ args: ['id'], root: '/nonexistent-root' }, 125, 'ERR_TSPOD_CONTAINER_SETUP', /^binding the root `\/nonexistent-root` onto itself: No such file or directory$/],
  ];
  for (const [o, status, code, re] of cases) {
    const r = await init(o);
    assert.equal(r.status, status, `${o.args.join(' ')}: ${JSON.stringify(r)}`);
    assert.equal(r.stdout + r.stderr, '', 'errors go on the channel, not into the container\'s output');
    const err = r.messages.find((m) => m.type === 'error');
    assert.ok(err, JSON.stringify(r.messages));
    assert.equal(err.code, code);
    assert.equal(err.exit, status);
    assert.match(String(err.message), re);
  }
});

/**
 * The monitor's side of a pty, done by perl (always on Debian: perl-base is
 * essential): opens the ptmx path, unlocks it, prints the pty number, then
 * copies the master's output to stdout until the slave side is gone.
 */
const PTY_MASTER = `use Fcntl; sysopen(my $m, $ARGV[0], O_RDWR|O_NOCTTY) or die "open: $!";
my $z = pack("i", 0); ioctl($m, 0x40045431, $z) or die "unlock: $!"; my $n = pack("i", 0); ioctl($m, 0x80045430, $n) or die "ptn: $!";
$| = 1; print unpack("i", $n), "\\n"; while (sysread($m, my $b, 4096)) { print $b }`;

test('init: a terminal is asked for on the channel and becomes the controlling terminal and stdio', { skip }, async () => {
  const r = start(['init', writeSpec(spec({ terminal: true, args: ['sh', '-c', 'tty; test -t 0 && test -t 1 && echo all-tty'] }))]);
  const { path: ptmx } = await r.next('ptmx');
  assert.match(String(ptmx), /^\/proc\/\d+\/root\/.*\/dev\/pts\/ptmx$/);
  // As the test user, as the monitor: the slave belongs to the opener, who must be mapped in the container.
  const argv = env.asUser(['perl', '-e', PTY_MASTER, String(ptmx)]);
  const master = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  const closed = new Promise((res) => master.once('close', res));
  let out = '';
  master.stdout.setEncoding('utf8');
  // The first line is the pty number; the rest is what the container wrote.
  let numbered = false;
  const n = await new Promise<number>((resolve, reject) => {
    master.stdout.on('data', (d: string) => {
      out += d;
      if (!numbered && out.includes('\n')) {
        numbered = true;
        resolve(Number(out.slice(0, out.indexOf('\n'))));
      }
    });
    // Gone before printing the number: nothing will answer the init.
    void closed.then(() => { if (!numbered) { r.child.kill('SIGKILL'); reject(new Error('the pty master helper failed')); } });
  });
  r.channel.write(JSON.stringify({ type: 'pty', n }) + '\n');
  const result = await r.done;
  if (result.status !== 0) master.kill('SIGKILL'); // a slave never opened: the master would wait forever
  await closed;
  assert.equal(result.status, 0, JSON.stringify(r.messages));
  assert.match(out, new RegExp(`/dev/pts/${n}\\r?\\n`));
  assert.match(out, /all-tty/);
});

test('init: with io.tspod.wait-network the command starts only after {"type":"net"}', { skip }, async () => {
  const r = start(['init', writeSpec(spec({ waitNetwork: true, args: ['sh', '-c', 'echo lo=$(cat /sys/class/net/lo/flags); echo started'] }))]);
  await r.next('pid');
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(r.child.exitCode, null, 'still waiting');
  r.channel.write('{"type":"net"}\n');
  const result = await r.done;
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'lo=0x9\nstarted\n'); // the container's own loopback is up
});

test('init: the rootfs backends overlay, fuse-overlayfs and copy give the same tree (whiteouts, opaque dirs, hard links)', { skip }, async () => {
  const store = path.join(env.scratch, 'store');
  const base = path.join(store, 'l/A');
  const top = path.join(store, 'l/B');
  busyboxTree(base);
  fs.mkdirSync(path.join(base, 'opq'));
  fs.writeFileSync(path.join(base, 'opq/old'), 'old\n');
  fs.mkdirSync(path.join(top, 'opq'), { recursive: true });
  fs.mkdirSync(path.join(top, 'bin'));
  fs.writeFileSync(path.join(top, 'opq/new'), 'new\n');
  fs.writeFileSync(path.join(top, 'hello'), 'hi\n');
  fs.linkSync(path.join(top, 'hello'), path.join(top, 'hello2'));
  assert.equal(spawnSync('mknod', [path.join(top, 'bin/ls'), 'c', '0', '0']).status, 0); // a whiteout
  assert.equal(spawnSync('setfattr', ['-n', 'user.overlay.opaque', '-v', 'y', path.join(top, 'opq')]).status, 0);
  own(store);
  for (const backend of ['overlay', 'fuse-overlayfs', 'copy']) {
    const c = path.join(store, 'c', backend);
    for (const d of ['diff', 'work', 'merged']) fs.mkdirSync(path.join(c, d), { recursive: true });
    own(c);
    const r = await init({
      root: path.join(c, 'merged'),
      rootfs: { lowers: ['l/B', 'l/A'], cwd: store, upper: path.join(c, 'diff'), work: path.join(c, 'work'), backends: [backend] },
      args: ['sh', '-c', 'test -e /bin/ls || echo ls-gone; ls /opq; cat /hello; test /hello -ef /hello2 && echo linked; echo w > /written; cat /written'],
    });
    assert.equal(r.status, 0, `${backend}: ${r.stderr} ${JSON.stringify(r.messages)}`);
    assert.equal(r.stdout, 'ls-gone\nnew\nhi\nlinked\nw\n', backend);
  }
  assert.ok(fs.existsSync(path.join(store, 'c/copy/rootfs.complete')));
});

test('exec: joins a running container with its confinement; status, signals, no remount of a read-only volume', { skip }, async () => {
  const ctr = start(['init', writeSpec(spec({ args: ['sleep', '1000'] }))]);
  const pid = Number((await ctr.next('pid')).pid);
  // The command runs once the channel closes.
  await new Promise<void>((res) => (ctr.channel.readableEnded ? res() : ctr.channel.once('end', () => res())));
  const exec = async (o: SpecOptions, extra: string[] = []) => {
    const argv = env.asUser([rt, 'exec', ...extra, String(pid), writeSpec(spec(o))]);
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status ?? 128, stdout: r.stdout, stderr: r.stderr };
  };
  try {
    const r = await exec({ user: 'app', cwd: '/etc', args: ['sh', '-c', 'echo pid=$$; id -u; pwd; hostname; grep -E "^(CapEff|Seccomp):" /proc/self/status; exit 5'] });
    assert.equal(r.status, 5, r.stderr);
    assert.doesNotMatch(r.stdout, /^pid=1$/m);
    assert.match(r.stdout, /^1000\n\/etc\nbox$/m);
    assert.match(r.stdout, /^CapEff:\s+0+$/m);
    assert.match(r.stdout, /^Seccomp:\s+2$/m);
    const root = await exec({ args: ['sh', '-c', 'grep -E "^CapEff:" /proc/self/status; mount -o remount,rw /data 2>&1; echo remount=$?; touch /data/x 2>&1'] });
    assert.match(root.stdout, /^CapEff:\s+00000000a80425fb$/m);
    assert.match(root.stdout, /remount=[1-9]/);
    assert.match(root.stdout, /Read-only file system/);
    assert.equal((await exec({ args: ['sh', '-c', 'kill -9 $$'] })).status, 137);
    const missing = await exec({ args: ['nosuchcmd'] });
    assert.equal(missing.status, 127);
    assert.equal(missing.stderr, 'tspod-rt: exec: "nosuchcmd": executable file not found in $PATH\n');
    const detached = await exec({ args: ['id'] }, ['--detach']);
    assert.equal(detached.status, 0, detached.stderr);
  } finally {
    process.kill(pid, 'SIGKILL');
  }
  const result = await ctr.done;
  assert.equal(result.status, 137); // pid 1 killed: 128+SIGKILL, as docker reports
});

test('init and exec with the host\'s network: sysfs falls back to the host\'s, read-only; exec skips the shared namespace', { skip }, async () => {
  const ctr = start(['init', writeSpec(spec({ network: false, args: ['sleep', '1000'] }))]);
  const pid = Number((await ctr.next('pid')).pid);
  await new Promise<void>((res) => (ctr.channel.readableEnded ? res() : ctr.channel.once('end', () => res())));
  try {
    assert.equal(fs.readlinkSync(`/proc/${pid}/ns/net`), fs.readlinkSync('/proc/self/ns/net'));
    const argv = env.asUser([rt, 'exec', String(pid), writeSpec(spec({ network: false, args: ['sh', '-c', 'grep " /sys " /proc/self/mountinfo; ls /sys/class/net | grep -c .'] }))]);
    const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, / \/sys ro,/);
  } finally {
    process.kill(pid, 'SIGKILL');
  }
  await ctr.done;
});
