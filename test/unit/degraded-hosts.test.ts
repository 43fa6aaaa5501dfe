import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refuseLimits } from '../../src/cgroupv2/delegation.ts';

test('limits are refused with the reason, and only when asked for', () => {
  refuseLimits({}, { hierarchy: 'hybrid', controllers: [] });
  assert.throws(() => refuseLimits({ memory: '512m' }, { hierarchy: 'hybrid', controllers: [] }), { code: 'ERR_TSPOD_CGROUP', message: /^cannot apply -m 512m: this host uses hybrid cgroups/ });
  assert.throws(() => refuseLimits({ cpus: '1.5', pidsLimit: 100 }, { hierarchy: 'v2', controllers: [] }), /cannot apply --cpus 1\.5, --pids-limit 100: no cgroup controllers are delegated/);
  assert.throws(() => refuseLimits({ memory: '1g' }, { hierarchy: 'v2', controllers: ['memory', 'pids'] }), /not implemented yet/);
});

test('a data root on NFS is replaced by a local directory, unless the user chose it', async () => {
  const { defaultPaths } = await import('../../src/storage/paths.ts');
  const nfs = () => 0x6969;
  const local = () => 0xef53;
  const moved = defaultPaths({}, { HOME: '/home/u', XDG_RUNTIME_DIR: '/run/user/1' }, nfs);
  assert.equal(moved.relocatedFrom?.root, '/home/u/.local/share/tspod');
  assert.equal(moved.relocatedFrom?.filesystem, 'NFS');
  assert.match(moved.root, /^\/var\/tmp\/tspod-\d+\/storage$/);
  assert.equal(defaultPaths({}, { HOME: '/home/u' }, local).root, '/home/u/.local/share/tspod');
  assert.equal(defaultPaths({}, { HOME: '/home/u', XDG_DATA_HOME: '/nfs/data' }, nfs).root, '/nfs/data/tspod');
  assert.equal(defaultPaths({ root: '/nfs/x' }, { HOME: '/home/u' }, nfs).root, '/nfs/x');
});
