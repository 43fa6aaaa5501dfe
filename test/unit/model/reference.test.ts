import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseReference, formatReference, familiarRepository } from '../../../src/model/reference.ts';

const D = 'sha256:' + 'a'.repeat(64);

test('docker normalization of short names', () => {
  assert.deepEqual(parseReference('busybox'), { domain: 'docker.io', path: 'library/busybox', tag: 'latest', digest: undefined });
  assert.equal(formatReference(parseReference('busybox')), 'docker.io/library/busybox:latest');
  assert.equal(formatReference(parseReference('user/app:1.0')), 'docker.io/user/app:1.0');
  assert.equal(formatReference(parseReference('index.docker.io/library/redis')), 'docker.io/library/redis:latest');
});

test('registries with ports, localhost and IPs', () => {
  assert.deepEqual(parseReference('127.0.0.1:5000/ns/name:tag'), { domain: '127.0.0.1:5000', path: 'ns/name', tag: 'tag', digest: undefined });
  assert.equal(parseReference('localhost/app').domain, 'localhost');
  assert.equal(parseReference('localhost:5000/app').path, 'app');
  assert.equal(parseReference('registry.example/a/b/c').path, 'a/b/c');
  assert.equal(parseReference('[::1]:5000/app').domain, '[::1]:5000');
});

test('digests: no default tag, tag and digest together', () => {
  assert.deepEqual(parseReference(`busybox@${D}`), { domain: 'docker.io', path: 'library/busybox', tag: undefined, digest: D });
  const both = parseReference(`127.0.0.1:5000/x:1@${D}`);
  assert.equal(both.tag, '1');
  assert.equal(formatReference(both), `127.0.0.1:5000/x:1@${D}`);
});

test('invalid references are refused with a code', () => {
  for (const bad of ['', 'upper/Case', 'Upper', 'a//b', 'name:', 'name:-tag', `x@sha256:abc`, 'a:b:c', '-lead', 'x@']) {
    assert.throws(() => parseReference(bad), { code: 'ERR_TSPOD_INVALID_REFERENCE' }, bad);
  }
});

test('familiar names as docker shows them', () => {
  assert.equal(familiarRepository(parseReference('busybox')), 'busybox');
  assert.equal(familiarRepository(parseReference('user/app')), 'user/app');
  assert.equal(familiarRepository(parseReference('127.0.0.1:5000/library/x')), '127.0.0.1:5000/library/x');
});
