import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChanges } from '../../../src/image/changes.ts';

test('CMD and ENTRYPOINT take the JSON form or the shell form', () => {
  const c = applyChanges({}, ['CMD ["a", "b c"]', 'ENTRYPOINT exec me now']);
  assert.deepEqual(c.Cmd, ['a', 'b c']);
  assert.deepEqual(c.Entrypoint, ['/bin/sh', '-c', 'exec me now']);
});

test('ENV replaces a variable or adds it; both spellings', () => {
  const c = applyChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV A=2 B="two words"', 'ENV C three words']);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=2', 'B=two words', 'C=three words']);
});

test('LABEL, EXPOSE, USER, WORKDIR, VOLUME, STOPSIGNAL, ONBUILD', () => {
  const c = applyChanges({}, ['LABEL a=b "c d"=e', 'EXPOSE 80 53/udp', 'USER 1000:1000', 'WORKDIR /app', 'VOLUME ["/data", "/logs"]', 'VOLUME /cache', 'STOPSIGNAL SIGINT', 'ONBUILD RUN x']);
  assert.deepEqual(c.Labels, { a: 'b', 'c d': 'e' });
  assert.deepEqual(c.ExposedPorts, { '80/tcp': {}, '53/udp': {} });
  assert.equal(c.User, '1000:1000');
  assert.equal(c.WorkingDir, '/app');
  assert.deepEqual(c.Volumes, { '/data': {}, '/logs': {}, '/cache': {} });
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['RUN x']);
});

test('the input config is not changed; bad changes are usage errors', () => {
  const base = { Env: ['A=1'] };
  applyChanges(base, ['ENV A=2']);
  assert.deepEqual(base.Env, ['A=1']);
  for (const bad of ['FROB x', 'CMD ["unclosed"', 'EXPOSE http', 'nothing']) {
    assert.throws(() => applyChanges({}, [bad]), (e: { code?: string }) => e.code === 'ERR_TSPOD_USAGE', bad);
  }
});
