import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandsFor } from '../../../src/commands/index.ts';
import { specsOf, type VerbSpec } from '../../../src/cli/spec.ts';
import { normalize, type FlagError, type Parsed } from '../../../src/cli/argv.ts';
import { processCanonical } from '../../../src/cli/process.ts';
import { definitionOf, type BaseContext } from '../../../src/cli/options.ts';

const specs = specsOf(await commandsFor(undefined));

/** The command made from the words, as main makes it (through normalize()). */
function parse(words: string[]): Record<string, unknown> {
  const p = normalize(words, specs) as Extract<Parsed, { kind: 'command' }>;
  assert.equal(p.kind, 'command', words.join(' '));
  return processCanonical(p.spec.cls, p.path, p.argv, {} as BaseContext) as unknown as Record<string, unknown>;
}

/** The usage error the words give: its message; the code and the help it names checked. */
function refused(words: string[], helpFor: string): string {
  try {
    parse(words);
  } catch (err) {
    assert.equal((err as FlagError).code, 'ERR_TSPOD_USAGE', words.join(' '));
    assert.equal((err as FlagError).helpFor, helpFor, words.join(' '));
    return (err as Error).message;
  }
  assert.fail(`${words.join(' ')}: accepted`);
}

/** Words that set every flag of a verb (values as given), then `n` arguments. */
function everyFlag(spec: VerbSpec, path: string[], value: string, bool: string, n: number): string[] {
  const words = [...path];
  for (const f of spec.flags) {
    const long = f.names.find((x) => x.startsWith('--')) ?? f.names[0];
    words.push(f.arity ? `${long}=${value}` : `${long}=${bool}`);
  }
  return [...words, ...Array.from({ length: n }, (_, i) => `arg${i}`)];
}

test('every verb, every flag, 0-4 arguments: each field as declared, or docker\'s usage error', () => {
  for (const spec of specs) {
    const def = definitionOf(spec.cls);
    for (const path of spec.paths) {
      const verb = `tspod ${path.join(' ')}`;
      for (const [value, bool] of [['1', 'true'], ['x', 'false'], ['-1', 'true'], ['', 'false']]) {
        for (let n = 0; n <= 4; n++) {
          const words = everyFlag(spec, path, value, bool, n);
          const args = Array.from({ length: n }, (_, i) => `arg${i}`);
          if (n < def.needed || (!def.unlimited && n > def.needed + def.optional)) {
            assert.match(refused(words, verb), new RegExp(`^"${verb}" (requires (exactly|at least|at most) \\d arguments?|accepts no arguments)\\.$`), words.join(' '));
            continue;
          }
          const validated = def.flags.filter((f) => f.validator);
          const wrong = validated.find((f) => { try { f.validator!(value); return false; } catch { return true; } });
          if (wrong) {
            const long = wrong.names.reduce((a, b) => (b.length > a.length ? b : a));
            assert.match(refused(words, verb), new RegExp(`^Invalid value for ${long}: (expected|received) `), words.join(' '));
            continue;
          }
          const cmd = parse(words);
          assert.deepEqual(cmd.path, path);
          for (const f of def.flags) {
            const want = f.arity === 0 ? bool === 'true' : f.repeats ? [value] : f.validator ? f.validator(value) : value;
            // `--no-x=false` of a flag named --no-x is no flag at all: its default stays.
            const negatedAway = f.arity === 0 && bool === 'false' && f.names.every((nm) => !nm.startsWith('--') || nm.startsWith('--no-'));
            assert.deepEqual(cmd[f.key], negatedAway ? f.initial : want, `${words.join(' ')}: ${f.key}`);
          }
          let next = 0;
          for (const a of def.args) assert.deepEqual(cmd[a.key], a.kind === 'one' ? args[next++] : args.slice(next), `${words.join(' ')}: ${a.key}`);
        }
      }
    }
  }
});

test('without flags every field has its default: a fresh list each time, a validated default converted', () => {
  const a = parse(['run', 'img']);
  const b = parse(['run', 'img']);
  assert.deepEqual([a.rm, a.env, a.network, a.sigProxy, a.name, a.command], [false, [], 'default', true, undefined, []]);
  assert.notEqual(a.env, b.env, 'a list default is not shared between commands');
  (a.env as string[]).push('X=1');
  assert.deepEqual(parse(['run', 'img']).env, []);
  assert.equal(parse(['restart', 'x']).time, 10);
  assert.equal(parse(['generate', 'systemd', 'x']).time, 10);
  assert.equal(parse(['stop', 'x']).time, undefined);
  assert.equal(parse(['save', 'img']).format, 'docker-archive');
  assert.equal(parse(['push', 'img']).format, undefined);
});

test('a representative command line of every verb', () => {
  const cases: Array<[string[], Record<string, unknown>]> = [
    [['pull', '-q', '--platform', 'v', 'a0'], {quiet: true, platform: 'v', reference: 'a0'}],
    [['images', '-a', '-f', 'v1', '--filter', 'v2', 'a0'], {all: true, filter: ['v1', 'v2'], repository: 'a0'}],
    [['rmi', '-f', 'a0', 'a1'], {force: true, images: ['a0', 'a1']}],
    [['tag', 'a0', 'a1'], {source: 'a0', target: 'a1'}],
    [['push', '-q', '--authfile', 'v', 'a0', 'a1'], {quiet: true, authfile: 'v', image: 'a0', destination: 'a1'}],
    [['save', '-o', 'v', 'a0', 'a1'], {output: 'v', images: ['a0', 'a1']}],
    [['load', '-q', '-i', 'v'], {input: 'v', quiet: true}],
    [['import', '-c', 'v1', '--change', 'v2', 'a0', 'a1'], {change: ['v1', 'v2'], source: 'a0', reference: 'a1'}],
    [['history', '-H', '--format', 'v', 'a0'], {format: 'v', image: 'a0'}],
    [['build', '-q', '-t', 'v1', '--tag', 'v2', 'a0'], {tags: ['v1', 'v2'], quiet: true, contextDir: 'a0'}],
    [['export', '-o', 'v', 'a0'], {output: 'v', container: 'a0'}],
    [['commit', '-p', '-a', 'v', 'a0', 'a1'], {author: 'v', container: 'a0', reference: 'a1'}],
    [['diff', 'a0'], {container: 'a0'}],
    [['image', 'prune', '-a', '--filter', 'v1', '--filter', 'v2'], {all: true, filter: ['v1', 'v2']}],
    [['login', '--password-stdin', '-u', 'v', 'a0'], {username: 'v', passwordStdin: true, registry: 'a0'}],
    [['logout', '-a', '--authfile', 'v', 'a0'], {all: true, authfile: 'v', registry: 'a0'}],
    [['search', '--no-trunc', '--limit', 'v', 'a0'], {limit: 'v', noTrunc: true, term: 'a0'}],
    [['system', 'df', '-v', '--format', 'v'], {verbose: true, format: 'v'}],
    [['system', 'prune', '-a', '--filter', 'v1', '--filter', 'v2'], {all: true, filter: ['v1', 'v2']}],
    [['run', '-i', '--name', 'v', 'a0', 'a1', '-x'], {name: 'v', interactive: true, image: 'a0', command: ['a1', '-x']}],
    [['create', '-i', '--name', 'v', 'a0', 'a1', '-x'], {name: 'v', interactive: true, image: 'a0', command: ['a1', '-x']}],
    [['start', '-a', '--detach-keys', 'v', 'a0', 'a1'], {attach: true, detachKeys: 'v', containers: ['a0', 'a1']}],
    [['stop', '-s', 'v', 'a0', 'a1'], {signal: 'v', containers: ['a0', 'a1']}],
    [['restart', 'a0', 'a1'], {containers: ['a0', 'a1']}],
    [['kill', '-s', 'v', 'a0', 'a1'], {signal: 'v', containers: ['a0', 'a1']}],
    [['wait', 'a0', 'a1'], {containers: ['a0', 'a1']}],
    [['attach', '--no-stdin', '--detach-keys', 'v', 'a0'], {noStdin: true, detachKeys: 'v', container: 'a0'}],
    [['logs', '-f', '--since', 'v', 'a0'], {follow: true, since: 'v', container: 'a0'}],
    [['inspect', '-s', '-f', 'v', 'a0', 'a1'], {format: 'v', size: true, names: ['a0', 'a1']}],
    [['rm', '-f', 'a0', 'a1'], {force: true, containers: ['a0', 'a1']}],
    [['ps', '-a', '-f', 'v1', '--filter', 'v2'], {all: true, filter: ['v1', 'v2']}],
    [['container', 'prune', '-f'], {force: true}],
    [['rename', 'a0', 'a1'], {container: 'a0', newName: 'a1'}],
    [['exec', '-i', '-u', 'v', 'a0', 'a1', '-x'], {interactive: true, user: 'v', container: 'a0', command: ['a1', '-x']}],
    [['top', 'a0', 'a1', '-x'], {container: 'a0', psArgs: ['a1', '-x']}],
    [['pause', 'a0', 'a1'], {containers: ['a0', 'a1']}],
    [['unpause', 'a0', 'a1'], {containers: ['a0', 'a1']}],
    [['port', 'a0', 'a1'], {container: 'a0', port: 'a1'}],
    [['cp', 'a0', 'a1'], {src: 'a0', dest: 'a1'}],
    [['generate', 'systemd', 'a0'], {container: 'a0'}],
    [['doctor', '--format', 'v'], {format: 'v'}],
    [['info', '-f', 'v'], {format: 'v'}],
    [['version', '-f', 'v'], {format: 'v'}],
    [['system', 'reset', '-f'], {force: true}],
    [['completion', 'a0'], {shell: 'a0'}],
    [['network', 'create', '--internal', '-d', 'v', 'a0'], {driver: 'v', internal: true, name: 'a0'}],
    [['network', 'ls', '-q', '--format', 'v'], {quiet: true, format: 'v'}],
    [['network', 'inspect', '-f', 'v', 'a0', 'a1'], {format: 'v', names: ['a0', 'a1']}],
    [['network', 'rm', '-f', 'a0', 'a1'], {force: true, names: ['a0', 'a1']}],
    [['network', 'prune', '-f'], {force: true}],
    [['network', 'connect', '--alias', 'v1', '--alias', 'v2', 'a0', 'a1'], {alias: ['v1', 'v2'], network: 'a0', container: 'a1'}],
    [['network', 'disconnect', '-f', 'a0', 'a1'], {force: true, network: 'a0', container: 'a1'}],
    [['healthcheck', 'run', 'a0'], {container: 'a0'}],
    [['volume', 'create', '-d', 'v', 'a0'], {driver: 'v', name: 'a0'}],
    [['volume', 'ls', '-q', '--format', 'v'], {quiet: true, format: 'v'}],
    [['volume', 'inspect', '-f', 'v', 'a0', 'a1'], {format: 'v', names: ['a0', 'a1']}],
    [['volume', 'rm', '-f', 'a0', 'a1'], {force: true, names: ['a0', 'a1']}],
    [['volume', 'prune', '-f', '--filter', 'v1', '--filter', 'v2'], {force: true, filter: ['v1', 'v2']}],
    [['run', '-d', '--name', 'x', '-p', '8080:80', '-e', 'A=1', '-v', '/a:/b', 'img', 'sh', '-c', 'echo --rm'],
      { detach: true, name: 'x', publish: ['8080:80'], env: ['A=1'], volume: ['/a:/b'], image: 'img', command: ['sh', '-c', 'echo --rm'] }],
    [['container', 'run', '-it', '--rm', 'img'], { interactive: true, tty: true, rm: true, image: 'img', command: [], path: ['container', 'run'] }],
    [['container', 'ls', '-aq'], { all: true, quiet: true, path: ['container', 'ls'] }],
    [['exec', 'x', '--', 'ls', '-l'], { container: 'x', command: ['ls', '-l'] }],
    [['top', 'x', '--', '-ef'], { container: 'x', psArgs: ['-ef'] }],
    [['top', 'x'], { container: 'x', psArgs: [] }],
    [['stop', '-t', '5', 'x'], { time: 5, containers: ['x'] }],
    [['stop', '--timeout=-1', 'x'], { time: -1 }],
    [['restart', '--time', '0', 'a'], { time: 0, containers: ['a'] }],
    [['generate', 'systemd', '-t', '3', 'c'], { time: 3, container: 'c' }],
    [['ps', '-n', '2'], { last: 2 }],
    [['ps', '--last=1.5'], { last: 1.5 }],
    [['save', '--format', 'oci-archive', 'a', 'b'], { format: 'oci-archive', images: ['a', 'b'] }],
    [['push', '--format=v2s2', 'img', 'dst'], { format: 'v2s2', image: 'img', destination: 'dst' }],
    [['push', 'img'], { image: 'img', destination: undefined }],
    [['images'], { repository: undefined, all: false }],
    [['build', '--pull=never', '.'], { pullNever: true, contextDir: '.' }],
    [['pull', '--tls-verify=false', 'busybox'], { tlsVerify: false, reference: 'busybox' }],
    [['rm', '-f', '-f=false', 'a'], { force: false, containers: ['a'] }],
  ];
  for (const [words, want] of cases) {
    const cmd = parse(words);
    for (const [key, value] of Object.entries(want)) assert.deepEqual(cmd[key], value, `${words.join(' ')}: ${key}`);
  }
});

test('a wrong number of arguments or a value a validator refuses: docker\'s usage error, naming the verb\'s help', () => {
  const cases: Array<[string[], string, string]> = [
    [['run'], 'tspod run', '"tspod run" requires at least 1 argument.'],
    [['container', 'run'], 'tspod container run', '"tspod container run" requires at least 1 argument.'],
    [['exec'], 'tspod exec', '"tspod exec" requires at least 1 argument.'],
    [['rm'], 'tspod rm', '"tspod rm" requires at least 1 argument.'],
    [['ps', 'extra'], 'tspod ps', '"tspod ps" accepts no arguments.'],
    [['logs', 'a', 'b'], 'tspod logs', '"tspod logs" requires exactly 1 argument.'],
    [['rename', 'a', 'b', 'c'], 'tspod rename', '"tspod rename" requires exactly 2 arguments.'],
    [['push'], 'tspod push', '"tspod push" requires at least 1 argument.'],
    [['push', 'a', 'b', 'c'], 'tspod push', '"tspod push" requires at most 2 arguments.'],
    [['network', 'connect', 'n'], 'tspod network connect', '"tspod network connect" requires exactly 2 arguments.'],
    [['ps', '-n', 'x'], 'tspod ps', 'Invalid value for --last: expected a number (got "x")'],
    [['ps', '--last='], 'tspod ps', 'Invalid value for --last: expected a number (got an empty string)'],
    [['ps', '--last=1e3'], 'tspod ps', 'Invalid value for --last: received a number that can\'t be safely represented by the runtime (1e3)'],
    [['stop', '-t', 'soon', 'x'], 'tspod stop', 'Invalid value for --timeout: expected a number (got "soon")'],
    [['restart', '--time=1.0', 'x'], 'tspod restart', 'Invalid value for --timeout: received a number that can\'t be safely represented by the runtime (1.0)'],
    [['restart', '--time=010', 'x'], 'tspod restart', 'Invalid value for --timeout: expected a number (got "010")'],
    [['save', '--format', 'zip', 'img'], 'tspod save', 'Invalid value for --format: expected one of "docker-archive", "oci-archive", or "docker-dir" (got "zip")'],
    [['push', '--format', 'x', 'img'], 'tspod push', 'Invalid value for --format: expected one of "oci" or "v2s2" (got "x")'],
    // a wrong count is said before a wrong value
    [['stop', '-t', 'soon'], 'tspod stop', '"tspod stop" requires at least 1 argument.'],
  ];
  for (const [words, helpFor, message] of cases) assert.equal(refused(words, helpFor), message, words.join(' '));
});
