import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refuseLimits } from '../../src/cgroupv2/delegation.ts';

test('limits are refused with the reason, and only when asked for', () => {
  refuseLimits({}, { hierarchy: 'hybrid', controllers: [] });
  assert.throws(() => refuseLimits({ memory: '512m' }, { hierarchy: 'hybrid', controllers: [] }), { code: 'ERR_TSPOD_CGROUP', message: /^cannot apply -m 512m: this host uses hybrid cgroups/ });
  assert.throws(() => refuseLimits({ cpus: '1.5', pidsLimit: 100 }, { hierarchy: 'v2', controllers: [] }), /cannot apply --cpus 1\.5, --pids-limit 100: no cgroup controllers are delegated/);
  assert.throws(() => refuseLimits({ memory: '1g' }, { hierarchy: 'v2', controllers: ['memory', 'pids'] }), /not implemented yet/);
});
