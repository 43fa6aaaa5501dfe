import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cli, type CommandClass } from 'clipanion';
import { commandsFor } from '../../../src/commands/index.ts';
import { specsOf, type VerbSpec } from '../../../src/cli/spec.ts';
import { normalize, type Parsed } from '../../../src/cli/argv.ts';
import { processCanonical } from '../../../src/cli/process.ts';

const classes = await commandsFor(undefined);
const specs = specsOf(classes);

/** What a parse decided: the command's fields (not its context), or the error it threw. */
function outcome(make: () => unknown): unknown {
  let cmd: Record<string, unknown>;
  try {
    cmd = make() as Record<string, unknown>;
  } catch (err) {
    return { error: (err as Error).message };
  }
  if (cmd === undefined) return undefined;
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(cmd).sort()) if (key !== 'context' && key !== 'cli') fields[key] = cmd[key];
  return { cls: cmd.constructor.name, fields };
}

/** The same words through clipanion's own process() and through processCanonical. */
function both(words: string[]): { reference: unknown; fast: unknown } {
  const p = normalize(words, specs) as Extract<Parsed, { kind: 'command' }>;
  assert.equal(p.kind, 'command', words.join(' '));
  // A fresh Cli for each side: process() must not depend on what the other did.
  const cliOf = () => { const cli = new Cli({ binaryName: 'tspod' }); cli.register(p.spec.cls); return cli; };
  const reference = outcome(() => cliOf().process(p.argv, {}));
  const fast = outcome(() => processCanonical(cliOf(), p.spec.cls as CommandClass, p.path, p.argv, {}));
  return { reference, fast };
}

/** Words that set every flag of a verb (values as given), then `n` arguments. */
function everyFlag(spec: VerbSpec, path: string[], value: string, bool: string, n: number): string[] {
  const words = [...path];
  for (const f of spec.flags) {
    const long = f.names.find((x) => x.startsWith('--')) ?? f.names[0];
    if (long === '--help') continue;
    words.push(f.arity ? `${long}=${value}` : `${long}=${bool}`);
  }
  return [...words, ...Array.from({ length: n }, (_, i) => `arg${i}`)];
}

test('every verb, every flag, 0-3 arguments: the same command as clipanion makes, or no answer', () => {
  const unanswered = new Set<string>();
  for (const spec of specs) {
    for (const path of spec.paths) {
      for (const [value, bool] of [['1', 'true'], ['x', 'false'], ['-1', 'true']]) {
        for (let n = 0; n <= 3; n++) {
          const { reference, fast } = both(everyFlag(spec, path, value, bool, n));
          if (fast === undefined) {
            if (!(reference as { error?: string }).error) unanswered.add(path.join(' '));
            continue;
          }
          assert.deepEqual(fast, reference, `${path.join(' ')} with ${value}/${bool} and ${n} arguments`);
        }
      }
    }
  }
  // Left to clipanion: the verbs whose shape this does not cover (a proxy with no argument before it).
  assert.deepEqual([...unanswered].sort(), []);
});

test('the verbs on the start path are answered without clipanion\'s machine', () => {
  for (const words of [
    ['run', '--rm', 'img', 'true'], ['run', '-d', '--name', 'x', '-p', '8080:80', '-e', 'A=1', '-v', '/a:/b', 'img', 'sh', '-c', 'echo --rm'],
    ['container', 'run', '-it', 'img'], ['create', '--network', 'host', 'img', 'true'], ['ps', '-a'], ['ps', '--format', '{{.ID}}'],
    ['rm', '-f', 'a', 'b'], ['start', '-a', 'x'], ['exec', '-it', 'x', 'sh'], ['images'], ['pull', 'busybox'], ['inspect', 'x'],
  ]) {
    const { reference, fast } = both(words);
    assert.notEqual(fast, undefined, words.join(' '));
    assert.deepEqual(fast, reference, words.join(' '));
  }
});

test('a wrong number of arguments or a value a validator refuses: the same error, or left to clipanion', () => {
  for (const words of [['run'], ['rm'], ['ps', 'extra'], ['ps', '-n', 'x'], ['stop', '-t', 'soon', 'x'], ['logs', 'a', 'b']]) {
    const { reference, fast } = both(words);
    assert.ok(reference && typeof reference === 'object' && 'error' in reference, `${words.join(' ')}: clipanion refuses it`);
    if (fast !== undefined) assert.deepEqual(fast, reference, words.join(' '));
  }
});
