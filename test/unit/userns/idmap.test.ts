import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubIds, containerMap, mapArgs, mapSize } from '../../../src/userns/idmap.ts';

test('subuid ranges by name or uid; comments and junk ignored', () => {
  const text = '# c\nalice:100000:65536\nbob:165536:65536\n1001:300000:1000\nalice:bad:1\n\n';
  assert.deepEqual(parseSubIds(text, 'alice', 1000), [{ start: 100000, count: 65536 }]);
  assert.deepEqual(parseSubIds(text, 'carol', 1001), [{ start: 300000, count: 1000 }]);
  assert.deepEqual(parseSubIds(text, 'dave', 5), []);
});

test('container map: 0 is the user, then the ranges', () => {
  const map = containerMap(1000, [{ start: 100000, count: 65536 }, { start: 300000, count: 10 }]);
  assert.deepEqual(mapArgs(map), ['0', '1000', '1', '1', '100000', '65536', '65537', '300000', '10']);
  assert.equal(mapSize(map), 65547);
  assert.deepEqual(containerMap(1000, []), [{ inner: 0, outer: 1000, count: 1 }]);
});
