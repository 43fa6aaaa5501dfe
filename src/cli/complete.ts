/**
 * The completion engine behind `tspod __complete WORD... CURRENT` (the
 * scripts of `tspod completion` call it, as cobra's do for docker and
 * podman): the words after `tspod` typed so far, the last one being the word
 * under the cursor, give the candidates, one per line as `value<TAB>description`,
 * then a line `:files` (the shell may offer file names) or `:nofiles`.
 */
import { GLOBAL_FLAGS } from './argv.ts';
import { groupsOf, matchVerb, type FlagSpec, type VerbSpec } from './spec.ts';
import { FLAG_NAMES, GROUPS, type NameKind } from './verbs.ts';

/** Names of things in the store: container names, image references, networks, volumes. */
export type NameSource = (kind: NameKind) => string[];

interface Candidate { value: string; description?: string }
interface Result { candidates: Candidate[]; files: boolean }

const SHELLS = ['bash', 'zsh', 'fish'];
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];

function render(r: Result, cur: string): string {
  const lines = r.candidates.filter((c) => c.value.startsWith(cur))
    .map((c) => (c.description ? `${c.value}\t${c.description.split('\n')[0].trim()}` : c.value));
  return [...new Set(lines), r.files ? ':files' : ':nofiles'].join('\n') + '\n';
}

function flagCandidates(flags: FlagSpec[]): Candidate[] {
  return [...flags.flatMap((f) => f.names.map((n) => ({ value: n, description: f.description }))), { value: '--help', description: 'Print usage' }];
}

function valuesFor(f: FlagSpec, names: NameSource): Result {
  const kind = f.names.map((n) => FLAG_NAMES[n]).find(Boolean);
  if (kind === 'file') return { candidates: [], files: true };
  if (!kind || kind === 'none') return { candidates: [], files: false };
  return { candidates: names(kind).map((value) => ({ value })), files: false };
}

function verbs(specs: VerbSpec[]): Candidate[] {
  const single = specs.flatMap((s) => s.paths.filter((p) => p.length === 1).map((p) => ({ value: p[0], description: s.usage.description })));
  const groups = [...groupsOf(specs).keys()].map((g) => ({ value: g, description: GROUPS[g] ?? `Manage ${g}s` }));
  return [...single, ...groups, { value: 'help', description: 'Help about any command' }].sort((a, b) => a.value.localeCompare(b.value));
}

function subVerbs(specs: VerbSpec[], group: string): Candidate[] {
  return (groupsOf(specs).get(group) ?? []).map(({ word, spec }) => ({ value: word, description: spec.usage.description })).sort((a, b) => a.value.localeCompare(b.value));
}

function completeVerb(words: string[], cur: string, specs: VerbSpec[], names: NameSource): Result {
  const none: Result = { candidates: [], files: false };
  if (words[0] === 'help') {
    if (words.length === 1) return { candidates: verbs(specs).filter((v) => v.value !== 'help'), files: false };
    return words.length === 2 ? { candidates: subVerbs(specs, words[1]), files: false } : none;
  }
  const hit = matchVerb(specs, words);
  if (!hit) {
    return words.length === 1 ? { candidates: subVerbs(specs, words[0]), files: false } : none;
  }
  const { spec, path } = hit;
  const byName = new Map(spec.flags.flatMap((f) => f.names.map((n) => [n, f] as const)));
  let positional = 0;
  let flagsEnded = false;
  let pending: FlagSpec | undefined;
  for (const w of words.slice(path.length)) {
    if (pending) { pending = undefined; continue; }
    if (flagsEnded || w === '-' || !w.startsWith('-')) {
      positional++;
      if (spec.meta.commandAfter) return { candidates: [], files: true };
      continue;
    }
    if (w === '--') { flagsEnded = true; continue; }
    if (w.startsWith('--')) {
      const f = byName.get(w);
      if (f && f.arity > 0) pending = f;
      continue;
    }
    for (let i = 1; i < w.length; i++) {
      const f = byName.get(`-${w[i]}`);
      if (f && f.arity > 0) { if (i === w.length - 1) pending = f; break; }
    }
  }
  if (pending) return valuesFor(pending, names);
  if (!flagsEnded && cur.startsWith('--') && cur.includes('=')) {
    const name = cur.slice(0, cur.indexOf('='));
    const f = byName.get(name);
    if (!f || f.arity === 0) return none;
    const r = valuesFor(f, names);
    return { candidates: r.candidates.map((c) => ({ value: `${name}=${c.value}` })), files: false };
  }
  if (!flagsEnded && cur.startsWith('-')) return { candidates: flagCandidates(spec.flags), files: false };
  if (path[0] === 'completion') return { candidates: positional === 0 ? SHELLS.map((value) => ({ value })) : [], files: false };
  const args = spec.meta.args ?? ['none'];
  const kind = args[Math.min(positional, args.length - 1)];
  if (kind === 'file') return { candidates: [], files: true };
  if (kind === 'none') return none;
  return { candidates: names(kind).map((value) => ({ value })), files: false };
}

/** The candidates for the last of words (the words after `tspod`), in the format above. */
export function completeWords(words: string[], specs: VerbSpec[], names: NameSource): string {
  const cur = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let i = 0;
  while (i < before.length && before[i].startsWith('-') && before[i] !== '-') {
    const g = GLOBAL_FLAGS.find(([n]) => n.includes(before[i]));
    i += g?.[1] ? 2 : 1;
  }
  if (i > before.length) {
    const flag = before.at(-1);
    return render(flag === '--log-level' ? { candidates: LOG_LEVELS.map((value) => ({ value })), files: false } : { candidates: [], files: true }, cur);
  }
  if (i === before.length) {
    if (cur.startsWith('-')) {
      return render({ candidates: GLOBAL_FLAGS.flatMap(([n, , description]) => n.map((value) => ({ value, description }))), files: false }, cur);
    }
    return render({ candidates: verbs(specs), files: false }, cur);
  }
  return render(completeVerb(before.slice(i), cur, specs, names), cur);
}
