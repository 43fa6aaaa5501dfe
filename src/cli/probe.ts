/**
 * What clipanion's definitions leave out about a flag — whether it repeats
 * (Option.Array) and its default — found the public way: by letting clipanion
 * parse the verb with and without the flag and comparing the commands it makes.
 */
import { Cli } from 'clipanion';
import type { FlagSpec, VerbSpec } from './spec.ts';

export interface FlagFacts {
  repeats: boolean;
  /** The value the verb gets without the flag (undefined when it has none). */
  defaultValue: unknown;
}

const PROBE = ['7919', '7907'];

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
  for (const f of spec.flags) {
    const name = f.names.at(-1)!;
    if (f.arity === 0) {
      // A boolean that `--x` does not change but `--no-x` does defaults to true.
      const long = f.names.find((n) => n.startsWith('--') && !n.startsWith('--no-'));
      const on = parse([name]);
      const off = long ? parse([`--no-${long.slice(2)}`]) : undefined;
      const flips = (c: Record<string, unknown> | undefined) => c && Object.keys(c).some((k) => typeof c[k] === 'boolean' && c[k] !== base[k]);
      facts.set(f, { repeats: false, defaultValue: flips(on) ? false : flips(off) ? true : undefined });
      continue;
    }
    const probed = parse(PROBE.map((v) => `${name}=${v}`));
    const key = probed && Object.keys(probed).find((k) => {
      const v = probed[k];
      return Array.isArray(v) ? v.map(String).includes(PROBE[1]) : String(v) === PROBE[1];
    });
    facts.set(f, { repeats: key !== undefined && Array.isArray(probed![key]), defaultValue: key === undefined ? undefined : base[key] });
  }
  return facts;
}
