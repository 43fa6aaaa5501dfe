import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRestartPolicy, shouldRestart, nextDelay, formatRestartPolicy } from '../../../src/model/restart-policy.ts';
import { formatChunk, parseRecord, recordText, parseTimeArg, logTime } from '../../../src/model/log-record.ts';
import { encodeFrame, FrameDecoder, FRAME } from '../../../src/model/attach-frames.ts';

test('restart policies decide like docker', () => {
  const onFailure3 = parseRestartPolicy('on-failure:3');
  assert.deepEqual(onFailure3, { name: 'on-failure', maxRetries: 3 });
  assert.equal(formatRestartPolicy(onFailure3), 'on-failure:3');
  assert.ok(shouldRestart(onFailure3, 1, 2, false));
  assert.ok(!shouldRestart(onFailure3, 1, 3, false), 'retries used up');
  assert.ok(!shouldRestart(onFailure3, 0, 0, false), 'success is not a failure');
  assert.ok(shouldRestart(parseRestartPolicy('on-failure'), 1, 100, false), 'no count: unlimited');
  assert.ok(shouldRestart(parseRestartPolicy('always'), 0, 5, false));
  assert.ok(!shouldRestart(parseRestartPolicy('always'), 0, 5, true), 'a user stop wins');
  assert.ok(!shouldRestart(parseRestartPolicy('no'), 1, 0, false));
  for (const bad of ['sometimes', 'on-failure:x', 'always:2', 'on-failure:-1']) assert.throws(() => parseRestartPolicy(bad), Error, bad);
  assert.equal(nextDelay(0, 0), 100);
  assert.equal(nextDelay(100, 50), 200);
  assert.equal(nextDelay(40_000, 50), 60_000);
  assert.equal(nextDelay(40_000, 11_000), 100, 'a long run resets the back-off');
});

test('log records: full and partial lines round-trip', () => {
  const t = logTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678), 9);
  assert.equal(t, '2026-01-02T03:04:05.678000009Z');
  const text = formatChunk('stderr', Buffer.from('one\ntwo\npart'), t);
  assert.equal(text, `${t} stderr F one\n${t} stderr F two\n${t} stderr P part\n`);
  const records = text.trim().split('\n').map((l) => parseRecord(l)!);
  assert.equal(records.map(recordText).join(''), 'one\ntwo\npart');
  assert.equal(records[0].stream, 'stderr');
  assert.equal(parseRecord('garbage'), undefined);
  assert.equal(parseRecord(`${t} stdout F `)!.text, '', 'empty lines survive');
});

test('--since/--until values', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  assert.equal(parseTimeArg('1h30m', now), now - 90 * 60_000);
  assert.equal(parseTimeArg('10s', now), now - 10_000);
  assert.equal(parseTimeArg('1700000000', now), 1_700_000_000_000);
  assert.equal(parseTimeArg('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
  assert.throws(() => parseTimeArg('yesterday', now));
});

test('attach frames survive arbitrary chunking', () => {
  const wire = Buffer.concat([encodeFrame(FRAME.STDOUT, 'hello'), encodeFrame(FRAME.EXIT, JSON.stringify({ exitCode: 3 })), encodeFrame(FRAME.STDIN_EOF)]);
  const dec = new FrameDecoder();
  const frames = [];
  for (let i = 0; i < wire.length; i += 3) frames.push(...dec.push(wire.subarray(i, i + 3)));
  assert.deepEqual(frames.map((f) => [f.type, f.payload.toString()]), [[FRAME.STDOUT, 'hello'], [FRAME.EXIT, '{"exitCode":3}'], [FRAME.STDIN_EOF, '']]);
});
