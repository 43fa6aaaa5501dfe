/**
 * Flags as docker spells them (pflag's rules), rewritten into the one form
 * src/cli/process.ts makes the command from: `--flag=value`, `--flag` /
 * `--no-flag`, then `--` and the arguments. Every spelling docker takes ends
 * there: `--rm=true`, `-d=false`, `-p8080:80`, `-dp 8080:80`, `-itd`, a
 * value that starts with `-` (`--entrypoint -x`), `--` after the image or
 * container. Unknown flags and missing values fail here with docker's wording.
 */
import { UsageError } from '../errors.ts';
import { matchVerb, groupsOf, type FlagSpec, type VerbSpec } from './spec.ts';

/** A usage error that names the help to read: `See 'tspod run --help'.` */
export class FlagError extends UsageError {
  readonly helpFor: string;
  constructor(message: string, helpFor: string[]) {
    super(message);
    this.helpFor = ['tspod', ...helpFor].join(' ');
  }
}

export interface Globals {
  logLevel?: string;
  root?: string;
  runroot?: string;
  version: boolean;
  help: boolean;
  /** The verb and everything after it. */
  rest: string[];
}

/** The flags tspod takes before the verb, as `tspod --help` lists them: [names, value placeholder, description]. */
export const GLOBAL_FLAGS: Array<[string[], string | undefined, string]> = [
  [['-D', '--debug'], undefined, 'Enable debug output (same as --log-level debug)'],
  [['--log-level'], 'string', 'Log level: debug, info, warn, error'],
  [['--root'], 'string', 'Storage root (default $XDG_DATA_HOME/tspod)'],
  [['--runroot'], 'string', 'Runtime state directory (default $XDG_RUNTIME_DIR/tspod)'],
  [['-v', '--version'], undefined, 'Print version information and quit'],
  [['-h', '--help'], undefined, 'Print usage'],
];

/** Splits the global flags (before the verb) from the rest. */
export function parseGlobals(argv: string[]): Globals {
  const g: Globals = { version: false, help: false, rest: [] };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { i++; break; }
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = GLOBAL_FLAGS.find(([names]) => names.includes(name));
    if (!spec) {
      throw new FlagError(arg.startsWith('--') ? `unknown flag: ${name}` : `unknown shorthand flag: '${arg[1]}' in ${arg}`, []);
    }
    if (spec[1]) {
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < argv.length) value = argv[++i];
      else throw new FlagError(`flag needs an argument: ${arg}`, []);
      if (name === '--log-level') g.logLevel = value;
      else if (name === '--root') g.root = value;
      else g.runroot = value;
    } else if (eq > 0 && name.startsWith('--')) {
      throw new FlagError(`bad flag syntax: ${arg}`, []);
    } else if (name === '-D' || name === '--debug') g.logLevel = 'debug';
    else if (name === '-v' || name === '--version') g.version = true;
    else g.help = true;
  }
  g.rest = argv.slice(i);
  return g;
}

export type Parsed =
  /** Help for a verb, a group (`['network']`) or the whole tool (`[]`). */
  | { kind: 'help'; path: string[] }
  /** argv in the one form processCanonical() reads; path is the verb as typed. */
  | { kind: 'command'; path: string[]; spec: VerbSpec; argv: string[]; args: string[] };

/** pflag's strconv.ParseBool. */
function parseBool(value: string, f: FlagSpec, path: string[]): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new FlagError(`invalid argument "${value}" for "${flagTitle(f)}" flag: strconv.ParseBool: parsing "${value}": invalid syntax`, path);
}

/** How pflag names a flag in errors: `-d, --detach`. */
function flagTitle(f: FlagSpec): string {
  const short = f.names.find((n) => !n.startsWith('--'));
  const long = f.names.find((n) => n.startsWith('--'));
  return [short, long].filter(Boolean).join(', ');
}

/** The spelling handed to the parser: any name works, the longest reads best in debug logs (and names the flag in a validator's error). */
function canonical(f: FlagSpec): string {
  return f.names.reduce((a, b) => (b.length > a.length ? b : a), '');
}

/** `--no-x`: false for a boolean, if it has a long name to negate. */
function negated(f: FlagSpec): string | undefined {
  const long = f.names.find((n) => n.startsWith('--') && !n.startsWith('--no-'));
  return long && `--no-${long.slice(2)}`;
}

/**
 * Parses the words after the global flags. Throws FlagError for an unknown
 * verb or flag, a missing value, or a boolean that is not true or false.
 */
export function normalize(words: string[], specs: VerbSpec[]): Parsed {
  if (words.length === 0) return { kind: 'help', path: [] };
  if (words[0] === 'help') {
    const target = words.slice(1);
    if (!target.length) return { kind: 'help', path: [] };
    const hit = matchVerb(specs, target);
    if (hit) return { kind: 'help', path: hit.path };
    if (groupsOf(specs).has(target[0])) return { kind: 'help', path: [target[0]] };
    throw new FlagError(`unknown help topic "${target.join(' ')}"`, []);
  }
  const hit = matchVerb(specs, words);
  const groups = groupsOf(specs);
  if (!hit) {
    if (groups.has(words[0])) {
      const next = words[1];
      if (next === undefined || next === '--help' || next === '-h') return { kind: 'help', path: [words[0]] };
      throw new FlagError(`unknown command "${next}" for "tspod ${words[0]}"`, [words[0]]);
    }
    throw new FlagError(`unknown command "${words[0]}" for "tspod"`, []);
  }
  const { spec, path } = hit;
  const byName = new Map(spec.flags.flatMap((f) => f.names.map((n) => [n, f] as const)));
  const commandAfter = spec.meta.commandAfter === true;
  const flags: string[] = [];
  const booleans = new Map<FlagSpec, boolean>();
  const args: string[] = [];
  const rest = words.slice(path.length);

  const setValue = (f: FlagSpec, value: string) => {
    flags.push(`${canonical(f)}=${value}`);
  };

  let i = 0;
  let flagsEnded = false;
  while (i < rest.length) {
    const arg = rest[i++];
    if (flagsEnded || arg === '-' || !arg.startsWith('-')) {
      args.push(arg);
      if (commandAfter) {
        // Everything after the image or container is the container's command; a `--` right after it only separates.
        if (rest[i] === '--') i++;
        args.push(...rest.slice(i));
        break;
      }
      continue;
    }
    if (arg === '--') { flagsEnded = true; continue; }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      if (name === '--' || name.startsWith('---') || eq === 2) throw new FlagError(`bad flag syntax: ${arg}`, path);
      let f = byName.get(name);
      let negate = false;
      if (!f && name.startsWith('--no-')) {
        const positive = byName.get(`--${name.slice(5)}`);
        if (positive && positive.arity === 0) { f = positive; negate = true; }
      }
      if (!f) {
        if (name === '--help') return { kind: 'help', path };
        throw new FlagError(`unknown flag: ${name}`, path);
      }
      // A policy given to a boolean (`build --pull=never`, podman's spelling) selects its variant flag (`--pull-never`).
      const variant = f.arity === 0 && eq > 0 ? byName.get(`${name}-${arg.slice(eq + 1)}`) : undefined;
      if (variant && variant.arity === 0) {
        booleans.delete(f);
        booleans.set(variant, true);
        continue;
      }
      if (f.arity === 0) {
        const value = eq > 0 ? parseBool(arg.slice(eq + 1), f, path) : true;
        booleans.delete(f);
        booleans.set(f, negate ? !value : value);
      } else if (eq > 0) {
        setValue(f, arg.slice(eq + 1));
      } else if (i < rest.length) {
        setValue(f, rest[i++]);
      } else {
        throw new FlagError(`flag needs an argument: ${arg}`, path);
      }
      continue;
    }
    // A cluster of short flags: booleans, optionally ending in one that takes the rest of the word or the next word.
    let shorts = arg.slice(1);
    while (shorts.length) {
      const c = shorts[0];
      const f = byName.get(`-${c}`);
      if (!f) {
        if (c === 'h') return { kind: 'help', path };
        throw new FlagError(`unknown shorthand flag: '${c}' in ${arg}`, path);
      }
      if (shorts.length > 2 && shorts[1] === '=') {
        const value = shorts.slice(2);
        if (f.arity === 0) { booleans.delete(f); booleans.set(f, parseBool(value, f, path)); } else setValue(f, value);
        shorts = '';
      } else if (f.arity === 0) {
        booleans.delete(f);
        booleans.set(f, true);
        shorts = shorts.slice(1);
      } else if (shorts.length > 1) {
        setValue(f, shorts.slice(1));
        shorts = '';
      } else if (i < rest.length) {
        setValue(f, rest[i++]);
        shorts = '';
      } else {
        throw new FlagError(`flag needs an argument: '${c}' in ${arg}`, path);
      }
    }
  }
  for (const [f, value] of booleans) {
    if (value) flags.push(canonical(f));
    else {
      const no = negated(f);
      if (no) flags.push(no);
    }
  }
  return { kind: 'command', path, spec, args, argv: [...path, ...flags, ...(args.length ? ['--', ...args] : [])] };
}
