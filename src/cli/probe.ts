/**
 * What clipanion's definitions leave out about a flag — whether it repeats
 * (Option.Array) and its default — found the public way: by letting clipanion
 * parse the verb with and without the flags and comparing the commands it
 * makes. Each parse compiles the verb's grammar (~8 ms for run), so all flags
 * are probed at once.
 */
import { Cli } from 'clipanion';
import type { FlagSpec, VerbSpec } from './spec.ts';

export interface FlagFacts {
  repeats: boolean;
  /** The value the verb gets without the flag (undefined when unknown or unset). */
  defaultValue: unknown;
}

/** A number no one types, so that validators of numbers accept it too. */
const probe = (flag: number, n: number) => String(7_919_000_000 + flag * 10 + n);

/** `--tls-verify` is the field tlsVerify, as tspod's commands name them. */
const fieldOf = (long: string) => long.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

export function probeFlags(spec: VerbSpec): Map<FlagSpec, FlagFacts> {
  const cli = new Cli({ binaryName: 'tspod' });
  cli.register(spec.cls);
  const needed = (spec.clipanionUsage.match(/<[^>]+>/g) ?? []).length;
  const args = ['--', ...Array.from({ length: needed }, (_, i) => `arg${i}`)];
  const parse = (flags: string[]): Record<string, unknown> | undefined => {
    try {
      return cli.process([...spec.paths[0], ...flags, ...args]) as unknown as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const base = parse([]) ?? {};
  const facts = new Map<FlagSpec, FlagFacts>();

  // Every value flag given twice, each with its own numbers: the field holding a flag's second number is that flag's.
  const values = spec.flags.filter((f) => f.arity > 0);
  const twice = (f: FlagSpec, i: number) => [1, 2].map((n) => `${f.names.at(-1)}=${probe(i, n)}`);
  const all = parse(values.flatMap(twice));
  values.forEach((f, i) => {
    const got = all ?? parse(twice(f, i));
    const key = got && Object.keys(got).find((k) => [got[k]].flat().map(String).includes(probe(i, 2)));
    facts.set(f, { repeats: key !== undefined && Array.isArray(got![key]), defaultValue: key === undefined ? undefined : base[key] });
  });

  // Every boolean negated at once: a field that turns false was true by default.
  const bools = spec.flags.filter((f) => f.arity === 0);
  const longOf = (f: FlagSpec) => f.names.find((n) => n.startsWith('--') && !n.startsWith('--no-'));
  const off = parse(bools.flatMap((f) => { const l = longOf(f); return l ? [`--no-${l.slice(2)}`] : []; }));
  for (const f of bools) {
    const l = longOf(f);
    const key = l && fieldOf(l);
    facts.set(f, { repeats: false, defaultValue: key && base[key] === true && off?.[key] === false ? true : undefined });
  }
  return facts;
}
