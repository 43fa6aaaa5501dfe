import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerSpec, execSpec, ociUser, rootfsBackends } from '../../../src/runtime/spec.ts';
import { defaultSeccomp, DEFAULT_CAPABILITIES } from '../../../src/runtime/confinement.ts';
import { ContainerLayout } from '../../../src/storage/layout.ts';
import type { ContainerRecord } from '../../../src/model/container.ts';

const rec = (over: Partial<ContainerRecord['hostConfig']> = {}, user = ''): ContainerRecord => ({
  id: 'a'.repeat(64), name: 'web', created: '', image: 'img', imageId: 'sha256:x', layers: ['sha256:' + '1'.repeat(64), 'sha256:' + '2'.repeat(64)],
  config: { entrypoint: ['/bin/sh'], cmd: ['-c', 'true'], env: ['PATH=/bin'], workingDir: '/srv', user, hostname: 'h1', tty: false, openStdin: false, labels: {} },
  hostConfig: { autoRemove: false, readOnly: true, networkMode: 'pasta', mounts: [{ type: 'bind', source: '/data', destination: '/d', readOnly: true }], restartPolicy: 'no', ...over },
});
const layout = new ContainerLayout('/s', '/r', 'a'.repeat(64));

test('a container spec: namespaces joined by path, rootfs annotation, docker confinement', () => {
  const spec = containerSpec(rec(), layout, { userNsPid: 42, storeRoot: '/s', backends: ['overlay'] });
  assert.deepEqual(spec.linux.namespaces, [{ type: 'user', path: '/proc/42/ns/user' }, { type: 'mount' }, { type: 'pid' }, { type: 'uts' }, { type: 'ipc' }, { type: 'network' }]);
  assert.deepEqual(spec.process.args, ['/bin/sh', '-c', 'true']);
  assert.equal(spec.process.cwd, '/srv');
  assert.equal(spec.process.noNewPrivileges, false, 'docker default: setuid binaries keep working');
  assert.deepEqual(spec.process.capabilities.bounding, DEFAULT_CAPABILITIES);
  assert.deepEqual(spec.root, { path: layout.merged, readonly: true });
  assert.deepEqual(JSON.parse(spec.annotations['io.tspod.rootfs']).lowers, ['l/2222222222222222', 'l/1111111111111111'], 'topmost layer first');
  assert.equal(spec.annotations['io.tspod.wait-network'], 'true');
  assert.ok(spec.mounts.some((m) => m.destination === '/d' && m.options.includes('ro') && m.source === '/data'));
  assert.ok(spec.mounts.some((m) => m.destination === '/sys' && m.type === 'sysfs'));
  assert.ok(spec.linux.maskedPaths.includes('/proc/keys'));
});

test('host and container: networks; the host\'s /sys is bound read-only', () => {
  const host = containerSpec(rec({ networkMode: 'host' }), layout, { userNsPid: 42, storeRoot: '/s', backends: ['overlay'] });
  assert.ok(!host.linux.namespaces.some((n) => n.type === 'network'));
  assert.deepEqual(host.mounts.find((m) => m.destination === '/sys')?.type, 'bind');
  const shared = containerSpec(rec({ networkMode: 'container:' + 'b'.repeat(64) }), layout, { userNsPid: 42, netNsPid: 7, storeRoot: '/s', backends: ['overlay'] });
  assert.deepEqual(shared.linux.namespaces.find((n) => n.type === 'network'), { type: 'network', path: '/proc/7/ns/net' });
  assert.deepEqual(shared.linux.namespaces[0], { type: 'user', path: '/proc/7/ns/user' });
});

test('users: numeric ids in process.user, names resolved inside (annotation); exec keeps the confinement', () => {
  assert.deepEqual(ociUser('1000:100'), { uid: 1000, gid: 100 });
  assert.deepEqual(ociUser(''), { uid: 0, gid: 0 });
  const spec = containerSpec(rec({}, 'redis'), layout, { userNsPid: 1, storeRoot: '/s', backends: ['overlay'] });
  assert.equal(spec.annotations['io.tspod.user'], 'redis');
  const ex = execSpec(spec, { args: ['id'], env: ['A=1'], cwd: '/', user: '33', terminal: true });
  assert.equal(ex.annotations['io.tspod.user'], '33', 'numeric users are resolved inside too (gid, groups, HOME)');
  assert.deepEqual(ex.process.user, { uid: 33, gid: 0 });
  assert.deepEqual(ex.process.capabilities, spec.process.capabilities);
  assert.deepEqual(ex.linux.seccomp, spec.linux.seccomp);
  assert.equal(ex.process.terminal, true);
});

test('rootfs backends and the default seccomp filter', () => {
  assert.deepEqual(rootfsBackends({}), ['overlay', 'fuse-overlayfs', 'copy']);
  assert.deepEqual(rootfsBackends({ TSPOD_ROOTFS_BACKEND: 'copy' }), ['copy']);
  assert.throws(() => rootfsBackends({ TSPOD_ROOTFS_BACKEND: 'zfs' }), { code: 'ERR_TSPOD_CONFIG' });
  const f = defaultSeccomp('x64');
  assert.equal(f.defaultAction, 'SCMP_ACT_ALLOW');
  const denied = f.syscalls.filter((s) => s.action === 'SCMP_ACT_ERRNO' && !s.args).flatMap((s) => s.names);
  for (const name of ['mount', 'unshare', 'setns', 'keyctl', 'bpf', 'kexec_load', 'clone3']) assert.ok(denied.includes(name), name);
  assert.ok(!denied.includes('read') && !denied.includes('clone'), 'ordinary calls stay allowed');
  assert.equal(f.syscalls.filter((s) => s.names.includes('clone') && s.args).length, 7, 'clone with any namespace flag');
});
