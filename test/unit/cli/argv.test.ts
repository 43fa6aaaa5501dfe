import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandsFor } from '../../../src/commands/index.ts';
import { specsOf } from '../../../src/cli/spec.ts';
import { normalize, parseGlobals, type FlagError, type Parsed } from '../../../src/cli/argv.ts';
import { processCanonical } from '../../../src/cli/process.ts';
import type { BaseContext } from '../../../src/cli/options.ts';

const specs = specsOf(await commandsFor(undefined));

function argvOf(words: string[]): string[] {
  const p = normalize(words, specs);
  assert.equal(p.kind, 'command');
  return (p as Extract<Parsed, { kind: 'command' }>).argv;
}

/** The command instance made from the normalized words. */
function parse(words: string[]): Record<string, unknown> {
  const p = normalize(words, specs) as Extract<Parsed, { kind: 'command' }>;
  return processCanonical(p.spec.cls, p.path, p.argv, {} as BaseContext) as unknown as Record<string, unknown>;
}

function fails(words: string[], message: string, helpFor: string): void {
  assert.throws(() => normalize(words, specs), (err: FlagError) => {
    assert.equal(err.code, 'ERR_TSPOD_USAGE');
    assert.equal(err.message, message);
    assert.equal(err.helpFor, helpFor);
    return true;
  });
}

test('booleans take --flag, --flag=true|false, --no-flag, and the last one wins', () => {
  assert.equal(parse(['pull', '--tls-verify=false', 'x']).tlsVerify, false);
  assert.equal(parse(['pull', '--tls-verify=true', 'x']).tlsVerify, true);
  assert.equal(parse(['pull', '--no-tls-verify', 'x']).tlsVerify, false);
  assert.equal(parse(['run', '--rm=true', 'img']).rm, true);
  assert.equal(parse(['run', '--rm=1', 'img']).rm, true);
  assert.equal(parse(['run', '--detach=false', 'img']).detach, false);
  assert.equal(parse(['run', '-d', '--detach=False', 'img']).detach, false);
  assert.equal(parse(['run', '-d=false', 'img']).detach, false);
  assert.equal(parse(['run', '--no-rm', '--rm', 'img']).rm, true);
  // a boolean never takes the next word: here `true` is the image
  assert.equal(parse(['run', '--rm', 'true']).image, 'true');
  // a flag whose own name starts with no- is not negated
  assert.equal(parse(['ps', '--no-trunc']).noTrunc, true);
  assert.equal(parse(['ps', '--no-trunc', '--no-trunc=false']).noTrunc, false);
});

test('short flags cluster as in docker, the last one may take a value', () => {
  const itd = parse(['run', '-itd', 'img']);
  assert.deepEqual([itd.interactive, itd.tty, itd.detach, itd.image], [true, true, true, 'img']);
  const dp = parse(['run', '-dp', '8080:80', 'img']);
  assert.deepEqual([dp.detach, dp.publish, dp.image], [true, ['8080:80'], 'img']);
  const dv = parse(['run', '-dv', 'vol:/dir', 'img', 'sh']);
  assert.deepEqual([dv.detach, dv.volume, dv.image, dv.command], [true, ['vol:/dir'], 'img', ['sh']]);
  assert.deepEqual(parse(['run', '-p8080:80', 'img']).publish, ['8080:80']);
  assert.deepEqual(parse(['run', '-dp8080:80', 'img']).publish, ['8080:80']);
  assert.deepEqual(parse(['run', '-e=A=1', '-eB=2', '-e', 'C=3', 'img']).env, ['A=1', 'B=2', 'C=3']);
  assert.deepEqual(parse(['run', '-it=false', 'img']).tty, false);
  assert.equal(parse(['run', '-h', 'box', 'img']).hostname, 'box', '-h is --hostname on run, as in docker');
});

test('values may start with a dash or be empty', () => {
  assert.equal(parse(['run', '--entrypoint', '-x', 'img']).entrypoint, '-x');
  assert.equal(parse(['run', '--entrypoint=', 'img']).entrypoint, '');
  assert.equal(parse(['run', '--name', '--rm', 'img']).name, '--rm');
  assert.equal(parse(['ps', '-n', '-1']).last, -1);
  assert.equal(parse(['ps', '--format', '{{.Names}}\t{{.ID}}']).format, '{{.Names}}\t{{.ID}}');
});

test('everything after the image or container is the container\'s command', () => {
  assert.deepEqual(parse(['run', 'busybox', 'echo', '--env-file', '/x']).command, ['echo', '--env-file', '/x']);
  assert.deepEqual(parse(['run', '--rm', 'busybox', 'sh', '-c', 'echo $0', '-d']).command, ['sh', '-c', 'echo $0', '-d']);
  const dash = parse(['run', '--rm', 'busybox', '--', 'cmd', '--flag']);
  assert.deepEqual([dash.image, dash.command], ['busybox', ['cmd', '--flag']]);
  const lead = parse(['run', '--', 'busybox', 'ls', '--', 'x']);
  assert.deepEqual([lead.image, lead.command], ['busybox', ['ls', '--', 'x']]);
  const ex = parse(['exec', '-it', 'c', '--', 'ls', '-l']);
  assert.deepEqual([ex.interactive, ex.tty, ex.container, ex.command], [true, true, 'c', ['ls', '-l']]);
  assert.deepEqual(parse(['exec', 'c', 'ls', '--help']).command, ['ls', '--help']);
  assert.deepEqual(parse(['top', 'c', '-o', 'pid']).psArgs, ['-o', 'pid']);
});

test('other verbs take flags anywhere; -- ends them', () => {
  const rm = parse(['rm', 'a', '-f', 'b']);
  assert.deepEqual([rm.force, rm.containers], [true, ['a', 'b']]);
  assert.deepEqual(parse(['rm', '--', '-odd']).containers, ['-odd']);
  assert.equal(parse(['cp', '-', 'c:/tmp']).src, '-');
  assert.deepEqual(argvOf(['container', 'ls', '-aq']).slice(0, 2), ['container', 'ls']);
});

test('help: --help, -h where it is not a flag, help VERB, groups', () => {
  assert.deepEqual(normalize(['run', '--help'], specs), { kind: 'help', path: ['run'] });
  assert.deepEqual(normalize(['ps', '-h'], specs), { kind: 'help', path: ['ps'] });
  assert.deepEqual(normalize(['container', 'run', '-d', '--help'], specs), { kind: 'help', path: ['container', 'run'] });
  assert.deepEqual(normalize(['help', 'network', 'create'], specs), { kind: 'help', path: ['network', 'create'] });
  assert.deepEqual(normalize(['help'], specs), { kind: 'help', path: [] });
  assert.deepEqual(normalize(['network'], specs), { kind: 'help', path: ['network'] });
  assert.deepEqual(normalize(['network', '--help'], specs), { kind: 'help', path: ['network'] });
  assert.deepEqual(normalize([], specs), { kind: 'help', path: [] });
  assert.equal(normalize(['run', 'img', '--help'], specs).kind, 'command', 'after the image, --help is the container\'s');
});

test('errors name the flag as docker does', () => {
  fails(['run', '--name=x', '-d', '--nosuch', 'img'], 'unknown flag: --nosuch', 'tspod run');
  fails(['run', '--nosuch=1', 'img'], 'unknown flag: --nosuch', 'tspod run');
  fails(['run', '-dz', 'img'], "unknown shorthand flag: 'z' in -dz", 'tspod run');
  fails(['run', '--name'], 'flag needs an argument: --name', 'tspod run');
  fails(['run', '-dp'], "flag needs an argument: 'p' in -dp", 'tspod run');
  fails(['run', '--rm=maybe', 'img'], 'invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax', 'tspod run');
  fails(['run', '-d=yes', 'img'], 'invalid argument "yes" for "-d, --detach" flag: strconv.ParseBool: parsing "yes": invalid syntax', 'tspod run');
  fails(['network', 'create', '--bogus', 'n'], 'unknown flag: --bogus', 'tspod network create');
  fails(['nosuch'], 'unknown command "nosuch" for "tspod"', 'tspod');
  fails(['network', 'nosuch'], 'unknown command "nosuch" for "tspod network"', 'tspod network');
  fails(['--no-detach'], 'unknown command "--no-detach" for "tspod"', 'tspod');
});

test('argument counts in docker\'s words', () => {
  const count = (words: string[]) => {
    const p = normalize(words, specs) as Extract<Parsed, { kind: 'command' }>;
    let err: FlagError | undefined;
    try { processCanonical(p.spec.cls, p.path, p.argv, {} as BaseContext); } catch (e) { err = e as FlagError; }
    assert.ok(err, `${words.join(' ')} should fail`);
    assert.equal(err.code, 'ERR_TSPOD_USAGE');
    assert.equal(err.helpFor, `tspod ${p.path.join(' ')}`);
    return err.message;
  };
  assert.equal(count(['run']), '"tspod run" requires at least 1 argument.');
  assert.equal(count(['rename', 'a']), '"tspod rename" requires exactly 2 arguments.');
  assert.equal(count(['ps', 'x']), '"tspod ps" accepts no arguments.');
  assert.match(count(['ps', '-n', 'abc']), /--last/);
});

test('global flags before the verb', () => {
  assert.deepEqual(parseGlobals(['--root', '/r', '--runroot=/rr', '--log-level', 'debug', 'ps', '-a']),
    { version: false, help: false, root: '/r', runroot: '/rr', logLevel: 'debug', rest: ['ps', '-a'] });
  assert.equal(parseGlobals(['-D', 'ps']).logLevel, 'debug');
  assert.equal(parseGlobals(['--version']).version, true);
  assert.equal(parseGlobals(['--help']).help, true);
  assert.deepEqual(parseGlobals(['run', '--root', 'x']).rest, ['run', '--root', 'x'], 'flags after the verb are the verb\'s');
  assert.throws(() => parseGlobals(['--nosuch', 'ps']), (e: FlagError) => e.message === 'unknown flag: --nosuch' && e.helpFor === 'tspod');
  assert.throws(() => parseGlobals(['--root']), (e: FlagError) => e.message === 'flag needs an argument: --root');
});

test('a policy value on a boolean selects its variant flag: build --pull=never', async () => {
  const specs = specsOf(await commandsFor('build'));
  for (const [word, flag] of [['--pull=never', '--pull-never'], ['--pull=always', '--pull-always'], ['--pull=missing', '--pull-missing'], ['--pull=true', '--pull']]) {
    const p = normalize(['build', word, '.'], specs);
    assert.ok(p.kind === 'command' && p.argv.includes(flag), `${word}: ${p.kind === 'command' ? p.argv.join(' ') : p.kind}`);
  }
});
