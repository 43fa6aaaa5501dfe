/**
 * The subset of Go templates docker users write in --format: `{{.Field.Sub}}`,
 * `{{json .X}}`, `{{index .Map "key"}}`, `{{upper .X}}`, `{{lower .X}}`,
 * `{{join .List ","}}`, a `table` prefix (header from the field names) and the
 * `\t` / `\n` escapes.
 */
import { TspodError } from '../errors.ts';

type Token = { text: string } | { action: string };

function lex(format: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < format.length) {
    const open = format.indexOf('{{', i);
    if (open < 0) { out.push({ text: format.slice(i) }); break; }
    if (open > i) out.push({ text: format.slice(i, open) });
    const close = format.indexOf('}}', open);
    if (close < 0) throw new TspodError('ERR_TSPOD_USAGE', `template: unclosed action in \`${format}\``);
    out.push({ action: format.slice(open + 2, close).replace(/^-\s*|\s*-$/g, '').trim() });
    i = close + 2;
  }
  return out;
}

function args(action: string): string[] {
  return [...action.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? JSON.parse(`"${m[1]}"`) : m[2]));
}

function field(data: unknown, path: string): unknown {
  if (path === '.') return data;
  if (!path.startsWith('.')) throw new TspodError('ERR_TSPOD_USAGE', `template: can't evaluate \`${path}\``);
  let cur: any = data;
  for (const key of path.slice(1).split('.')) {
    if (cur === null || typeof cur !== 'object' || !(key in cur)) {
      throw new TspodError('ERR_TSPOD_USAGE', `template: can't evaluate field ${key}`);
    }
    cur = cur[key];
  }
  return cur;
}

/** Go's %v for the values tspod renders. */
export function goString(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') return `map[${Object.entries(v as object).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
  return String(v);
}

function evaluate(action: string, data: unknown): string {
  const a = args(action);
  const value = (s: string) => (s.startsWith('.') ? field(data, s) : s);
  switch (a[0]) {
    case 'json': return JSON.stringify(value(a[1] ?? '.'));
    case 'upper': return goString(value(a[1])).toUpperCase();
    case 'lower': return goString(value(a[1])).toLowerCase();
    case 'index': {
      const m = value(a[1]) as Record<string, unknown> | unknown[] | undefined;
      const k = a[2];
      const v = Array.isArray(m) ? m[Number(k)] : m?.[k];
      return v === undefined ? '' : goString(v);
    }
    case 'join': return ((value(a[1]) as unknown[]) ?? []).map(goString).join(a[2] ?? '');
    case 'println': return `${a.slice(1).map((x) => goString(value(x))).join(' ')}\n`;
    default:
      if (a.length === 1) return goString(value(a[0]));
      throw new TspodError('ERR_TSPOD_USAGE', `template: function "${a[0]}" not defined`);
  }
}

export interface Template {
  /** Whether it began with `table` (a header row is printed first). */
  table: boolean;
  header(): string;
  render(data: unknown): string;
}

export function compileTemplate(format: string): Template {
  let src = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const table = /^table\s/.test(src) || src === 'table';
  if (table) src = src.replace(/^table\s?/, '');
  const tokens = lex(src);
  return {
    table,
    header: () => tokens.map((t) => ('text' in t ? t.text : headerName(t.action))).join(''),
    render: (data) => tokens.map((t) => ('text' in t ? t.text : evaluate(t.action, data))).join(''),
  };
}

const HEADERS: Record<string, string> = { ID: 'CONTAINER ID', Names: 'NAMES', RunningFor: 'CREATED', CreatedAt: 'CREATED AT', Repository: 'REPOSITORY' };
function headerName(action: string): string {
  const last = action.split(/\s+/).pop()!.split('.').pop()!;
  return HEADERS[last] ?? last.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}
