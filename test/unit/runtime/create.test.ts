import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerCommand } from '../../../src/runtime/create.ts';
import { mergeEnv, parseEnvFile, expandEnvArg } from '../../../src/runtime/env.ts';

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
