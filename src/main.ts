/**
 * Entry point. Internal entries (`__init`, `__unpack`) run inside namespaces
 * and never load the CLI; everything else goes through clipanion, whose
 * usage errors exit 125 on stderr as docker's do.
 */
import { describeError, exitCodeOf, EXIT_TSPOD_FAILED } from './errors.ts';
import { enableDebug } from './log.ts';

const GLOBAL_VALUE_FLAGS = new Set(['--log-level', '--root', '--runroot']);

/** Splits global flags (before the verb) from the rest. */
function globals(argv: string[]): { rest: string[]; logLevel?: string; version: boolean } {
  let i = 0;
  let logLevel: string | undefined;
  let version = false;
  while (i < argv.length && argv[i].startsWith('-')) {
    const [flag, inline] = argv[i].split('=', 2);
    if (GLOBAL_VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (flag === '--log-level') logLevel = value;
      else if (flag === '--root') process.env.TSPOD_ROOT = value;
      else process.env.TSPOD_RUNROOT = value;
    } else if (flag === '-D' || flag === '--debug') logLevel = 'debug';
    else if (flag === '-v' || flag === '--version') version = true;
    else break;
    i++;
  }
  return { rest: argv.slice(i), logLevel, version };
}

async function internal(entry: string, args: string[]): Promise<void> {
  if (entry === '__init') {
    const { initMain } = await import('./runtime/init.ts');
    initMain(args[0], args[1]);
  }
  if (entry === '__monitor') {
    // Used when the monitor bundle is not beside this one (e.g. packaged as one file).
    const { monitorMain } = await import('./monitor/monitor.ts');
    await monitorMain(args[0], args[1], args[2]);
  }
  if (entry === '__cp') {
    const { runCopyJob } = await import('./runtime/cp.ts');
    try {
      runCopyJob(JSON.parse(args[0]));
    } catch (err) {
      process.stderr.write(`${describeError(err)}\n`);
      process.exitCode = 1;
    }
  }
  if (entry === '__unpack') {
    const { unpackLayer } = await import('./layer/unpack.ts');
    try {
      const ok = await unpackLayer(args[0], args[1], { chown: args[2] === 'chown' });
      process.stdout.write(JSON.stringify({ ok }) + '\n');
    } catch (err) {
      const code = (err as { code?: string }).code?.startsWith('ERR_TSPOD') ? (err as { code: string }).code : 'ERR_TSPOD_LAYER';
      process.stdout.write(JSON.stringify({ error: { code, message: describeError(err) } }) + '\n');
      process.exitCode = 1;
    }
  }
}

/** A reader that went away (`tspod logs | head`) ends the command quietly, as for any Unix tool. */
function quietOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
}

async function main(argv: string[]): Promise<number> {
  if (argv[0]?.startsWith('__')) {
    if (process.env.TSPOD_DEBUG) enableDebug();
    await internal(argv[0], argv.slice(1));
    return process.exitCode as number ?? 0;
  }
  quietOnClosedOutput();
  const g = globals(argv);
  if (g.logLevel === 'debug' || g.logLevel === 'trace') {
    enableDebug();
    process.env.TSPOD_DEBUG = '1';
  }
  const { VERSION } = await import('./version.ts');
  if (g.version) {
    process.stdout.write(`tspod version ${VERSION}\n`);
    return 0;
  }
  const { Cli, Builtins } = await import('clipanion');
  const { commandsFor } = await import('./commands/index.ts');
  const colors = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
  const cli = new Cli({ binaryName: 'tspod', binaryLabel: 'tspod', binaryVersion: VERSION, enableColors: colors });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  // clipanion compiles every registered verb on each run: register only those the first word can select.
  const first = g.rest[0];
  for (const c of await commandsFor(first)) cli.register(c);
  let command;
  try {
    command = cli.process(g.rest.length ? g.rest : ['--help']);
  } catch (err) {
    const first = describeError(err).split('\n').find((l) => l.trim()) ?? 'invalid usage';
    const verb = g.rest.find((a) => !a.startsWith('-'));
    const msg = first.startsWith('Command not found') ? `unknown command "${verb}" for "tspod"` : first.replace(/^Usage Error: /, '');
    process.stderr.write(`Error: ${msg}\nSee 'tspod --help'.\n`);
    return EXIT_TSPOD_FAILED;
  }
  return cli.run(command, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`Error: ${describeError(err)}\n`);
    process.exitCode = exitCodeOf(err);
  },
);
