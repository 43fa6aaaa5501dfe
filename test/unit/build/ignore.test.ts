import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contextFilter, isIgnored, parseIgnore } from '../../../src/build/ignore.ts';

test('docker pattern rules: *, ?, **, directories, leading slash, comments', () => {
  const p = parseIgnore('# comment\n*.log\n/tmp\n**/*.o\ndocs/?.md\nnode_modules\n');
  assert.ok(isIgnored(p, 'a.log'));
  assert.ok(!isIgnored(p, 'sub/a.log'), '* stays in one element');
  assert.ok(isIgnored(p, 'tmp/x/y'), 'a directory pattern covers what is below');
  assert.ok(isIgnored(p, 'a/b/c.o'));
  assert.ok(isIgnored(p, 'c.o'), '**/ matches zero directories');
  assert.ok(isIgnored(p, 'docs/a.md'));
  assert.ok(!isIgnored(p, 'docs/ab.md'));
  assert.ok(isIgnored(p, 'node_modules/x/index.js'));
  assert.ok(!isIgnored(p, 'src/main.c'));
});

test('! exceptions; the last match wins', () => {
  const p = parseIgnore('*.md\n!README.md\nREADME*.md\n!README-keep.md\n');
  assert.ok(isIgnored(p, 'a.md'));
  assert.ok(isIgnored(p, 'README.md'), 'a later pattern ignores it again');
  assert.ok(!isIgnored(p, 'README-keep.md'));
  const q = parseIgnore('data\n!data/keep.txt\n');
  assert.ok(isIgnored(q, 'data/x'));
  assert.ok(!isIgnored(q, 'data/keep.txt'));
});

test('the Dockerfile and .dockerignore stay unless named', () => {
  const all = contextFilter(parseIgnore('*\n'), ['Dockerfile', '.dockerignore']);
  assert.ok(all('Dockerfile'));
  assert.ok(all('.dockerignore'));
  assert.ok(!all('src'));
  const named = contextFilter(parseIgnore('Dockerfile\n.dockerignore\n'), ['Dockerfile', '.dockerignore']);
  assert.ok(!named('Dockerfile'));
  assert.ok(!named('.dockerignore'));
});
