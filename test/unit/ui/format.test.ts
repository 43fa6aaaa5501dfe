import { test } from 'node:test';
import assert from 'node:assert/strict';
import { table, humanSize, humanDuration } from '../../../src/ui/format.ts';

test('docker size and duration formats', () => {
  assert.equal(humanSize(0), '0B');
  assert.equal(humanSize(4_261_000), '4.26MB');
  assert.equal(humanSize(1_234_567_890), '1.23GB');
  assert.equal(humanDuration(500), 'Less than a second');
  assert.equal(humanDuration(61_000), 'About a minute');
  assert.equal(humanDuration(3 * 3600_000), '3 hours');
  assert.equal(humanDuration(20 * 86400_000), '2 weeks');
});

test('tables pad columns with three spaces', () => {
  assert.equal(table(['A', 'BB'], [['xyz', '1']]), 'A     BB\nxyz   1\n');
});
