import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser } from '../../../src/runtime/user.ts';

const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n';
const group = 'root:x:0:\nwheel:x:10:app\napp:x:1000:\nstaff:x:50:\n';

test('docker -u rules', () => {
  assert.deepEqual(resolveUser('', passwd, group), { uid: 0, gid: 0, groups: [0], home: '/root' });
  assert.deepEqual(resolveUser('app', passwd, group), { uid: 1000, gid: 1000, groups: [1000, 10], home: '/home/app' });
  assert.deepEqual(resolveUser('1000', passwd, group), { uid: 1000, gid: 1000, groups: [1000, 10], home: '/home/app' });
  assert.deepEqual(resolveUser('4242', passwd, group), { uid: 4242, gid: 0, groups: [0], home: '/' });
  assert.deepEqual(resolveUser('app:staff', passwd, group), { uid: 1000, gid: 50, groups: [50], home: '/home/app' });
  assert.deepEqual(resolveUser('7:8', '', ''), { uid: 7, gid: 8, groups: [8], home: '/' });
  assert.throws(() => resolveUser('ghost', passwd, group), /unable to find user ghost/);
  assert.throws(() => resolveUser('app:ghosts', passwd, group), /unable to find group ghosts/);
});
