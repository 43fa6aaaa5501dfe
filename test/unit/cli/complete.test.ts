import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandsFor } from '../../../src/commands/index.ts';
import { specsOf } from '../../../src/cli/spec.ts';
import { completeWords } from '../../../src/cli/complete.ts';
import { completionScript } from '../../../src/cli/completion.ts';
import type { NameKind } from '../../../src/cli/verbs.ts';

const specs = specsOf(await commandsFor(undefined));
const store: Record<string, string[]> = { container: ['web', 'db'], image: ['busybox:latest', '127.0.0.1:5000/x:1'], network: ['front'] };
const names = (kind: NameKind) => store[kind] ?? [];

function complete(...words: string[]): { values: string[]; directive: string } {
  const lines = completeWords(words, specs, names).trimEnd().split('\n');
  return { values: lines.slice(0, -1).map((l) => l.split('\t')[0]), directive: lines.at(-1)! };
}

test('verbs, sub-verbs and help topics', () => {
  const top = complete('');
  for (const v of ['run', 'ps', 'network', 'container', 'help', 'completion']) assert.ok(top.values.includes(v), v);
  assert.equal(top.directive, ':nofiles');
  assert.deepEqual(complete('ne').values, ['network']);
  assert.ok(complete('network', '').values.includes('create'));
  assert.deepEqual(complete('network', 'c').values, ['connect', 'create']);
  assert.deepEqual(complete('help', 'net').values, ['network']);
  assert.deepEqual(complete('completion', '').values, ['bash', 'zsh', 'fish']);
});

test('flags per verb, with descriptions', () => {
  const run = complete('run', '--de');
  assert.deepEqual(run.values, ['--device', '--detach', '--detach-keys']);
  assert.match(completeWords(['run', '--rm'], specs, names), /^--rm\tRemove the container when it exits$/m);
  assert.ok(complete('ps', '-').values.includes('-a'));
  assert.ok(!complete('ps', '--').values.includes('--detach'));
  assert.ok(complete('--r').values.includes('--root'), 'global flags before the verb');
});

test('names from the store where the verb takes them', () => {
  assert.deepEqual(complete('rm', '-f', '').values, ['web', 'db']);
  assert.deepEqual(complete('stop', 'web', 'd').values, ['db']);
  assert.deepEqual(complete('run', '--rm', '').values, ['busybox:latest', '127.0.0.1:5000/x:1']);
  assert.deepEqual(complete('run', '--name', 'x', '-d', '127').values, ['127.0.0.1:5000/x:1'], 'a flag value is not an argument');
  assert.deepEqual(complete('exec', '-it', '').values, ['web', 'db']);
  assert.deepEqual(complete('network', 'connect', '').values, ['front']);
  assert.deepEqual(complete('network', 'connect', 'front', '').values, ['web', 'db']);
  assert.deepEqual(complete('run', '--network', '').values, ['front']);
  assert.deepEqual(complete('run', '--network=f').values, ['--network=front']);
  assert.deepEqual(complete('--root', '/x', 'rmi', '').values, ['busybox:latest', '127.0.0.1:5000/x:1']);
});

test('the container\'s command and file arguments leave it to the shell', () => {
  assert.deepEqual(complete('run', 'busybox', ''), { values: [], directive: ':files' });
  assert.deepEqual(complete('run', 'busybox', 'ls', '-'), { values: [], directive: ':files' });
  assert.deepEqual(complete('run', '--env-file', ''), { values: [], directive: ':files' });
  assert.deepEqual(complete('run', '--name', ''), { values: [], directive: ':nofiles' });
});

test('a script for each shell, none for others', () => {
  assert.match(completionScript('bash'), /complete -F _tspod tspod/);
  assert.match(completionScript('zsh'), /compdef _tspod tspod/);
  assert.match(completionScript('fish'), /complete -c tspod/);
  for (const s of ['bash', 'zsh', 'fish']) assert.doesNotMatch(completionScript(s), /\\\$\{/);
  assert.throws(() => completionScript('csh'), { code: 'ERR_TSPOD_USAGE' });
});
