import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandWord, expandWords, keyValues, splitWords, varsOf } from '../../../src/build/expand.ts';

const vars = varsOf(['A=1', 'EMPTY=', 'P=/usr/bin', 'SP=a b']);

test('$VAR, ${VAR}, unset is empty', () => {
  assert.equal(expandWord('$A-${A}x$NOPE.', vars), '1-1x.');
  assert.equal(expandWord('${P}/sh', vars), '/usr/bin/sh');
  assert.equal(expandWord('$', vars), '$');
});

test('modifiers :- - :+ + and :?', () => {
  assert.equal(expandWord('${NOPE:-def}', vars), 'def');
  assert.equal(expandWord('${EMPTY:-def}', vars), 'def');
  assert.equal(expandWord('${EMPTY-def}', vars), '');
  assert.equal(expandWord('${A:+set}', vars), 'set');
  assert.equal(expandWord('${NOPE:+set}', vars), '');
  assert.equal(expandWord('${EMPTY+set}', vars), 'set');
  assert.equal(expandWord('${NOPE:-${A}0}', vars), '10');
  assert.throws(() => expandWord('${NOPE:?must be set}', vars), /must be set/);
});

test('quotes and escapes', () => {
  assert.equal(expandWord("'$A'", vars), '$A');
  assert.equal(expandWord('"$A b"', vars), '1 b');
  assert.equal(expandWord('\\$A', vars), '$A');
  assert.equal(expandWord('"\\$A \\"q\\""', vars), '$A "q"');
  assert.equal(expandWord('`$A', vars, '`'), '$A');
  assert.equal(expandWord('a\\ b', vars), 'a b');
});

test('words split on unquoted whitespace', () => {
  assert.deepEqual(splitWords('a "b c" \'d e\' f\\ g'), ['a', '"b c"', "'d e'", 'f\\ g']);
  assert.deepEqual(expandWords('$SP "$SP" x', vars), ['a b', 'a b', 'x']);
});

test('ENV/LABEL pairs and the old one-pair form', () => {
  assert.deepEqual(keyValues('K=$A K2="two words" K3=a\\ b', vars), [['K', '1'], ['K2', 'two words'], ['K3', 'a b']]);
  assert.deepEqual(keyValues('KEY some value $A', vars), [['KEY', 'some value 1']]);
  assert.deepEqual(keyValues('"com.example.x"="y z"', vars), [['com.example.x', 'y z']]);
  assert.throws(() => keyValues('A=1 B', vars), /name=value/);
});
