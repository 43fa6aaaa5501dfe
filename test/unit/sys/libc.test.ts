/**
 * The libc wrappers through tspod's addon (native/addon/libc.c), compiled here
 * into a temp dir as `npm run build` does, so this runs without a build. Each
 * call is made for real; failures are provoked where any user gets the same
 * errno (paths that do not exist, a file that is not a tty).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { chroot, flock, lgetxattr, lsetxattr, LOCK, mknod, mount, pipe2, setWinsize, unlockPty } from '../../../src/sys/libc.ts';
import { libcAddon } from '../../../src/sys/addon.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
let dir = '';

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-addon-unit-'));
  const headers = path.join(root, 'node_modules/node/node_modules', `node-linux-${process.arch}`, 'include/node');
  const flags = ['-shared', '-fPIC', '-O0', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-I', headers];
  const cc = spawnSync(process.env.CC || 'cc', [...flags, '-o', path.join(dir, 'libc.node'), path.join(root, 'native/addon/libc.c')], {
    encoding: 'utf8',
  });
  assert.equal(cc.status, 0, `compiling native/addon/libc.c: ${cc.stderr}`);
  process.env.TSPOD_RESOURCES = dir;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('pipe2 returns a real pipe: [read, write], both close-on-exec', () => {
  const [r, w] = pipe2();
  try {
    fs.writeSync(w, 'ok');
    const buf = Buffer.alloc(2);
    assert.equal(fs.readSync(r, buf), 2);
    assert.equal(buf.toString(), 'ok');
    assert.match(fs.readlinkSync(`/proc/self/fd/${r}`), /^pipe:/);
    assert.match(fs.readFileSync(`/proc/self/fdinfo/${w}`, 'utf8'), /flags:\s*0*2000001\n/);
  } finally {
    fs.closeSync(r);
    fs.closeSync(w);
  }
});

test('flock: a held lock makes LOCK.NB return false; unlocking frees it', () => {
  const file = path.join(dir, 'lock');
  const a = fs.openSync(file, 'w');
  const b = fs.openSync(file, 'r');
  try {
    assert.equal(flock(a, LOCK.EX | LOCK.NB), true);
    assert.equal(flock(b, LOCK.SH | LOCK.NB), false);
    assert.equal(flock(a, LOCK.UN), true);
    assert.equal(flock(b, LOCK.SH | LOCK.NB), true);
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
  assert.throws(() => flock(1 << 20, LOCK.EX), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'EBADF' });
});

test('xattrs: an unset one reads as undefined; a failed set names the errno', () => {
  const file = path.join(dir, 'x');
  fs.writeFileSync(file, '');
  assert.equal(lgetxattr(file, 'user.tspod.unset'), undefined);
  assert.throws(() => lsetxattr(path.join(dir, 'missing'), 'user.tspod', Buffer.from('v')), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'ENOENT' });
});

test('xattrs: a value set is read back', (t) => {
  const file = path.join(dir, 'xv');
  fs.writeFileSync(file, '');
  try {
    lsetxattr(file, 'user.tspod', Buffer.from('value'));
  } catch (e) {
    if ((e as { errnoName?: string }).errnoName === 'EOPNOTSUPP') return t.skip(`${os.tmpdir()} has no user xattrs`);
    throw e;
  }
  assert.equal(lgetxattr(file, 'user.tspod')?.toString(), 'value');
});

test('mknod makes a fifo; an existing path is EEXIST', () => {
  const fifo = path.join(dir, 'fifo');
  mknod(fifo, 0o010600, 0);
  assert.ok(fs.lstatSync(fifo).isFIFO());
  assert.throws(() => mknod(fifo, 0o010600, 0), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'EEXIST' });
});

test('mount and chroot name what they did and the errno', () => {
  assert.throws(() => mount(null, '/nonexistent/tspod', 'tmpfs', 0, 'size=1m'), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'ENOENT' });
  assert.throws(() => chroot('/nonexistent/tspod'), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'ENOENT' });
});

test('a pty master is unlocked and its number read; a window size needs a tty', () => {
  const master = fs.openSync('/dev/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  try {
    const n = unlockPty(master);
    assert.ok(fs.existsSync(`/dev/pts/${n}`));
    setWinsize(master, { rows: 40, cols: 100 });
  } finally {
    fs.closeSync(master);
  }
  const file = fs.openSync(path.join(dir, 'x'), 'r');
  try {
    assert.throws(() => setWinsize(file, { rows: 1, cols: 1 }), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'ENOTTY' });
    assert.throws(() => unlockPty(file), { code: 'ERR_TSPOD_SYSCALL', errnoName: 'ENOTTY' });
  } finally {
    fs.closeSync(file);
  }
});

test('a wrong argument is a TypeError, not a failed call', () => {
  const raw = libcAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.throws(() => raw.flock('x', 1), TypeError);
  assert.throws(() => raw.chroot(), TypeError);
  assert.throws(() => raw.lgetxattr('/', 'user.x', 'not a buffer'), TypeError);
});
