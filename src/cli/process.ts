/**
 * clipanion's `Cli.process` for the one form normalize() hands it —
 * `PATH... --flag=value --bool --no-bool -- ARGS...` — without building
 * clipanion's state machine. That machine grows with the square of a verb's
 * flags: for `run` (~100 flags) it took ~45 ms of every start, more than
 * the whole of `run --rm`'s own work in the CLI. What it would compute for
 * this form is simple: the options in order, the arguments split into
 * required and extra ones; the command's own option transformers (defaults,
 * validators, env) then fill its fields exactly as clipanion does.
 *
 * Anything else — a verb with trailing arguments, a proxy without a required
 * argument before it, or a required
 * option, a flag clipanion would not take in this spelling, a number of
 * arguments clipanion would refuse — returns undefined, and main calls
 * `cli.process`, whose answers (and errors) stay the reference: the unit
 * test compares the two over every verb.
 */
import type { BaseContext, Cli, Command, CommandClass } from 'clipanion';

/** What this reads of clipanion 3's registration of a class (not part of its typed API). */
interface Registration {
  specs: Map<string, { transformer(builder: unknown, key: string, state: ParseState, context: BaseContext): unknown }>;
  builder: {
    arity: { leading: string[]; extra: string[] | symbol; trailing: string[]; proxy: boolean };
    options: Array<{ names: string[]; arity: number; required: boolean; allowBinding: boolean }>;
  };
}

/** clipanion's parse state, as its transformers read it. */
interface ParseState {
  path: string[];
  options: Array<{ name: string; value: unknown }>;
  positionals: Array<{ value: string; extra: boolean | symbol }>;
}

/** clipanion's OPTION_REGEX: the option names its parser takes at all. */
const OPTION_NAME = /^(--[a-z]+(?:-[a-z]+)*|-[a-zA-Z]+)$/;

/**
 * The command `cli.process(argv)` would return for `cls`, or undefined when
 * this cannot be sure of that (then call `cli.process`). A value a
 * validator refuses throws as it does from clipanion.
 */
export function processCanonical<C extends BaseContext>(cli: Cli<C>, cls: CommandClass<C>, path: string[], argv: string[], userContext: Partial<C>): Command<C> | undefined {
  const reg = (cli as unknown as { registrations?: Map<unknown, Registration> }).registrations?.get(cls);
  const arity = reg?.builder?.arity;
  const options = reg?.builder?.options;
  if (!reg || !arity || !Array.isArray(options) || !(reg.specs instanceof Map)) return undefined;
  // A proxy after at least one required argument takes the rest as extra arguments, as a rest list does.
  if ((arity.proxy && !arity.leading.length) || arity.trailing.length || options.some((o) => o.required || o.arity > 1)) return undefined;
  if (!path.every((w, i) => argv[i] === w)) return undefined;

  const byName = new Map(options.flatMap((o) => o.names.map((n) => [n, o] as const)));
  if (byName.size !== options.reduce((n, o) => n + o.names.length, 0)) return undefined; // a name twice: clipanion would weigh both
  const state: ParseState = { path: [...path], options: [], positionals: [] };
  let i = path.length;
  for (; i < argv.length && argv[i] !== '--'; i++) {
    const word = argv[i];
    const eq = word.indexOf('=');
    if (eq > 0) {
      const name = word.slice(0, eq);
      const o = byName.get(name);
      if (o?.arity !== 1 || !o.allowBinding || !OPTION_NAME.test(name)) return undefined;
      state.options.push({ name, value: word.slice(eq + 1) });
      continue;
    }
    const o = byName.get(word);
    const positive = word.startsWith('--no-') ? byName.get(`--${word.slice(5)}`) : undefined;
    if (o && positive) return undefined; // both `--x` and `--no-x` exist: clipanion would weigh both
    if (o?.arity === 0 && OPTION_NAME.test(word)) {
      state.options.push({ name: word, value: true });
      continue;
    }
    if (positive?.arity === 0) {
      state.options.push({ name: `--${word.slice(5)}`, value: false });
      continue;
    }
    return undefined; // a value-taking flag without `=`, a cluster, a bare argument: not normalize()'s form
  }
  const args = argv.slice(i + 1);
  const lead = arity.leading.length;
  if (args.length < lead || (Array.isArray(arity.extra) && args.length > lead + arity.extra.length)) return undefined;
  const extra = Array.isArray(arity.extra) ? true : arity.extra; // clipanion's NoLimits symbol
  state.positionals = args.map((value, n) => ({ value, extra: n < lead ? false : extra }));

  const context = { ...(cli.constructor as typeof Cli).defaultContext, ...userContext } as unknown as C;
  const command = new cls();
  command.context = context;
  command.path = state.path;
  for (const [key, { transformer }] of reg.specs) (command as unknown as Record<string, unknown>)[key] = transformer(reg.builder, key, state, context);
  return command;
}
