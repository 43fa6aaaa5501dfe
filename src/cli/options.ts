/**
 * How a verb is declared: a class with `static paths`, `static usage`, its
 * flags and arguments as fields made by `Option.*`, and `execute()` — the
 * shape of clipanion 3's API, which tspod used before, reduced to what
 * tspod's verbs use. A field holds its declaration until the parser
 * (src/cli/process.ts) replaces it with the value; `definitionOf` reads the
 * declarations of a class by making one instance of it.
 */
import type { Readable, Writable } from 'node:stream';

/** The streams a command talks to. */
export interface BaseContext {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** A verb's documentation: `tspod VERB --help` shows it. */
export interface Usage {
  category?: string;
  description?: string;
  details?: string;
  /** [what it does, the command line with `$0` for tspod]. */
  examples?: Array<[string, string]>;
}

export abstract class Command<C extends BaseContext = BaseContext> {
  static paths?: string[][];
  static usage?: Usage;
  /** The usage as given (`static usage = Command.Usage({...})` reads as the verb's documentation). */
  static Usage(usage: Usage): Usage {
    return usage;
  }
  /** Set by the parser before execute(). */
  declare context: C;
  /** The verb's path as typed (`['container', 'ls']`). */
  declare path: string[];
  /** The verb's work; resolves to the exit status. */
  abstract execute(): Promise<number | void>;
}

export type CommandClass<C extends BaseContext = BaseContext> = (new () => Command<C>) & { paths?: string[][]; usage?: Usage };

/** Thrown by a validator: the message says what was expected and what came. */
export class ValidationError extends Error {}

/** Checks a flag's string value and returns it converted; throws ValidationError. */
export type Validator<T> = (value: string) => T;

/** How a JSON value reads in a validation message (typanion's wording, which tspod's messages kept). */
const printable = (value: string) => (value === '' ? 'an empty string' : JSON.stringify(value));

/** A number written as JSON writes it (`10`, `-1`, `1.5`; not `1e3`, `010`). */
export function isNumber(): Validator<number> {
  return (value) => {
    let n: unknown;
    try {
      n = JSON.parse(value);
    } catch {}
    if (typeof n !== 'number') throw new ValidationError(`expected a number (got ${printable(value)})`);
    if (JSON.stringify(n) !== value) throw new ValidationError(`received a number that can't be safely represented by the runtime (${value})`);
    return n;
  };
}

/** One of `values`. */
export function isEnum<const T extends string>(values: readonly T[]): Validator<T> {
  const list = values.length > 2 ? `${values.slice(0, -1).map(printable).join(', ')}, or ${printable(values.at(-1)!)}` : values.map(printable).join(' or ');
  return (value) => {
    if (!(values as readonly string[]).includes(value)) throw new ValidationError(`expected one of ${list} (got ${printable(value)})`);
    return value as T;
  };
}

const DECLARATION = Symbol('tspod option');

interface FlagDeclaration {
  [DECLARATION]: 'flag';
  names: string[];
  /** 0 for a boolean, 1 for a flag that takes a value. */
  arity: 0 | 1;
  repeats: boolean;
  initial: unknown;
  description: string;
  validator?: Validator<unknown>;
}

interface ArgDeclaration {
  [DECLARATION]: 'arg';
  /** `one`: a single argument (required or not); `rest`: a list; `proxy`: everything after the arguments before it. */
  kind: 'one' | 'rest' | 'proxy';
  /** For `one`, 1 or 0; for `rest`, how many at least. */
  required: number;
}

interface FlagOptions<T> {
  description?: string;
  validator?: Validator<T>;
}

function flag(names: string, arity: 0 | 1, repeats: boolean, initial: unknown, opts: FlagOptions<unknown>): never {
  const d: FlagDeclaration = { [DECLARATION]: 'flag', names: names.split(','), arity, repeats, initial, description: opts.description ?? '', validator: opts.validator };
  return d as never; // the field's type is its value's: the parser replaces the declaration before anyone reads it
}

function arg(kind: ArgDeclaration['kind'], required: number): never {
  const d: ArgDeclaration = { [DECLARATION]: 'arg', kind, required };
  return d as never;
}

function StringOption(opts?: { required?: true }): string;
function StringOption(opts: { required: false }): string | undefined;
function StringOption<T = string>(names: string, initial: string, opts?: FlagOptions<T>): T;
function StringOption<T = string>(names: string, opts?: FlagOptions<T>): T | undefined;
function StringOption(a?: string | { required?: boolean }, b?: string | FlagOptions<unknown>, c?: FlagOptions<unknown>): unknown {
  if (typeof a !== 'string') return arg('one', a?.required === false ? 0 : 1);
  return typeof b === 'string' ? flag(a, 1, false, b, c ?? {}) : flag(a, 1, false, undefined, b ?? {});
}

/** The declarations a verb's fields are made with. */
export const Option = {
  /** `String(names, [default], {description, validator})`: a flag with a value; `String()` / `String({required: false})`: one argument. */
  String: StringOption,
  Boolean: (names: string, initial: boolean, opts: { description?: string } = {}): boolean => flag(names, 0, false, initial, opts),
  /** A flag that may be given several times; its values in order. */
  Array: (names: string, initial: string[], opts: { description?: string } = {}): string[] => flag(names, 1, true, initial, opts),
  /** The remaining arguments, at least `required` of them. */
  Rest: (opts: { required?: number } = {}): string[] => arg('rest', opts.required ?? 0),
  /** Every word after the arguments before it, flags included (the container's command). */
  Proxy: (): string[] => arg('proxy', 0),
};

/** A flag as declared, with the field it fills; `initial` is the value without the flag (a string default already through the validator). */
export interface FlagDefinition extends Omit<FlagDeclaration, typeof DECLARATION> {
  /** The field it fills. */
  key: string;
}

export interface Definition {
  flags: FlagDefinition[];
  /** The argument fields in order. */
  args: Array<{ key: string; kind: ArgDeclaration['kind']; required: number }>;
  /** Arguments needed, optional ones after them, and whether any number more may follow. */
  needed: number;
  optional: number;
  unlimited: boolean;
  /** The arguments as a usage line writes them: `<image> ...`, `<container> [reference]`. */
  synopsis: string;
}

const definitions = new WeakMap<CommandClass<never>, Definition>();

/** What a verb's class declares, read from one instance of it. */
export function definitionOf<C extends BaseContext>(cls: CommandClass<C>): Definition {
  const known = definitions.get(cls as CommandClass<never>);
  if (known) return known;
  const instance = new cls() as unknown as Record<string, FlagDeclaration | ArgDeclaration | undefined>;
  const def: Definition = { flags: [], args: [], needed: 0, optional: 0, unlimited: false, synopsis: '' };
  const words: string[] = [];
  for (const [key, d] of Object.entries(instance)) {
    if (d?.[DECLARATION] === 'flag') {
      const initial = typeof d.initial === 'string' && d.validator ? d.validator(d.initial) : d.initial;
      def.flags.push({ key, names: d.names, arity: d.arity, repeats: d.repeats, initial, description: d.description, validator: d.validator });
    } else if (d?.[DECLARATION] === 'arg') {
      // Arguments come in this order: required ones, optional ones, then one list or proxy.
      if (def.unlimited || (d.kind === 'one' && d.required && def.optional)) throw new TypeError(`${cls.name}.${key}: an argument after an optional one or a list`); // a declaration no verb may make
      def.args.push({ key, kind: d.kind, required: d.required });
      if (d.kind === 'one' && !d.required) {
        def.optional++;
        words.push(`[${key}]`);
        continue;
      }
      def.needed += d.required;
      for (let i = 0; i < d.required; i++) words.push(`<${key}>`);
      if (d.kind !== 'one') {
        def.unlimited = true;
        words.push('...');
      }
    }
  }
  def.synopsis = words.join(' ');
  definitions.set(cls as CommandClass<never>, def);
  return def;
}
