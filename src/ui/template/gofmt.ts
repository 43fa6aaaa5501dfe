/**
 * Go's fmt for the values templates see: `%v` printing (maps as
 * `map[k:v]` in sorted key order, slices as `[a b]`, nil as `<nil>`), and
 * Sprint, Sprintln and Sprintf with Go's verbs, flags, width and precision,
 * including its `%!d(string=x)` complaints.
 *
 * JavaScript has one number type: an integral number is treated as Go's int,
 * any other as float64. A plain object is a Go map (function-valued members
 * are methods, not entries); an array is a slice.
 */

export type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'func';

export function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'nil';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'bigint': return 'int';
    case 'string': return 'string';
    case 'function': return 'func';
  }
  return Array.isArray(v) ? 'slice' : 'map';
}

/** The entries of a map-like object, methods left out, keys sorted as Go sorts them. */
export function mapEntries(v: object): Array<[string, unknown]> {
  return Object.entries(v).filter(([, x]) => typeof x !== 'function').sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function elemType(values: unknown[]): string {
  const kinds = new Set(values.map(typeName));
  return kinds.size === 1 ? [...kinds][0] : 'interface {}';
}

/** A Go-ish type name, for messages: string, int, []string, map[string]interface {}. */
export function typeName(v: unknown): string {
  switch (kindOf(v)) {
    case 'nil': return '<nil>';
    case 'bool': return 'bool';
    case 'int': return 'int';
    case 'float': return 'float64';
    case 'string': return 'string';
    case 'func': return 'func';
    case 'slice': return `[]${elemType(v as unknown[])}`;
    default: return `map[string]${elemType(mapEntries(v as object).map(([, x]) => x))}`;
  }
}

/** strconv.FormatFloat: %v prints floats as 'g' with the shortest digits, an exponent outside [-4, 6). */
export function formatFloat(f: number, verb = 'g', prec = -1, sharp = false): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  const exp = (mant: string, e: number) => `${mant}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  const fromExponential = (s: string): [string, number] => {
    const [m, e] = s.split('e');
    return [m, Number(e)];
  };
  switch (verb) {
    case 'e': case 'E': {
      const [m, e] = fromExponential(prec < 0 ? f.toExponential() : f.toExponential(prec));
      const s = exp(m, e);
      return verb === 'E' ? s.toUpperCase() : s;
    }
    case 'f': case 'F':
      return prec < 0 ? shortestFixed(f) : f.toFixed(prec);
    default: {
      // 'g' / 'G': %e when the exponent is < -4 or >= the precision (6 when shortest).
      const shortest = prec < 0;
      const [m0, e] = fromExponential(shortest ? f.toExponential() : f.toExponential(Math.max(prec, 1) - 1));
      const digits = m0.replace(/^-/, '').replace('.', '').length;
      let eprec = shortest ? 6 : Math.max(prec, 1);
      if (!shortest && eprec > digits && digits >= e + 1) eprec = digits;
      let out: string;
      if (e < -4 || e >= eprec) {
        let m = m0;
        if (!sharp && m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
        out = exp(m, e);
      } else {
        out = shortest ? shortestFixed(f) : f.toFixed(Math.max(0, Math.max(prec, 1) - 1 - e));
        if (!sharp && out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '');
      }
      return verb === 'G' ? out.toUpperCase() : out;
    }
  }
}

function shortestFixed(f: number): string {
  const s = String(f);
  if (!/e/.test(s)) return s;
  const [m, e] = s.split('e');
  const n = Number(e);
  const [int, frac = ''] = m.replace('-', '').split('.');
  const sign = f < 0 ? '-' : '';
  if (n >= 0) return sign + (int + frac.padEnd(n, '0')).slice(0, int.length + n) + (frac.length > n ? `.${frac.slice(n)}` : '');
  return `${sign}0.${'0'.repeat(-n - 1)}${int}${frac}`;
}

/** strconv.Quote. */
export function quote(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"': out += '\\"'; continue;
      case '\\': out += '\\\\'; continue;
      case '\x07': out += '\\a'; continue;
      case '\b': out += '\\b'; continue;
      case '\f': out += '\\f'; continue;
      case '\n': out += '\\n'; continue;
      case '\r': out += '\\r'; continue;
      case '\t': out += '\\t'; continue;
      case '\v': out += '\\v'; continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if ((asciiOnly && cp > 0x7e) || (cp >= 0x80 && !/^[\p{L}\p{M}\p{N}\p{P}\p{S}\p{Zs}]$/u.test(ch)) || (cp >= 0x80 && /^\p{Zs}$/u.test(ch) && cp !== 0x20)) {
      out += cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** fmt's %v (and Sprint of one operand). */
export function goString(v: unknown, verb = 'v'): string {
  return formatValue(v, { verb, plus: false, minus: false, sharp: false, space: false, zero: false });
}

interface Spec { verb: string; plus: boolean; minus: boolean; sharp: boolean; space: boolean; zero: boolean; width?: number; prec?: number }

function badVerb(v: unknown, spec: Spec): string {
  if (v === null || v === undefined) return `%!${spec.verb}(<nil>)`;
  return `%!${spec.verb}(${typeName(v)}=${goString(v)})`;
}

function pad(s: string, spec: Spec, numeric = false): string {
  const w = spec.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? s[0] : '';
    const body = sign ? s.slice(1) : s;
    return sign + '0'.repeat(w - len) + body;
  }
  return ' '.repeat(w - len) + s;
}

function fmtInt(n: number, spec: Spec): string {
  const neg = n < 0;
  const abs = Math.abs(n);
  let digits: string;
  let prefix = '';
  switch (spec.verb) {
    case 'b': digits = abs.toString(2); if (spec.sharp) prefix = '0b'; break;
    case 'o': digits = abs.toString(8); if (spec.sharp) prefix = '0'; break;
    case 'O': digits = abs.toString(8); prefix = '0o'; break;
    case 'x': digits = abs.toString(16); if (spec.sharp) prefix = '0x'; break;
    case 'X': digits = abs.toString(16).toUpperCase(); if (spec.sharp) prefix = '0X'; break;
    case 'c': return pad(String.fromCodePoint(n), spec);
    case 'q': return pad(`'${quote(String.fromCodePoint(n)).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`, spec);
    case 'U': {
      const u = `U+${abs.toString(16).toUpperCase().padStart(4, '0')}`;
      return pad(spec.sharp ? `${u} '${String.fromCodePoint(n)}'` : u, spec);
    }
    default: digits = String(abs);
  }
  if (spec.prec !== undefined) digits = spec.prec === 0 && abs === 0 ? '' : digits.padStart(spec.prec, '0');
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  return pad(sign + prefix + digits, { ...spec, zero: spec.zero && spec.prec === undefined && !spec.minus }, true);
}

function fmtFloatSpec(f: number, spec: Spec): string {
  const verb = spec.verb === 'v' ? 'g' : spec.verb;
  let s = formatFloat(f, verb, spec.prec ?? (verb === 'g' || verb === 'G' ? -1 : 6), spec.sharp);
  if (f >= 0 && !s.startsWith('+')) s = (spec.plus ? '+' : spec.space ? ' ' : '') + s;
  return pad(s, spec, true);
}

function fmtString(s: string, spec: Spec): string {
  if (spec.prec !== undefined) s = [...s].slice(0, spec.prec).join('');
  switch (spec.verb) {
    case 'v': case 's': return pad(s, spec);
    case 'q':
      if (spec.sharp && !s.includes('`') && !/[\x00-\x08\x0a-\x1f\x7f]/.test(s)) return pad(`\`${s}\``, spec);
      return pad(quote(s, spec.plus), spec);
    case 'x': case 'X': {
      let hex = [...Buffer.from(s, 'utf8')].map((b) => b.toString(16).padStart(2, '0')).join(spec.space ? ' ' : '');
      if (spec.sharp) hex = spec.space ? hex.split(' ').map((h) => `0x${h}`).join(' ') : `0x${hex}`;
      return pad(spec.verb === 'X' ? hex.toUpperCase() : hex, spec);
    }
  }
  return badVerb(s, spec);
}

function formatValue(v: unknown, spec: Spec, depth = 0): string {
  const k = kindOf(v);
  switch (k) {
    case 'nil': return spec.verb === 'v' ? pad('<nil>', spec) : badVerb(v, spec);
    case 'bool': return spec.verb === 'v' || spec.verb === 't' ? pad(String(v), spec) : badVerb(v, spec);
    case 'int': {
      const n = Number(v);
      if ('bcdoOqxXUv'.includes(spec.verb)) return fmtInt(n, spec);
      if ('eEfFgG'.includes(spec.verb)) return fmtFloatSpec(n, spec);
      return badVerb(v, spec);
    }
    case 'float': {
      const f = v as number;
      if ('eEfFgGv'.includes(spec.verb)) return fmtFloatSpec(f, spec);
      if (spec.verb === 'x' || spec.verb === 'X') return badVerb(v, spec);
      return badVerb(v, spec);
    }
    case 'string': return fmtString(v as string, spec);
    case 'func': return spec.verb === 'v' ? '<func>' : badVerb('<func>', spec);
    case 'slice': {
      const inner = { ...spec, width: undefined };
      const body = (v as unknown[]).map((x) => formatValue(x, inner, depth + 1)).join(' ');
      return pad(`[${body}]`, spec);
    }
    default: {
      const inner = { ...spec, width: undefined };
      const body = mapEntries(v as object).map(([key, x]) => `${formatValue(key, inner, depth + 1)}:${formatValue(x, inner, depth + 1)}`).join(' ');
      return pad(`map[${body}]`, spec);
    }
  }
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

/** fmt.Sprintln: spaces between all operands, a newline at the end. */
export function sprintln(args: unknown[]): string {
  return `${args.map((a) => goString(a)).join(' ')}\n`;
}

/** fmt.Sprintf. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let argi = 0;
  let reordered = false;
  const chars = [...format];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c !== '%') { out += c; continue; }
    const spec: Spec = { verb: '', plus: false, minus: false, sharp: false, space: false, zero: false };
    i++;
    for (; i < chars.length; i++) {
      const f = chars[i];
      if (f === '+') spec.plus = true;
      else if (f === '-') spec.minus = true;
      else if (f === '#') spec.sharp = true;
      else if (f === ' ') spec.space = true;
      else if (f === '0') spec.zero = true;
      else break;
    }
    const argIndex = () => {
      if (chars[i] !== '[') return;
      const close = chars.indexOf(']', i);
      const n = Number(chars.slice(i + 1, close).join(''));
      if (close > 0 && Number.isInteger(n) && n >= 1) { argi = n - 1; reordered = true; i = close + 1; }
    };
    const number = (): number | undefined => {
      argIndex();
      if (chars[i] === '*') {
        i++;
        const a = args[argi++];
        return typeof a === 'number' ? a : undefined;
      }
      let s = '';
      while (i < chars.length && /[0-9]/.test(chars[i])) s += chars[i++];
      return s ? Number(s) : undefined;
    };
    spec.width = number();
    if (spec.width !== undefined && spec.width < 0) { spec.minus = true; spec.width = -spec.width; }
    if (chars[i] === '.') {
      i++;
      spec.prec = number() ?? 0;
    }
    argIndex();
    spec.verb = chars[i] ?? '';
    if (spec.verb === '') { out += '%!(NOVERB)'; break; }
    if (spec.verb === '%') { out += '%'; continue; }
    if (argi >= args.length) { out += `%!${spec.verb}(MISSING)`; continue; }
    const arg = args[argi++];
    if (spec.verb === 'T') { out += pad(arg === null || arg === undefined ? '<nil>' : typeName(arg), spec); continue; }
    if (!'vtbcdoOqxXUeEfFgGs'.includes(spec.verb)) { out += badVerb(arg, spec); continue; }
    out += formatValue(arg, spec);
  }
  if (!reordered && argi < args.length) {
    out += `%!(EXTRA ${args.slice(argi).map((a) => (a === null || a === undefined ? '<nil>' : `${typeName(a)}=${goString(a)}`)).join(', ')})`;
  }
  return out;
}
