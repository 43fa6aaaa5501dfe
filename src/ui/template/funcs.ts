/**
 * The functions templates may call: Go's builtins (and, or, not, len, index,
 * slice, print, printf, println, html, js, urlquery, call, eq, ne, lt, le, gt,
 * ge) and docker's (json, split, join, title, lower, upper, pad, truncate).
 * `and`/`or` are evaluated lazily by the executor; their entries here are
 * only for the parser's "function not defined" check.
 */
import { goString, kindOf, mapEntries, sprint, sprintf, sprintln, typeName } from './gofmt.ts';

/** A function's failure, reported as Go does: `error calling NAME: MSG`. */
export class CallError extends Error {}
/** An argument of the wrong type: `wrong type for value; expected T; got U`. */
export class ArgTypeError extends Error {}

export interface Func {
  fn: (...args: any[]) => unknown;
  /** Fixed arguments, and whether more may follow. */
  min: number;
  variadic?: boolean;
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new ArgTypeError(`wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}
function int(v: unknown): number {
  if (kindOf(v) !== 'int') throw new ArgTypeError(`wrong type for value; expected int; got ${typeName(v)}`);
  return Number(v);
}

/** Go's truth: false, 0, nil, and empty strings, slices and maps are false. */
export function truth(v: unknown): boolean {
  switch (kindOf(v)) {
    case 'nil': return false;
    case 'bool': return v as boolean;
    case 'int': case 'float': return v !== 0;
    case 'string': return (v as string).length > 0;
    case 'slice': return (v as unknown[]).length > 0;
    case 'map': return mapEntries(v as object).length > 0;
    default: return true;
  }
}

type Basic = 'bool' | 'number' | 'string';
function basic(v: unknown): Basic | undefined {
  const k = kindOf(v);
  if (k === 'bool' || k === 'string') return k;
  if (k === 'int' || k === 'float') return 'number';
  return undefined;
}

function eq(a: unknown, ...rest: unknown[]): boolean {
  if (!rest.length) throw new CallError('missing argument for comparison');
  const ka = basic(a);
  for (const b of rest) {
    const kb = basic(b);
    const nilA = a === null || a === undefined;
    const nilB = b === null || b === undefined;
    if (nilA || nilB) {
      if (nilA && nilB) return true;
      continue;
    }
    if (!ka || !kb) throw new CallError(`non-comparable type ${goString(!ka ? a : b)}: ${typeName(!ka ? a : b)}`);
    if (ka !== kb) throw new CallError('incompatible types for comparison');
    if (a === b) return true;
  }
  return false;
}

function lt(a: unknown, b: unknown): boolean {
  const ka = basic(a);
  const kb = basic(b);
  if (!ka || !kb || ka === 'bool' || kb === 'bool') throw new CallError('invalid type for comparison');
  if (ka !== kb) throw new CallError('incompatible types for comparison');
  return (a as number | string) < (b as number | string);
}

function length(v: unknown): number {
  switch (kindOf(v)) {
    case 'nil': return 0;
    case 'string': return Buffer.byteLength(v as string);
    case 'slice': return (v as unknown[]).length;
    case 'map': return mapEntries(v as object).length;
  }
  throw new CallError(`len of type ${typeName(v)}`);
}

/** The zero value of a map's elements: "" for string maps (like docker's labels), else nil. */
function zeroOf(m: object): unknown {
  const values = mapEntries(m).map(([, x]) => x);
  return values.every((x) => typeof x === 'string') ? '' : undefined;
}

function index(item: unknown, ...keys: unknown[]): unknown {
  let cur = item;
  for (const key of keys) {
    switch (kindOf(cur)) {
      case 'nil':
        // A nil map (docker's typed `null` maps) gives the zero value; a nil slice has no elements.
        if (typeof key === 'string') { cur = undefined; break; }
        throw new CallError(`index out of range: ${goString(key)}`);
      case 'slice': case 'string': {
        if (kindOf(key) !== 'int') throw new CallError(`cannot index slice/array with type ${typeName(key)}`);
        const n = Number(key);
        const len = kindOf(cur) === 'string' ? Buffer.byteLength(cur as string) : (cur as unknown[]).length;
        if (n < 0 || n >= len) throw new CallError(`index out of range: ${n}`);
        cur = kindOf(cur) === 'string' ? Buffer.from(cur as string)[n] : (cur as unknown[])[n];
        break;
      }
      case 'map': {
        if (typeof key !== 'string') throw new CallError(`value has type ${typeName(key)}; should be string`);
        const m = cur as Record<string, unknown>;
        cur = Object.hasOwn(m, key) && typeof m[key] !== 'function' ? m[key] : zeroOf(m);
        break;
      }
      default: throw new CallError(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(item: unknown, ...idx: unknown[]): unknown {
  const k = kindOf(item);
  if (k === 'nil') throw new CallError('slice of untyped nil');
  if (k !== 'slice' && k !== 'string') throw new CallError(`can't slice item of type ${typeName(item)}`);
  if (idx.length > 3) throw new CallError(`too many slice indexes: ${idx.length}`);
  if (k === 'string' && idx.length === 3) throw new CallError('cannot 3-index slice a string');
  const len = k === 'string' ? Buffer.byteLength(item as string) : (item as unknown[]).length;
  const n = idx.map((x) => {
    if (kindOf(x) !== 'int') throw new CallError(`cannot index slice/array with type ${typeName(x)}`);
    const v = Number(x);
    if (v < 0 || v > len) throw new CallError(`index out of range: ${v}`);
    return v;
  });
  const [from = 0, to = len] = n;
  if (from > to) throw new CallError(`invalid slice index: ${from} > ${to}`);
  if (n.length === 3 && to > n[2]) throw new CallError(`invalid slice index: ${to} > ${n[2]}`);
  if (k === 'string') return Buffer.from(item as string).subarray(from, to).toString('utf8');
  return (item as unknown[]).slice(from, to);
}

/** The text the escapers work on: one string argument as is, else Sprint of all. */
const evalArgs = (args: unknown[]) => (args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args));

export function htmlEscape(s: string): string {
  return s.replace(/[&'<>"\0]/g, (c) => ({ '&': '&amp;', "'": '&#39;', '<': '&lt;', '>': '&gt;', '"': '&#34;', '\0': '\uFFFD' })[c]!);
}

export function jsEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    switch (ch) {
      case '\\': out += '\\\\'; break;
      case "'": out += "\\'"; break;
      case '"': out += '\\"'; break;
      case '<': out += '\\u003C'; break;
      case '>': out += '\\u003E'; break;
      case '&': out += '\\u0026'; break;
      case '=': out += '\\u003D'; break;
      case '\n': out += '\\n'; break;
      case '\r': out += '\\r'; break;
      case '\t': out += '\\t'; break;
      default: {
        const cp = ch.codePointAt(0)!;
        out += cp < 0x20 || cp === 0x7f || (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch))
          ? `\\u${cp.toString(16).toUpperCase().padStart(4, '0')}` : ch;
      }
    }
  }
  return out;
}

export function urlQueryEscape(s: string): string {
  return [...Buffer.from(s, 'utf8')].map((b) => {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
    if (c === ' ') return '+';
    return `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** docker's json: encoding/json without HTML escaping, no trailing newline. */
export function toJSON(v: unknown): string {
  return (JSON.stringify(v ?? null) ?? 'null').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** strings.Title: each letter that follows a separator is upper-cased. */
function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    const sep = !/^[\p{L}\p{N}_]$/u.test(prev);
    out += sep ? ch.toUpperCase() : ch;
    prev = ch;
  }
  return out;
}

export const BUILTINS: Record<string, Func> = {
  and: { fn: () => undefined, min: 1, variadic: true },
  or: { fn: () => undefined, min: 1, variadic: true },
  not: { fn: (v) => !truth(v), min: 1 },
  len: { fn: length, min: 1 },
  index: { fn: index, min: 1, variadic: true },
  slice: { fn: slice, min: 1, variadic: true },
  print: { fn: (...a) => sprint(a), min: 0, variadic: true },
  printf: { fn: (f, ...a) => sprintf(str(f), a), min: 1, variadic: true },
  println: { fn: (...a) => sprintln(a), min: 0, variadic: true },
  html: { fn: (...a) => htmlEscape(evalArgs(a)), min: 0, variadic: true },
  js: { fn: (...a) => jsEscape(evalArgs(a)), min: 0, variadic: true },
  urlquery: { fn: (...a) => urlQueryEscape(evalArgs(a)), min: 0, variadic: true },
  call: {
    fn: (f, ...a) => {
      if (typeof f !== 'function') throw new CallError(`non-function ${f === null || f === undefined ? 'nil' : goString(f)} of type ${typeName(f)}`);
      return f(...a);
    },
    min: 1, variadic: true,
  },
  eq: { fn: eq, min: 1, variadic: true },
  ne: { fn: (a, b) => !eq(a, b), min: 2 },
  lt: { fn: lt, min: 2 },
  le: { fn: (a, b) => lt(a, b) || eq(a, b), min: 2 },
  gt: { fn: (a, b) => !lt(a, b) && !eq(a, b), min: 2 },
  ge: { fn: (a, b) => !lt(a, b), min: 2 },
  // docker's
  json: { fn: toJSON, min: 1 },
  split: { fn: (s, sep) => (str(sep) === '' ? [...str(s)] : str(s).split(sep)), min: 2 },
  join: {
    fn: (list, sep) => {
      if (list === null || list === undefined) return '';
      if (!Array.isArray(list)) throw new ArgTypeError(`wrong type for value; expected []string; got ${typeName(list)}`);
      return list.map((x) => (typeof x === 'string' ? x : goString(x))).join(str(sep));
    },
    min: 2,
  },
  title: { fn: (s) => title(str(s)), min: 1 },
  lower: { fn: (s) => str(s).toLowerCase(), min: 1 },
  upper: { fn: (s) => str(s).toUpperCase(), min: 1 },
  pad: { fn: (s, pre, post) => (str(s) === '' ? '' : ' '.repeat(Math.max(0, int(pre))) + s + ' '.repeat(Math.max(0, int(post)))), min: 3 },
  truncate: { fn: (s, n) => { const cs = [...str(s)]; return cs.length < int(n) ? s : cs.slice(0, Math.max(0, int(n))).join(''); }, min: 2 },
};

/** docker's header functions: the string functions leave a column title as it is (pad still pads). */
export const HEADER_FUNCS: Record<string, Func> = {
  json: { fn: (v) => v, min: 1 },
  split: { fn: (v) => v, min: 2 },
  join: { fn: (v) => v, min: 2 },
  title: { fn: (v) => v, min: 1 },
  lower: { fn: (v) => v, min: 1 },
  upper: { fn: (v) => v, min: 1 },
  truncate: { fn: (v) => v, min: 2 },
};
