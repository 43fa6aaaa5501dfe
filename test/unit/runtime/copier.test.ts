import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { placement, renamed, findDest, findSource, pack, unpack, type Dest } from '../../../src/runtime/copier.ts';
import { splitContainerPath } from '../../../src/runtime/cp.ts';

const file = { name: 'f.txt', dir: false };
const dir = { name: 'tree', dir: true };
const contents = { name: '.', dir: true };
const missing = (p: string, parentIsDir = true): Dest => ({ path: p, kind: 'missing', parentIsDir });
const existingDir = (p: string): Dest => ({ path: p, kind: 'dir', parentIsDir: false });
const existingFile = (p: string): Dest => ({ path: p, kind: 'other', parentIsDir: false });
const usage = { code: 'ERR_TSPOD_USAGE' };

test('a file: written as DEST, into a directory, over a file; never to a missing DEST/ or a missing parent', () => {
  assert.deepEqual(placement(file, missing('/tmp/new.txt')), { dir: '/tmp', rename: 'new.txt' });
  assert.deepEqual(placement(file, missing('/tmp/f.txt')), { dir: '/tmp', rename: undefined });
  assert.deepEqual(placement(file, existingDir('/tmp')), { dir: '/tmp' });
  assert.deepEqual(placement(file, existingFile('/etc/motd')), { dir: '/etc', rename: 'motd' });
  assert.throws(() => placement(file, missing('/nosuch/x', false)), usage);
  assert.throws(() => placement(file, missing('/tmp/nodir/')), usage);
  assert.throws(() => placement(file, existingFile('/etc/motd/')), usage);
});

test('a directory: created as a missing DEST, copied into an existing one, SRC/. merged; never onto a file', () => {
  assert.deepEqual(placement(dir, missing('/tmp/copy')), { dir: '/tmp', rename: 'copy' });
  assert.deepEqual(placement(dir, missing('/tmp/copy/')), { dir: '/tmp', rename: 'copy' });
  assert.deepEqual(placement(dir, existingDir('/srv')), { dir: '/srv' });
  assert.deepEqual(placement(contents, existingDir('/srv')), { dir: '/srv' });
  assert.deepEqual(placement(contents, missing('/srv/new')), { dir: '/srv', rename: 'new' });
  assert.throws(() => placement(dir, existingFile('/etc/motd')), usage);
  assert.throws(() => placement(contents, existingFile('/etc/motd')), usage);
  assert.throws(() => placement(dir, missing('/a/b', false)), usage);
});

test('a tar stream goes into an existing directory only', () => {
  assert.deepEqual(placement(undefined, existingDir('/srv')), { dir: '/srv' });
  assert.throws(() => placement(undefined, missing('/srv/new')), usage);
  assert.throws(() => placement(undefined, existingFile('/etc/motd')), usage);
});

test('the top-level entry is renamed, its children with it; other names are left alone', () => {
  assert.equal(renamed('tree/', 'tree', 'copy'), 'copy/');
  assert.equal(renamed('tree/sub/f', 'tree', 'copy'), 'copy/sub/f');
  assert.equal(renamed('tree', 'tree', 'copy'), 'copy');
  assert.equal(renamed('treehouse/x', 'tree', 'copy'), 'treehouse/x');
  assert.equal(renamed('./', '.', 'copy'), 'copy/');
  assert.equal(renamed('./a/b', '.', 'copy'), 'copy/a/b');
  assert.equal(renamed('f.txt', 'f.txt', 'g.txt'), 'g.txt');
});

test('CONTAINER:PATH and host paths', () => {
  assert.deepEqual(splitContainerPath('box:/tmp'), { container: 'box', path: '/tmp' });
  assert.deepEqual(splitContainerPath('box:'), { container: 'box', path: '/' });
  for (const host of ['/a:b', './a:b', 'plain', '-', ':x']) assert.equal(splitContainerPath(host), undefined, host);
});

function scratch(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-copier-'));
  fs.mkdirSync(path.join(d, 'tree', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(d, 'tree', 'sub', 'f'), 'deep\n');
  fs.writeFileSync(path.join(d, 'file'), 'x');
  fs.symlinkSync('tree', path.join(d, 'dirlink'));
  fs.symlinkSync('nowhere/x', path.join(d, 'dangling'));
  return d;
}

test('findDest follows a symlink at DEST, keeps a trailing slash on a missing one', () => {
  const d = scratch();
  try {
    assert.deepEqual(findDest(path.join(d, 'tree')), { path: path.join(d, 'tree'), kind: 'dir', parentIsDir: false });
    assert.deepEqual(findDest(path.join(d, 'dirlink')), { path: path.join(d, 'tree'), kind: 'dir', parentIsDir: false });
    assert.deepEqual(findDest(path.join(d, 'new') + '/'), { path: path.join(d, 'new') + '/', kind: 'missing', parentIsDir: true });
    assert.deepEqual(findDest(path.join(d, 'dangling')), { path: path.join(d, 'nowhere', 'x'), kind: 'missing', parentIsDir: false });
    assert.deepEqual(findDest(path.join(d, 'file', 'x')), { path: path.join(d, 'file', 'x'), kind: 'missing', parentIsDir: false });
    assert.equal(findDest(path.join(d, 'file')).kind, 'other');
    assert.equal(findDest(path.join(d, 'tree') + '/.').kind, 'dir');
  } finally {
    fs.rmSync(d, { recursive: true });
  }
});

test('findSource: a name, SRC/. its contents, a final symlink as a link unless SRC/', () => {
  const d = scratch();
  try {
    assert.deepEqual(findSource(path.join(d, 'tree'), 'here'), { name: 'tree', dir: true, cwd: d, entry: 'tree' });
    assert.deepEqual(findSource(path.join(d, 'tree') + '/.', 'here'), { name: '.', dir: true, cwd: path.join(d, 'tree'), entry: '.' });
    assert.deepEqual(findSource(path.join(d, 'dirlink'), 'here'), { name: 'dirlink', dir: false, cwd: d, entry: 'dirlink' });
    assert.deepEqual(findSource(path.join(d, 'dirlink') + '/', 'here'), { name: 'dirlink', dir: true, cwd: path.join(d, 'tree'), entry: '.', prefix: 'dirlink' });
    assert.deepEqual(findSource('/', 'here'), { name: '.', dir: true, cwd: '/', entry: '.' });
    assert.throws(() => findSource(path.join(d, 'nosuch'), 'here'), usage);
    assert.throws(() => findSource(path.join(d, 'file') + '/', 'here'), usage);
  } finally {
    fs.rmSync(d, { recursive: true });
  }
});

test('pack and unpack: renamed on the way, modes kept, an existing file rewritten with the new mode', async () => {
  const d = scratch();
  try {
    fs.chmodSync(path.join(d, 'tree', 'sub'), 0o710);
    fs.chmodSync(path.join(d, 'file'), 0o751);
    fs.mkdirSync(path.join(d, 'out'));
    const roundTrip = async (src: string, dest: string) => {
      const source = findSource(src, 'here');
      const stream = new PassThrough();
      await Promise.all([pack(source, stream), unpack(stream, placement(source, findDest(dest)), source)]);
    };
    await roundTrip(path.join(d, 'tree'), path.join(d, 'out', 'copy'));
    assert.equal(fs.readFileSync(path.join(d, 'out', 'copy', 'sub', 'f'), 'utf8'), 'deep\n');
    assert.equal(fs.statSync(path.join(d, 'out', 'copy', 'sub')).mode & 0o7777, 0o710);
    await roundTrip(path.join(d, 'tree'), path.join(d, 'out'));
    assert.ok(fs.existsSync(path.join(d, 'out', 'tree', 'sub', 'f')));
    fs.writeFileSync(path.join(d, 'out', 'existing'), 'old', { mode: 0o600 });
    await roundTrip(path.join(d, 'file'), path.join(d, 'out', 'existing'));
    assert.equal(fs.readFileSync(path.join(d, 'out', 'existing'), 'utf8'), 'x');
    assert.equal(fs.statSync(path.join(d, 'out', 'existing')).mode & 0o7777, 0o751);
    fs.chmodSync(path.join(d, 'out'), 0o750);
    await roundTrip(`${path.join(d, 'tree')}/.`, path.join(d, 'out'));
    assert.ok(fs.existsSync(path.join(d, 'out', 'sub', 'f')));
    assert.equal(fs.statSync(path.join(d, 'out')).mode & 0o7777, 0o750, 'the directory merged into keeps its mode');
  } finally {
    fs.rmSync(d, { recursive: true });
  }
});

test('unpack never writes through a symlink it finds at the destination', async () => {
  const d = scratch();
  try {
    const outside = path.join(d, 'outside');
    fs.mkdirSync(outside);
    fs.mkdirSync(path.join(d, 'dest'));
    fs.symlinkSync(outside, path.join(d, 'dest', 'tree'));
    fs.symlinkSync(path.join(d, 'victim'), path.join(d, 'dest', 'file'));
    fs.writeFileSync(path.join(d, 'victim'), 'victim', { mode: 0o600 });
    const source = findSource(path.join(d, 'file'), 'here');
    let stream = new PassThrough();
    await Promise.all([pack(source, stream), unpack(stream, placement(source, findDest(path.join(d, 'dest'))), source)]);
    assert.equal(fs.readFileSync(path.join(d, 'victim'), 'utf8'), 'victim');
    assert.equal(fs.statSync(path.join(d, 'victim')).mode & 0o777, 0o600);
    assert.ok(fs.lstatSync(path.join(d, 'dest', 'file')).isFile(), 'the link was replaced');
    const tree = findSource(path.join(d, 'tree'), 'here');
    stream = new PassThrough();
    await Promise.all([pack(tree, stream), unpack(stream, placement(tree, findDest(path.join(d, 'dest'))), tree)]);
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through dest/tree');
    assert.ok(fs.lstatSync(path.join(d, 'dest', 'tree', 'sub', 'f')).isFile(), 'the link was replaced by the directory');
  } finally {
    fs.rmSync(d, { recursive: true });
  }
});

test('symlinks keep their targets, absolute or climbing out of the copy; an archive cannot write through its own link', async () => {
  const d = scratch();
  try {
    fs.mkdirSync(path.join(d, 'links'));
    fs.symlinkSync('/etc/localtime', path.join(d, 'links', 'abs'));
    fs.symlinkSync('../../../../x', path.join(d, 'links', 'climb'));
    fs.mkdirSync(path.join(d, 'out'));
    const source = findSource(path.join(d, 'links'), 'here');
    const stream = new PassThrough();
    await Promise.all([pack(source, stream), unpack(stream, placement(source, findDest(path.join(d, 'out'))), source)]);
    assert.equal(fs.readlinkSync(path.join(d, 'out', 'links', 'abs')), '/etc/localtime');
    assert.equal(fs.readlinkSync(path.join(d, 'out', 'links', 'climb')), '../../../../x');

    // A hand-made archive: a link to a directory outside, then a file through it.
    const outside = path.join(d, 'outside');
    fs.mkdirSync(outside);
    const tar = await import('tar');
    const block = (h: ConstructorParameters<typeof tar.Header>[0]) => {
      const header = new tar.Header({ mode: 0o644, mtime: new Date(), size: 0, ...h });
      header.encode();
      return header.block!;
    };
    const body = new PassThrough();
    body.end(Buffer.concat([
      block({ path: 'a', type: 'SymbolicLink', linkpath: outside }),
      block({ path: 'a/x', type: 'File', size: 2 }), Buffer.from('x\n'), Buffer.alloc(510),
      Buffer.alloc(1024),
    ]));
    fs.mkdirSync(path.join(d, 'dest'));
    await assert.rejects(unpack(body, { dir: path.join(d, 'dest') }, undefined), { code: 'ERR_TSPOD_USAGE' });
    assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through the archive\'s own link');
    assert.equal(fs.readlinkSync(path.join(d, 'dest', 'a')), outside, 'the link itself is kept, as data');
  } finally {
    fs.rmSync(d, { recursive: true });
  }
});
