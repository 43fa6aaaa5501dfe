import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandsFor } from '../../../src/commands/index.ts';
import { specsOf } from '../../../src/cli/spec.ts';
import { renderHelp } from '../../../src/cli/help.ts';

const specs = specsOf(await commandsFor(undefined));

test('verb help: docker\'s usage line, flags with their value type, examples', () => {
  const run = renderHelp(['run'], specs);
  assert.match(run, /^\nUsage: {2}tspod run \[OPTIONS\] IMAGE \[COMMAND\] \[ARG\.\.\.\]\n\nCreate and run a new container from an image\n/);
  assert.match(run, /\n {6}--name string +Name the container\n/);
  assert.match(run, /\n {2}-p, --publish list +Publish a port/);
  assert.match(run, /\n {2}-m, --memory bytes +Memory limit/);
  assert.match(run, /\n {2}-d, --detach +Run in the background/);
  assert.match(run, /\nExamples:\n {2}# Run a command and remove the container\n {2}tspod run --rm busybox echo hello\n/);
  assert.doesNotMatch(run, /#0|\$0/);
  assert.match(renderHelp(['stop'], specs), /\n {2}-t, --time int +/);
  // flags in one aligned column, sorted by name
  const lines = run.split('\n').filter((l) => /^ {2}(-\w, | {4})--/.test(l));
  const col = new Set(lines.map((l) => { const m = /^( {2}.*?\S {3,})\S/.exec(l)!; return m[1].length; }));
  assert.equal(col.size, 1, 'descriptions start in one column');
  const names = lines.map((l) => /--([\w-]+)/.exec(l)![1]);
  assert.deepEqual(names, [...names].sort());
});

test('every verb has help with a usage line and no placeholders left (#0)', () => {
  for (const spec of specs) {
    const text = renderHelp(spec.paths[0], specs);
    assert.match(text, new RegExp(`Usage: {2}tspod ${spec.paths[0].join(' ')}`));
    assert.doesNotMatch(text, /#\d/);
  }
});

test('tspod --help groups the verbs as docker does', () => {
  const main = renderHelp([], specs);
  assert.match(main, /Common Commands:\n {2}run +Create and run/);
  assert.match(main, /Management Commands:\n(.*\n)* {2}network +Manage networks/);
  assert.match(main, /\nCommands:\n(.*\n)* {2}rm +Remove/);
  assert.match(main, /Global Options:\n(.*\n)* {6}--root string/);
  const group = renderHelp(['network'], specs);
  assert.match(group, /Usage: {2}tspod network COMMAND/);
  assert.match(group, /\n {2}create +Create a network/);
});

test('repeatable flags show a plural type, others not; defaults as docker shows them', async () => {
  const { placeholder } = await import('../../../src/cli/help.ts');
  const plural = ['list', 'filter', 'map', 'mount'];
  for (const spec of specs) {
    for (const f of spec.flags) {
      if (f.arity === 0) continue;
      assert.equal(plural.includes(placeholder(f)!), f.repeats, `${spec.paths[0].join(' ')} ${f.names.join(',')}`);
    }
  }
  assert.match(renderHelp(['save'], specs), /--format string +.* \(default "docker-archive"\)\n/, 'a validated default too');
  assert.match(renderHelp(['restart'], specs), /-t, --time int +Seconds to wait before killing \(default 10\)\n/);
  const run = renderHelp(['run'], specs);
  assert.match(run, /--restart string +.* \(default "no"\)\n/);
  assert.match(run, /--tls-verify +.* \(default true\)\n/);
  assert.match(run, /--rm +Remove the container when it exits\n/, 'false is not shown');
  assert.doesNotMatch(run, /--env list .*\(default/, 'an empty list is not shown');
});
