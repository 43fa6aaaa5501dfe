import { test } from 'node:test';
import assert from 'node:assert/strict';
import { safeRelativePath, classifyWhiteout, safeLinkTarget } from '../../../src/layer/rules.ts';

test('entry names are normalized inside the layer root', () => {
  assert.equal(safeRelativePath('./etc/passwd'), 'etc/passwd');
  assert.equal(safeRelativePath('etc//x/./y/'), 'etc/x/y');
  assert.equal(safeRelativePath('./'), '');
  for (const bad of ['/etc/passwd', '../x', 'a/../../b', 'a/..', '..']) {
    assert.throws(() => safeRelativePath(bad), { code: 'ERR_TSPOD_UNSAFE_LAYER' }, bad);
  }
});

test('whiteouts, opaque markers and aufs metadata', () => {
  assert.deepEqual(classifyWhiteout('etc/.wh.passwd'), { kind: 'whiteout', target: 'etc/passwd' });
  assert.deepEqual(classifyWhiteout('.wh.top'), { kind: 'whiteout', target: 'top' });
  assert.deepEqual(classifyWhiteout('opt/dir/.wh..wh..opq'), { kind: 'opaque', dir: 'opt/dir' });
  assert.deepEqual(classifyWhiteout('.wh..wh..opq'), { kind: 'opaque', dir: '' });
  assert.deepEqual(classifyWhiteout('.wh..wh.plnk'), { kind: 'meta' });
  assert.deepEqual(classifyWhiteout('etc/file.wh.x'), { kind: 'none' });
  assert.throws(() => classifyWhiteout('a/.wh.'), { code: 'ERR_TSPOD_UNSAFE_LAYER' });
});

test('hard link targets stay inside', () => {
  assert.equal(safeLinkTarget('x', 'bin/busybox'), 'bin/busybox');
  assert.equal(safeLinkTarget('x', '/bin/busybox'), 'bin/busybox');
  assert.throws(() => safeLinkTarget('x', '../../etc/shadow'), { code: 'ERR_TSPOD_UNSAFE_LAYER' });
  assert.throws(() => safeLinkTarget('x', './'), { code: 'ERR_TSPOD_UNSAFE_LAYER' });
});
