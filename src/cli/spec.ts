/**
 * The verbs as data: paths, flags (names and whether they take a value) and
 * usage text, read from the registered clipanion command classes through
 * clipanion's own definitions, plus what src/cli/verbs.ts adds.
 */
import { Cli, type CommandClass, type Usage } from 'clipanion';
import { VERBS, type VerbMeta } from './verbs.ts';

export interface FlagSpec {
  /** As declared: `-p`, `--publish`. */
  names: string[];
  /** 0 for booleans, else the number of values (tspod uses 1). */
  arity: number;
  description: string;
}

export interface VerbSpec {
  /** Every path of the verb, the main one first: [['ps'], ['container', 'ls']]. */
  paths: string[][];
  flags: FlagSpec[];
  usage: Usage;
  meta: VerbMeta;
  /** clipanion's one-line usage, `tspod run <image> ...`: the fallback synopsis. */
  clipanionUsage: string;
  cls: CommandClass;
}

/** Reads each class's definition (the class itself is not run). */
export function specsOf(classes: CommandClass[]): VerbSpec[] {
  const specs: VerbSpec[] = [];
  for (const cls of classes) {
    const paths = (cls.paths ?? []).filter((p) => p.length > 0);
    if (!paths.length) continue;
    const cli = new Cli({ binaryName: 'tspod' });
    cli.register(cls);
    const def = cli.definitions()[0];
    const flags = (def?.options ?? []).map((o) => {
      const [names, ...args] = o.definition.split(' ');
      return { names: names.split(','), arity: args.length, description: o.description ?? '' };
    });
    specs.push({
      paths, flags, usage: cls.usage ?? {}, meta: VERBS[paths[0].join(' ')] ?? {},
      clipanionUsage: def?.usage ?? `tspod ${paths[0].join(' ')}`, cls,
    });
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
