import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseVolume, containerCommand } from '../../../src/runtime/create.ts';
import { mergeEnv, parseEnvFile, expandEnvArg } from '../../../src/runtime/env.ts';

test('volume specs', () => {
  assert.deepEqual(parseVolume('/h:/c'), { source: '/h', destination: '/c', readOnly: false, type: 'bind' });
  assert.deepEqual(parseVolume('/h:/c/:ro'), { source: '/h', destination: '/c/', readOnly: true, type: 'bind' });
  assert.deepEqual(parseVolume('data:/c'), { source: 'data', destination: '/c', readOnly: false, type: 'volume' });
  assert.deepEqual(parseVolume('/anon'), { source: '', destination: '/anon', readOnly: false, type: 'volume' });
  for (const bad of ['/h:rel', '/h:/c:bogus', 'a:b:c:d', 'bad name:/c']) assert.throws(() => parseVolume(bad), { code: 'ERR_TSPOD_USAGE' }, bad);
});

test('entrypoint and cmd follow docker', () => {
  const img = { config: { Entrypoint: ['/ep'], Cmd: ['dflt'] } };
  assert.deepEqual(containerCommand(img, { command: [] }), { entrypoint: ['/ep'], cmd: ['dflt'] });
  assert.deepEqual(containerCommand(img, { command: ['x'] }), { entrypoint: ['/ep'], cmd: ['x'] });
  assert.deepEqual(containerCommand(img, { command: [], entrypoint: '/other' }), { entrypoint: ['/other'], cmd: [] });
  assert.deepEqual(containerCommand(img, { command: ['sh'], entrypoint: '' }), { entrypoint: [], cmd: ['sh'] });
  assert.throws(() => containerCommand({ config: {} }, { command: [] }), /no command specified/);
});

test('environment precedence and env files', () => {
  assert.deepEqual(mergeEnv(['A=1', 'B=2'], ['B=3', 'C=4']), ['A=1', 'B=3', 'C=4']);
  assert.deepEqual(parseEnvFile('# c\nX=1\n\nHOSTVAR\nMISSING\n  Y=a b\r\n', { HOSTVAR: 'h' }), ['X=1', 'HOSTVAR=h', 'Y=a b']);
  assert.deepEqual(expandEnvArg('K=v=w', {}), ['K=v=w']);
  assert.throws(() => expandEnvArg('=x', {}), { code: 'ERR_TSPOD_USAGE' });
});
