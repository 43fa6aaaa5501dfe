/**
 * `--help` in docker's layout: the usage line, the description, aliases,
 * the details, the flags in two aligned columns with their value type
 * (`--name string`, `-p, --publish list`), examples. `tspod --help` lists
 * the verbs grouped as docker groups them.
 */
import { FLAG_TYPES, GROUPS } from './verbs.ts';
import { GLOBAL_FLAGS } from './argv.ts';
import { groupsOf, matchVerb, type FlagSpec, type VerbSpec } from './spec.ts';

const WIDTH = 80;

function wrap(text: string, indent = ''): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > WIDTH) { out.push(indent + line); line = word; } else line = line ? `${line} ${word}` : word;
    }
    out.push(indent + line);
  }
  return out.join('\n');
}

function columns(rows: Array<[string, string]>, min = 0): string {
  const width = Math.max(min, ...rows.map(([l]) => l.length));
  return rows.map(([l, r]) => `  ${l.padEnd(width)}   ${r}`.trimEnd()).join('\n');
}

/** docker's word for what the flag takes: `string`, `list`, `bytes`, `int`... nothing for a boolean. */
export function placeholder(f: FlagSpec): string | undefined {
  if (f.arity === 0) return undefined;
  for (const n of f.names) if (FLAG_TYPES[n]) return FLAG_TYPES[n];
  return f.repeats ? 'list' : 'string';
}

/** docker's `(default "no")`, `(default 10)`, `(default true)`; nothing for false, empty or unset. */
export function defaultNote(f: FlagSpec): string {
  const v = f.defaultValue;
  if (v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0)) return '';
  if (typeof v === 'string') return ` (default ${JSON.stringify(v)})`;
  if (Array.isArray(v)) return ` (default [${v.join(',')}])`;
  return ` (default ${String(v)})`;
}

/** `-p, --publish list` or `    --rm` (the long name docker shows first, aliases left out). */
export function flagLabel(f: FlagSpec): string {
  const short = f.names.find((n) => !n.startsWith('--'));
  const long = f.names.find((n) => n.startsWith('--'));
  const type = placeholder(f);
  const names = short && long ? `${short}, ${long}` : short ?? `    ${long}`;
  return type ? `${names} ${type}` : names;
}

function sortKey(f: FlagSpec): string {
  return (f.names.find((n) => n.startsWith('--')) ?? f.names[0]).replace(/^-+/, '');
}

/** The usage line after `tspod PATH`: the verb's own, else made from its declared arguments. */
export function synopsis(spec: VerbSpec): string {
  if (spec.meta.synopsis !== undefined) return spec.meta.synopsis;
  const words = spec.args.synopsis.split(' ').filter(Boolean);
  const args = words.map((w) => (w === '...' ? '[ARG...]' : w.replace(/^<(.*)>$/, '$1').replace(/^\[(.*)\]$/, '[$1]').toUpperCase()));
  return [spec.flags.length ? '[OPTIONS]' : '', ...args].filter(Boolean).join(' ');
}

function verbHelp(spec: VerbSpec, path: string[]): string {
  const name = `tspod ${path.join(' ')}`;
  const parts: string[] = [`\nUsage:  ${`${name} ${synopsis(spec)}`.trim()}`];
  if (spec.usage.description) parts.push(wrap(spec.usage.description.trim()));
  if (spec.paths.length > 1) parts.push(`Aliases:\n  ${spec.paths.map((p) => `tspod ${p.join(' ')}`).join(', ')}`);
  if (spec.usage.details) parts.push(wrap(spec.usage.details.trim()));
  const flags = [...spec.flags].sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  if (flags.length) parts.push(`Options:\n${columns(flags.map((f) => [flagLabel(f), f.description + defaultNote(f)]))}`);
  const examples = spec.usage.examples ?? [];
  if (examples.length) {
    parts.push(`Examples:\n${examples.map(([what, cmd]) => `  # ${what.trim()}\n  ${cmd.replace(/\$0\b/g, 'tspod')}`).join('\n\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

function groupHelp(word: string, specs: VerbSpec[]): string {
  const verbs = (groupsOf(specs).get(word) ?? []).sort((a, b) => a.word.localeCompare(b.word));
  return [
    `\nUsage:  tspod ${word} COMMAND`,
    GROUPS[word] ?? `Manage ${word}s`,
    `Commands:\n${columns(verbs.map(({ word: w, spec }) => [w, spec.usage.description?.trim() ?? '']), 10)}`,
    `Run 'tspod ${word} COMMAND --help' for more information on a command.\n`,
  ].join('\n\n');
}

function mainHelp(specs: VerbSpec[]): string {
  const groups = groupsOf(specs);
  const single = specs.flatMap((spec) => spec.paths.filter((p) => p.length === 1).map((p) => ({ word: p[0], spec })));
  const byWord = (a: { word: string }, b: { word: string }) => a.word.localeCompare(b.word);
  const row = ({ word, spec }: { word: string; spec: VerbSpec }): [string, string] => [word, spec.usage.description?.trim() ?? ''];
  const common = single.filter((v) => v.spec.meta.common);
  const order = ['run', 'exec', 'ps', 'pull', 'images', 'logs', 'info', 'version'];
  common.sort((a, b) => (order.indexOf(a.word) + 1 || 99) - (order.indexOf(b.word) + 1 || 99));
  const other = single.filter((v) => !v.spec.meta.common && !groups.has(v.word)).sort(byWord);
  const management = [...groups.keys()].sort().map((g): [string, string] => [g, GROUPS[g] ?? `Manage ${g}s`]);
  const globals = GLOBAL_FLAGS.map(([names, type, what]): [string, string] => {
    const short = names.find((n) => !n.startsWith('--'));
    const long = names.find((n) => n.startsWith('--'))!;
    return [`${short ? `${short}, ` : '    '}${long}${type ? ` ${type}` : ''}`, what];
  });
  return [
    '\nUsage:  tspod [OPTIONS] COMMAND',
    'A rootless, daemonless, docker-compatible container tool',
    `Common Commands:\n${columns(common.map(row), 10)}`,
    `Management Commands:\n${columns(management, 10)}`,
    `Commands:\n${columns(other.map(row), 10)}`,
    `Global Options:\n${columns(globals)}`,
    "Run 'tspod COMMAND --help' for more information on a command.\n",
  ].join('\n\n');
}

/** Help for a verb path, a group word, or (path []) the whole tool. */
export function renderHelp(path: string[], specs: VerbSpec[]): string {
  if (path.length === 0) return mainHelp(specs);
  const hit = matchVerb(specs, path);
  if (hit && hit.path.length === path.length) return verbHelp(hit.spec, path);
  return groupHelp(path[0], specs);
}
