/**
 * `--format` for every command: Go's text/template language (src/ui/template/)
 * with docker's functions, its `table` directive and `json` shorthand.
 *
 * - `table FORMAT` prints a header row first and aligns the `\t`-separated
 *   cells as docker's tabwriter does; the header is the same template run
 *   over column titles (a caller's map, e.g. ID → "CONTAINER ID", else the
 *   field name split at case changes and upper-cased), with docker's string
 *   functions leaving the titles as they are.
 * - `table` alone is the command's default table; `json` is `{{json .}}`
 *   (one JSON object per line for lists).
 * - List commands turn the two-character escapes `\t` and `\n` into a tab
 *   and a newline, as docker does (inspect-like commands do not).
 * - Objects are Go maps: a missing key prints `<no value>`, as a missing map
 *   key does in Go (docker errors only for its typed structs); a field of a
 *   string or a list is an error. An integral number is an int, any other a
 *   float64. Errors read `template: ...` and are usage errors (exit 125);
 *   the template is parsed when compiled, before any work.
 */
import { parse, type Tree } from './template/parse.ts';
import { execute } from './template/exec.ts';
import { BUILTINS, HEADER_FUNCS } from './template/funcs.ts';
import { tabwrite } from './tabwriter.ts';

export interface TemplateOptions {
  /** Column titles by field name (docker's header context of the command). */
  headers?: Record<string, string>;
  /** What `table` alone stands for: the command's default table format. */
  defaultTable?: string;
  /** Replace the escapes `\t` and `\n` (docker's list commands do). Default true. */
  escapes?: boolean;
}

export interface Template {
  /** Whether it began with `table` (a header row is printed first). */
  table: boolean;
  /** Whether it was `json` (one JSON document per item). */
  json: boolean;
  /** The header row: the template run over column titles (partial if it fails, as docker's). */
  header(): string;
  /** One item; throws a usage error (`template: ...`) when execution fails. */
  render(data: unknown): string;
  /** A whole list: header and rows aligned for `table`, else one rendering per line. */
  list(items: unknown[]): string;
}

/** "RunningFor" → "RUNNING FOR", "ID" → "ID". */
export function defaultHeader(field: string): string {
  return field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toUpperCase();
}

const FUNC_NAMES = new Set(Object.keys(BUILTINS));

/** Parses a --format value; a syntax error throws a usage error here, before any work. */
export function compileTemplate(format: string, opts: TemplateOptions = {}): Template {
  let src = format;
  const json = src.trim() === 'json';
  if (json) src = '{{json .}}';
  let table = false;
  if (!json && src.startsWith('table')) {
    table = true;
    src = src.trim() === 'table' && opts.defaultTable ? opts.defaultTable.replace(/^table\s*/, '') : src.slice('table'.length);
  }
  if (opts.escapes !== false) {
    src = src.replace(/^ +| +$/g, '').replace(/\\t|\\n/g, (e) => (e === '\\t' ? '\t' : '\n'));
  }
  const tree: Tree = parse('', src, FUNC_NAMES);
  const headers = opts.headers ?? {};
  const headerOf = (f: string) => headers[f] ?? defaultHeader(f);
  const render = (data: unknown) => execute(tree, data, { funcs: BUILTINS });
  const header = () => execute(tree, undefined, { funcs: { ...BUILTINS, ...HEADER_FUNCS }, headerOf, partial: true });
  return {
    table,
    json,
    header,
    render,
    list(items) {
      const rows = items.map((d) => `${render(d)}\n`).join('');
      return table ? tabwrite(`${header()}\n${rows}`) : rows;
    },
  };
}

export interface DocsFormat {
  /** The output for these documents (inspect-like commands), newline-terminated. */
  render(docs: unknown[]): string;
}

/**
 * docker's inspect output: no format, an indented JSON array; `json`, the
 * array on one line; else the template once per document (no escapes).
 */
export function compileDocsFormat(format: string | undefined): DocsFormat {
  if (!format) return { render: (docs) => `${JSON.stringify(docs, null, 4)}\n` };
  if (format.trim() === 'json') return { render: (docs) => `${JSON.stringify(docs)}\n` };
  const tpl = compileTemplate(format, { escapes: false });
  return { render: (docs) => (docs.length ? docs.map((d) => `${tpl.render(d)}\n`).join('') : '\n') };
}
