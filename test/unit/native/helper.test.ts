/**
 * The native helper's unit-testable pieces (spec reading, docker's -u rules),
 * through its test entry points. The helper is compiled here from native/
 * into a temp dir, as `npm run build` does, so this runs without a build.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { resolveUser } from '../../../src/runtime/user.ts';

const native = path.resolve(import.meta.dirname, '..', '..', '..', 'native');
let dir = '';
let rt = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-rt-unit-'));
  rt = path.join(dir, 'tspod-rt');
  const sources = fs.readdirSync(native).filter((f) => f.endsWith('.c')).map((f) => path.join(native, f));
  const cc = spawnSync(process.env.CC || 'cc', ['-static', '-O0', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-o', rt, ...sources, '-lseccomp', '-ljansson'], { encoding: 'utf8' });
  assert.equal(cc.status, 0, `compiling native/: ${cc.stderr}`);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

function helper(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(rt, args, { encoding: 'utf8' });
}

function specFile(spec: object): string {
  const f = path.join(dir, `spec-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, JSON.stringify(spec));
  return f;
}

const DOCKER_CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE'];

const base = {
  ociVersion: '1.0.2',
  process: {
    terminal: true,
    user: { uid: 1000, gid: 1000, additionalGids: [10, 20] },
    args: ['sh', '-c', 'true'],
    env: ['PATH=/bin'],
    cwd: '/',
    capabilities: { bounding: DOCKER_CAPS, effective: DOCKER_CAPS, permitted: DOCKER_CAPS, inheritable: [], ambient: ['CAP_KILL'] },
    noNewPrivileges: true,
    rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }],
  },
  root: { path: '/run/ctr/merged', readonly: true },
  hostname: 'box',
  mounts: [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/data', type: 'bind', source: '/srv/data', options: ['rbind', 'ro', 'rprivate'] },
  ],
  linux: {
    namespaces: [{ type: 'user', path: '/proc/42/ns/user' }, { type: 'mount' }, { type: 'pid' }, { type: 'network', path: '' }],
    maskedPaths: ['/proc/kcore'],
    readonlyPaths: ['/proc/sys'],
    seccomp: {
      defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: 1, architectures: ['SCMP_ARCH_X86_64'],
      syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }, { names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] }],
    },
  },
  annotations: {
    'io.tspod.rootfs': JSON.stringify({ lowers: ['l/B', 'l/A'], cwd: '/store', upper: '/c/diff', work: '/c/work' }),
    'io.tspod.user': 'app:staff',
    'io.tspod.wait-network': 'true',
    'org.example.other': 'ignored',
  },
};

test('test-spec reads the subset docs/runtime.md lists into plain structs', () => {
  const r = helper(['test-spec', specFile(base)]);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.terminal, true);
  assert.deepEqual([s.uid, s.gid, s.additionalGids], [1000, 1000, [10, 20]]);
  assert.deepEqual(s.args, ['sh', '-c', 'true']);
  // docker's default set, as the kernel prints it in /proc/PID/status
  assert.equal(s.capabilities.bounding, '0x00000000a80425fb');
  assert.equal(s.capabilities.inheritable, '0x0000000000000000');
  assert.equal(s.capabilities.ambient, '0x0000000000000020');
  assert.equal(s.noNewPrivileges, true);
  assert.deepEqual(s.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }]);
  assert.deepEqual([s.rootPath, s.rootReadonly, s.hostname], ['/run/ctr/merged', true, 'box']);
  // MS_NOSUID|MS_NODEV|MS_NOEXEC = 2|4|8; options that are no flags are the data
  assert.deepEqual(s.mounts[0], { destination: '/proc', type: 'proc', source: 'proc', flags: 14, clear: 0, propagation: 0, data: null });
  assert.equal(s.mounts[1].data, 'newinstance,ptmxmode=0666,mode=0620,gid=5');
  // MS_BIND|MS_REC|MS_RDONLY; rprivate is propagation (MS_PRIVATE|MS_REC)
  assert.deepEqual([s.mounts[2].flags, s.mounts[2].propagation], [4096 | 16384 | 1, (1 << 18) | 16384]);
  assert.deepEqual(s.namespaces, [{ type: 'user', path: '/proc/42/ns/user' }, { type: 'mount', path: null }, { type: 'pid', path: null }, { type: 'network', path: null }]);
  assert.deepEqual([s.maskedPaths, s.readonlyPaths], [['/proc/kcore'], ['/proc/sys']]);
  assert.equal(s.seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(s.seccomp.defaultErrnoRet, 1);
  assert.deepEqual(s.seccomp.syscalls[1].args, [{ index: 0, value: 2114060288, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  assert.deepEqual(s.rootfs, { lowers: ['l/B', 'l/A'], cwd: '/store', upper: '/c/diff', work: '/c/work', backends: ['overlay', 'fuse-overlayfs', 'copy'] });
  assert.equal(s.user, 'app:staff');
  assert.equal(s.waitNetwork, true);
});

test('test-spec: a minimal spec (no linux, no annotations) reads as plain defaults', () => {
  const r = helper(['test-spec', specFile({ process: { args: ['true'], cwd: '/' }, root: { path: '/r' } })]);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.deepEqual([s.uid, s.gid, s.capabilities, s.seccomp, s.rootfs, s.user, s.waitNetwork, s.namespaces], [0, 0, null, null, null, null, false, []]);
});

test('test-spec: bad specs are one line naming the file and the field, exit 125', () => {
  const cases: Array<[object, RegExp]> = [
    [{ ...base, process: { ...base.process, args: [] } }, /`process\.args` must name a command/],
    [{ ...base, process: { ...base.process, cwd: 'rel' } }, /`process\.cwd` must be an absolute path/],
    [{ ...base, process: { ...base.process, capabilities: { bounding: ['CAP_NOPE'] } } }, /unknown capability `CAP_NOPE`/],
    [{ ...base, root: { path: 'x' } }, /`root\.path` must be an absolute path/],
    [{ ...base, mounts: [{ destination: '/x', type: 'bind', source: 'rel', options: ['rbind'] }] }, /bind mount at `\/x` needs an absolute source/],
    [{ ...base, linux: { namespaces: [{ type: 'time' }] } }, /namespace type `time` is not supported/],
    [{ ...base, linux: { seccomp: { defaultAction: 'SCMP_ACT_NOTIFY' } } }, /defaultAction/],
    [{ ...base, annotations: { 'io.tspod.rootfs': '{"lowers":["a"]}' } }, /needs lowers, cwd, upper and work/],
    [{ ...base, annotations: { 'io.tspod.rootfs': JSON.stringify({ lowers: ['a'], cwd: '/', upper: '/u', work: '/w', backends: ['zfs'] }) } }, /backend `zfs`/],
  ];
  for (const [spec, re] of cases) {
    const f = specFile(spec);
    const r = helper(['test-spec', f]);
    assert.equal(r.status, 125, `${re}: ${r.stdout}`);
    assert.match(r.stderr, re);
    assert.ok(r.stderr.startsWith(`tspod-rt: reading the spec \`${f}\`: `), r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  const missing = helper(['test-spec', path.join(dir, 'nope.json')]);
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /^tspod-rt: reading the spec `.*nope\.json`: /);
});

test('test-user: docker -u rules, the same answers as src/runtime/user.ts', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/sh\n# comment:x:5:5::/c:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\nbroken:x:abc:1::/b:/bin/sh\nnohome:x:1001:1001:::/bin/sh\n';
  const group = 'root:x:0:\nwheel:x:10:app\napp:x:1000:\nstaff:x:50:\nall:x:60:root,app\n';
  const pf = path.join(dir, 'passwd');
  const gf = path.join(dir, 'group');
  fs.writeFileSync(pf, passwd);
  fs.writeFileSync(gf, group);
  for (const spec of ['', '0', 'root', 'app', '1000', '4242', 'app:staff', 'app:77', '1000:0', '7:8', 'app:', 'nohome', 'app:staff:extra']) {
    const r = helper(['test-user', pf, gf, spec]);
    assert.equal(r.status, 0, `${spec}: ${r.stderr}`);
    assert.deepEqual(JSON.parse(r.stdout), resolveUser(spec, passwd, group), spec);
  }
  const none = helper(['test-user', path.join(dir, 'no-passwd'), path.join(dir, 'no-group'), '7:8']);
  assert.deepEqual(JSON.parse(none.stdout), { uid: 7, gid: 8, groups: [8], home: '/' });
  for (const [spec, re] of [['ghost', /unable to find user ghost: no matching entries in passwd file/], ['broken', /unable to find user broken/],
    ['app:ghosts', /unable to find group ghosts: no matching entries in group file/]] as const) {
    const r = helper(['test-user', pf, gf, spec]);
    assert.equal(r.status, 125, spec);
    assert.match(r.stderr, re);
    assert.throws(() => resolveUser(spec, passwd, group), re);
  }
});

test('unknown jobs and bad usage exit 125 with one line', () => {
  for (const args of [['nope'], ['init'], ['exec', 'x', 'y'], ['test-user', 'a']]) {
    const r = helper(args);
    assert.equal(r.status, 125, args.join(' '));
    assert.match(r.stderr, /^tspod-rt: .*\n$/);
  }
});
