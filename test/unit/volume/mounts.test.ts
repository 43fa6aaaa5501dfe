import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVolumeFlag, parseMountFlag, parseTmpfsFlag, parseMountFlags, parseBytes, parseVolumesFrom } from '../../../src/volume/mounts.ts';

test('-v specs', () => {
  assert.deepEqual(
    { ...parseVolumeFlag('/h:/c') },
    { type: 'bind', source: '/h', destination: '/c', readOnly: false, noCopy: undefined, chown: undefined, propagation: undefined, createSource: true },
  );
  assert.equal(parseVolumeFlag('/h:/c/:ro').readOnly, true);
  assert.equal(parseVolumeFlag('/h:/c/:ro').destination, '/c');
  assert.equal(parseVolumeFlag('data:/c').type, 'volume');
  assert.equal(parseVolumeFlag('data:/c:nocopy,Z').noCopy, true);
  assert.equal(parseVolumeFlag('data:/c:U').chown, true);
  assert.equal(parseVolumeFlag('/h:/c:rshared').propagation, 'rshared');
  assert.equal(parseVolumeFlag('/anon').source, '');
  assert.equal(parseVolumeFlag('/anon:ro').readOnly, true);
  for (const bad of ['/h:rel', '/h:/c:bogus', 'a:b:c:d', 'bad name:/c', ':/x', '::/x', 'v:rel', '/h:/c:ro,rw']) {
    assert.throws(() => parseVolumeFlag(bad), { code: 'ERR_TSPOD_USAGE' }, bad);
  }
});

test('--mount specs', () => {
  const b = parseMountFlag('type=bind,src=/h,dst=/c,readonly,bind-propagation=rslave');
  assert.deepEqual([b.type, b.source, b.destination, b.readOnly, b.propagation], ['bind', '/h', '/c', true, 'rslave']);
  const v = parseMountFlag('source=v1,target=/d,volume-nocopy,volume-opt=type=tmpfs');
  assert.deepEqual([v.type, v.source, v.noCopy, v.volumeOptions], ['volume', 'v1', true, { type: 'tmpfs' }]);
  const t = parseMountFlag('type=tmpfs,destination=/t,tmpfs-size=1m,tmpfs-mode=700');
  assert.deepEqual(t.options, ['size=1048576', 'mode=0700']);
  assert.equal(parseMountFlag('type=volume,dst=/x,ro=false').readOnly, false);
  for (const bad of ['type=bogus,dst=/x', 'type=bind,dst=/x', 'type=bind,src=rel,dst=/x', 'src=v', 'dst=rel', 'type=tmpfs,dst=/t,tmpfs-size=abc',
    'type=tmpfs,dst=/t,tmpfs-mode=999', 'dst=/x,foo=1', 'type=bind,src=/h,dst=/x,bind-propagation=up', 'dst=/x,readonly=maybe']) {
    assert.throws(() => parseMountFlag(bad), { code: 'ERR_TSPOD_USAGE' }, bad);
  }
});

test('--tmpfs, sizes, --volumes-from, duplicates', () => {
  assert.deepEqual(parseTmpfsFlag('/run:size=64k,mode=1777,exec').options, ['size=65536', 'mode=1777', 'exec']);
  assert.equal(parseTmpfsFlag('/run:ro').readOnly, true);
  assert.throws(() => parseTmpfsFlag('rel'), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => parseTmpfsFlag('/t:bogus'), { code: 'ERR_TSPOD_USAGE' });
  assert.equal(parseBytes('--shm-size', '2g'), 2 * 1024 ** 3);
  assert.equal(parseBytes('--shm-size', '100'), 100);
  assert.throws(() => parseBytes('--shm-size', 'lots'), { code: 'ERR_TSPOD_USAGE' });
  assert.deepEqual(parseVolumesFrom('c1:ro'), { container: 'c1', mode: 'ro' });
  assert.throws(() => parseVolumesFrom('c1:rx'), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => parseMountFlags({ volumes: ['/a:/x'], tmpfs: ['/x'] }), { code: 'ERR_TSPOD_USAGE' });
});
