import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileTemplate } from '../../../src/ui/template.ts';
import { DetachMatcher, parseDetachKeys } from '../../../src/runtime/attach-client.ts';

const doc = { ID: 'abc', Names: 'web', State: { Status: 'running', ExitCode: 0 }, Config: { Env: ['A=1', 'B=2'], Labels: { tier: 'front' } } };

test('docker --format templates', () => {
  assert.equal(compileTemplate('{{.State.Status}} {{.State.ExitCode}}').render(doc), 'running 0');
  assert.equal(compileTemplate('{{json .Config.Labels}}').render(doc), '{"tier":"front"}');
  assert.equal(compileTemplate('{{index .Config.Labels "tier"}}').render(doc), 'front');
  assert.equal(compileTemplate('{{join .Config.Env ","}}').render(doc), 'A=1,B=2');
  assert.equal(compileTemplate('{{upper .Names}}').render(doc), 'WEB');
  assert.equal(compileTemplate('{{.Config.Env}}').render(doc), '[A=1 B=2]');
  const table = compileTemplate('table {{.ID}}\\t{{.Names}}');
  assert.ok(table.table);
  assert.equal(table.header(), 'ID\tNAMES');
  assert.equal(table.render(doc), 'abc\tweb');
  assert.equal(compileTemplate('{{.Nope}}').render(doc), '<no value>');
  assert.throws(() => compileTemplate('{{.ID.Nope}}').render(doc), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => compileTemplate('{{.ID'), { code: 'ERR_TSPOD_USAGE' });
});

test('detach keys: parsing and matching across chunks', () => {
  assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
  assert.deepEqual([...parseDetachKeys('ctrl-a,d')], [1, 100]);
  assert.throws(() => parseDetachKeys('ctrl-!!'), { code: 'ERR_TSPOD_USAGE' });
  const m = new DetachMatcher(Buffer.from([16, 17]));
  assert.deepEqual(m.push(Buffer.from('ab\x10')), { forward: Buffer.from('ab'), detach: false }, 'a partial match is held back');
  assert.deepEqual(m.push(Buffer.from('x')), { forward: Buffer.from('\x10x'), detach: false }, 'and released when it does not complete');
  assert.deepEqual(m.push(Buffer.from('\x10')), { forward: Buffer.alloc(0), detach: false });
  assert.deepEqual(m.push(Buffer.from('\x11rest')).detach, true);
  assert.deepEqual(new DetachMatcher(Buffer.alloc(0)).push(Buffer.from('\x10\x11')), { forward: Buffer.from('\x10\x11'), detach: false });
});
