/**
 * Entry point. Internal entries (`__unpack`, `__cp`) run inside namespaces
 * and never load the CLI; everything else has its flags read as docker reads
 * them (src/cli/argv.ts), help rendered as docker's, and then the verb's
 * command is made (src/cli/process.ts) and run. Usage errors exit 125 on
 * stderr as docker's do.
 */
import { describeError, exitCodeOf, EXIT_TSPOD_FAILED } from './errors.ts';
import { debugEnabled, enableDebug } from './log.ts';
import type { TspodContext } from './commands/base.ts';
import { FlagError, parseGlobals, normalize, type Globals, type Parsed } from './cli/argv.ts';
import type { CommandClass } from './cli/options.ts';
import { processCanonical } from './cli/process.ts';

async function internal(entry: string, args: string[]): Promise<void> {
  if (entry === '__health' || entry === '__cleanup') {
    // Run by a container's native monitor (src/runtime/monitor-hooks.ts).
    const { healthHook, cleanupHook } = await import('./runtime/monitor-hooks.ts');
    await (entry === '__health' ? healthHook : cleanupHook)(args[0], args[1], args[2]);
  }
  if (entry === '__cp') {
    // Reports on fd 3 itself; everything it needs is loaded before it chroots.
    const { copierMain } = await import('./runtime/copier.ts');
    await copierMain(JSON.parse(args[0]));
  }
  if (entry === '__pack') {
    // A tar of args[1..] on stdout (src/layer/pack.ts); a failure as one JSON line on stderr.
    const { packTree } = await import('./layer/pack.ts');
    try {
      await packTree(args[0] as 'layer' | 'union', args.slice(1), process.stdout);
    } catch (err) {
      const code = (err as { code?: string }).code?.startsWith('ERR_TSPOD') ? (err as { code: string }).code : 'ERR_TSPOD_LAYER';
      process.stderr.write(JSON.stringify({ error: { code, message: describeError(err) } }) + '\n');
      process.exitCode = 1;
    }
  }
  if (entry === '__unpack') {
    // args: source (a blob file, or - for stdin), dest, chown|nochown, [tar-split file]; reports one JSON line on stdout.
    const { unpackMain } = await import('./layer/unpack.ts');
    await unpackMain(args);
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

/** A usage error as docker prints it: the message, then where to read more. */
function usageFailure(err: unknown): number {
  const help = err instanceof FlagError ? err.helpFor : 'tspod';
  process.stderr.write(`Error: ${describeError(err)}\nSee '${help} --help'.\n`);
  return EXIT_TSPOD_FAILED;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0]?.startsWith('__') && argv[0] !== '__complete') {
    if (debugEnabled()) enableDebug(); // handed over by the parent tspod
    await internal(argv[0], argv.slice(1));
    return process.exitCode as number ?? 0;
  }
  quietOnClosedOutput();
  let g: Globals;
  try {
    g = parseGlobals(argv);
  } catch (err) {
    return usageFailure(err);
  }
  // The global options travel as values into every command (its context) and from there into the store.
  const globals = { root: g.root, runroot: g.runroot };
  if (g.logLevel === 'debug' || g.logLevel === 'trace') enableDebug();
  const { VERSION } = await import('./version.ts');
  if (g.version) {
    process.stdout.write(`tspod version ${VERSION}\n`);
    return 0;
  }
  const { commandsFor } = await import('./commands/index.ts');
  const { specsOf } = await import('./cli/spec.ts');
  if (g.rest[0] === '__complete') {
    const { completeWords } = await import('./cli/complete.ts');
    const { storeNames } = await import('./cli/names.ts');
    process.stdout.write(completeWords(g.rest.slice(1), specsOf(await commandsFor(undefined)), (kind) => storeNames(kind, globals)));
    return 0;
  }
  // Loading only the verbs the first word can select keeps start-up short; help on the whole tool needs them all.
  const first = g.help ? undefined : g.rest[0] === 'help' ? g.rest[1] : g.rest[0];
  const classes = await commandsFor(first);
  const specs = specsOf(classes);
  let parsed: Parsed;
  try {
    parsed = g.help ? { kind: 'help', path: [] } : normalize(g.rest, specs);
  } catch (err) {
    return usageFailure(err);
  }
  if (parsed.kind === 'help') {
    const { renderHelp } = await import('./cli/help.ts');
    process.stdout.write(renderHelp(parsed.path, specs));
    return 0;
  }
  let command;
  try {
    const cls = parsed.spec.cls as CommandClass<TspodContext>; // every verb is a TspodCommand
    command = processCanonical(cls, parsed.path, parsed.argv, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, globals });
  } catch (err) {
    return usageFailure(err);
  }
  return (await command.execute()) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => {
    process.stderr.write(`Error: ${describeError(err)}\n`);
    process.exitCode = exitCodeOf(err);
  },
);
