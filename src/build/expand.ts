/**
 * Docker's shell lexer for Dockerfile words (pure): quotes, the escape
 * character, and variable expansion (`$VAR`, `${VAR}`, `${VAR:-x}`,
 * `${VAR-x}`, `${VAR:+x}`, `${VAR+x}`, `${VAR:?msg}`). Single quotes keep
 * everything literal; double quotes expand; the escape character makes the
 * next character literal. Unset variables expand to nothing.
 */
import { TspodError } from '../errors.ts';

export type Vars = ReadonlyMap<string, string>;

/** Environment lines (`K=V`) as a lookup; later entries win. */
export function varsOf(...lists: Array<Iterable<string>>): Map<string, string> {
  const m = new Map<string, string>();
  for (const list of lists) for (const e of list) { const i = e.indexOf('='); if (i > 0) m.set(e.slice(0, i), e.slice(i + 1)); }
  return m;
}

class Lexer {
  private pos = 0;
  private readonly s: string;
  private readonly vars: Vars;
  private readonly esc: string;
  constructor(s: string, vars: Vars, esc: string) { this.s = s; this.vars = vars; this.esc = esc; }

  private peek(): string { return this.s[this.pos] ?? ''; }
  private eof(): boolean { return this.pos >= this.s.length; }

  /** The word up to `stop` (a char that ends it, unquoted), quotes removed and variables expanded. */
  word(stop: (c: string) => boolean = () => false): string {
    let out = '';
    while (!this.eof()) {
      const c = this.peek();
      if (stop(c)) break;
      if (c === this.esc) {
        this.pos++;
        if (!this.eof()) out += this.s[this.pos++];
        else out += c;
      } else if (c === "'") {
        this.pos++;
        const end = this.s.indexOf("'", this.pos);
        if (end < 0) throw new TspodError('ERR_TSPOD_DOCKERFILE', `unexpected end of statement while looking for matching single-quote in \`${this.s}\``);
        out += this.s.slice(this.pos, end);
        this.pos = end + 1;
      } else if (c === '"') {
        this.pos++;
        out += this.doubleQuoted();
      } else if (c === '$') {
        out += this.dollar();
      } else {
        out += c;
        this.pos++;
      }
    }
    return out;
  }

  private doubleQuoted(): string {
    let out = '';
    for (;;) {
      if (this.eof()) throw new TspodError('ERR_TSPOD_DOCKERFILE', `unexpected end of statement while looking for matching double-quote in \`${this.s}\``);
      const c = this.peek();
      if (c === '"') { this.pos++; return out; }
      if (c === '$') { out += this.dollar(); continue; }
      if (c === this.esc) {
        const n = this.s[this.pos + 1];
        if (n === '"' || n === '$' || n === this.esc) { out += n; this.pos += 2; continue; }
      }
      out += c;
      this.pos++;
    }
  }

  private dollar(): string {
    this.pos++; // $
    const c = this.peek();
    if (c === '{') {
      this.pos++;
      const name = this.name();
      if (!name) throw new TspodError('ERR_TSPOD_DOCKERFILE', `bad substitution in \`${this.s}\``);
      const op = this.peek();
      if (op === '}') { this.pos++; return this.vars.get(name) ?? ''; }
      let mod = op;
      this.pos++;
      if (op === ':') { mod = ':' + this.peek(); this.pos++; }
      const word = this.word((ch) => ch === '}');
      if (this.peek() !== '}') throw new TspodError('ERR_TSPOD_DOCKERFILE', `missing '}' in \`${this.s}\``);
      this.pos++;
      const v = this.vars.get(name);
      switch (mod) {
        case ':-': return v ? v : word;
        case '-': return v !== undefined ? v : word;
        case ':+': return v ? word : '';
        case '+': return v !== undefined ? word : '';
        case ':?': case '?':
          if (mod === ':?' ? !v : v === undefined) throw new TspodError('ERR_TSPOD_DOCKERFILE', `${name}: ${word || 'is not allowed to be unset'}`);
          return v!;
        default: throw new TspodError('ERR_TSPOD_DOCKERFILE', `unsupported modifier (${mod}) in substitution in \`${this.s}\``);
      }
    }
    const name = this.name();
    if (!name) return '$';
    return this.vars.get(name) ?? '';
  }

  private name(): string {
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9]/.exec(this.s.slice(this.pos));
    if (!m) return '';
    this.pos += m[0].length;
    return m[0];
  }
}

/** One word: quotes removed, variables expanded. */
export function expandWord(word: string, vars: Vars, esc = '\\'): string {
  return new Lexer(word, vars, esc).word();
}

/**
 * Splits on unquoted whitespace, keeping quotes and escapes as written
 * (each piece then goes through expandWord).
 */
export function splitWords(text: string, esc = '\\'): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  let has = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      cur += c;
      if (c === esc && quote === '"' && i + 1 < text.length) cur += text[++i];
      else if (c === quote) quote = '';
      continue;
    }
    if (/\s/.test(c)) {
      if (has) { out.push(cur); cur = ''; has = false; }
      continue;
    }
    has = true;
    cur += c;
    if (c === esc && i + 1 < text.length) cur += text[++i];
    else if (c === '"' || c === "'") quote = c;
  }
  if (has) out.push(cur);
  return out;
}

/** Words of `text`, each expanded. */
export function expandWords(text: string, vars: Vars, esc = '\\'): string[] {
  return splitWords(text, esc).map((w) => expandWord(w, vars, esc));
}

/**
 * ENV and LABEL pairs: `K=V K2="v 2"`, or the old `KEY value words` form
 * (the rest of the line is the value). Keys and values are expanded.
 */
export function keyValues(text: string, vars: Vars, esc = '\\', cmd = 'ENV'): Array<[string, string]> {
  const words = splitWords(text, esc);
  if (!words.length) return [];
  if (!words[0].includes('=')) {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text)!;
    if (!m[2]) throw new TspodError('ERR_TSPOD_DOCKERFILE', `${cmd} names can not be blank`);
    return [[expandWord(m[1], vars, esc), expandWord(m[2].trim(), vars, esc)]];
  }
  return words.map((w) => {
    const i = w.indexOf('=');
    if (i < 0) throw new TspodError('ERR_TSPOD_DOCKERFILE', `${cmd} ${w}: must be of the form: name=value`);
    const key = expandWord(w.slice(0, i), vars, esc);
    if (!key) throw new TspodError('ERR_TSPOD_DOCKERFILE', `${cmd} names can not be blank`);
    return [key, expandWord(w.slice(i + 1), vars, esc)];
  });
}
