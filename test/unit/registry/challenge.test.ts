import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenges } from '../../../src/registry/challenge.ts';

test('bearer challenge with quoted params', () => {
  const c = parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:library/busybox:pull"');
  assert.deepEqual(c, [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:library/busybox:pull' } }]);
});

test('basic, token68-free, several challenges, escapes, spacing', () => {
  assert.deepEqual(parseChallenges('Basic realm="Registry Realm"'), [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]);
  const two = parseChallenges('Basic realm="a", Bearer realm="https://t/x", service=svc');
  assert.equal(two.length, 2);
  assert.equal(two[1].params.service, 'svc');
  assert.equal(parseChallenges('Bearer realm="a\\"b"')[0].params.realm, 'a"b');
  assert.equal(parseChallenges('BEARER   Realm = "x" ')[0].params.realm, 'x');
});
