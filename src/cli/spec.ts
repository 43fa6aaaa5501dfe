/**
 * The verbs as data: paths, flags (names, whether they take a value and
 * repeat, their defaults) and usage text, read from the command classes'
 * declarations (src/cli/options.ts), plus what src/cli/verbs.ts adds.
 */
import { definitionOf, type CommandClass, type Definition, type Usage } from './options.ts';
import { VERBS, type VerbMeta } from './verbs.ts';

export interface FlagSpec {
  /** As declared: `-p`, `--publish`. */
  names: string[];
  /** 0 for booleans, 1 for a flag that takes a value. */
  arity: number;
  /** Given several times, the values add up (`-e A=1 -e B=2`). */
  repeats: boolean;
  /** The value the verb gets without the flag. */
  defaultValue: unknown;
  description: string;
}

export interface VerbSpec {
  /** Every path of the verb, the main one first: [['ps'], ['container', 'ls']]. */
  paths: string[][];
  flags: FlagSpec[];
  usage: Usage;
  meta: VerbMeta;
  /** The verb's arguments as declared: how many, and `<image> ...` for the fallback synopsis. */
  args: Pick<Definition, 'needed' | 'optional' | 'unlimited' | 'synopsis'>;
  cls: CommandClass;
}

/** Reads each class's declarations (the class itself is not run). */
export function specsOf(classes: CommandClass[]): VerbSpec[] {
  const specs: VerbSpec[] = [];
  for (const cls of classes) {
    const paths = (cls.paths ?? []).filter((p) => p.length > 0);
    if (!paths.length) continue;
    const def = definitionOf(cls);
    const flags = def.flags.map((f) => ({ names: f.names, arity: f.arity, repeats: f.repeats, defaultValue: f.initial, description: f.description }));
    specs.push({ paths, flags, usage: cls.usage ?? {}, meta: VERBS[paths[0].join(' ')] ?? {}, args: def, cls });
  }
  return specs;
}
/** The spec whose path is the longest prefix of words, with the path's length. */
export function matchVerb(specs: VerbSpec[], words: string[]): { spec: VerbSpec; path: string[] } | undefined {
  let best: { spec: VerbSpec; path: string[] } | undefined;
  for (const spec of specs) {
    for (const path of spec.paths) {
      if (path.length <= words.length && path.every((w, i) => words[i] === w) && (!best || path.length > best.path.length)) best = { spec, path };
    }
  }
  return best;
}

/** First words that only group verbs (`network`, `container`), with the verbs under each. */
export function groupsOf(specs: VerbSpec[]): Map<string, Array<{ word: string; spec: VerbSpec }>> {
  const groups = new Map<string, Array<{ word: string; spec: VerbSpec }>>();
  for (const spec of specs) {
    for (const path of spec.paths) {
      if (path.length !== 2) continue;
      const list = groups.get(path[0]) ?? [];
      if (!list.some((e) => e.spec === spec)) list.push({ word: path[1], spec });
      groups.set(path[0], list);
    }
  }
  return groups;
}
