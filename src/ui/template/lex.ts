/**
 * The lexer of Go's text/template: text and actions, `{{-`/`-}}` trim
 * markers, comments, and the tokens inside actions. Positions are offsets
 * into the source, for error messages in Go's `NAME:LINE:COL` form.
 */
import { TemplateError } from './errors.ts';

export type TokenType =
  | 'text' | 'leftDelim' | 'rightDelim' | 'space' | 'identifier' | 'field' | 'variable'
  | 'string' | 'rawString' | 'char' | 'number' | 'bool' | 'nil' | 'dot' | 'pipe'
  | 'leftParen' | 'rightParen' | 'declare' | 'assign' | 'comma' | 'keyword' | 'eof';

export interface Token { type: TokenType; value: string; pos: number; line: number }

export const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
const isAlnum = (c: string) => c === '_' || /^[\p{L}\p{Nd}]$/u.test(c);

/** Splits a template into tokens; throws a TemplateError (`template: NAME:LINE: ...`) on bad syntax. */
export function lex(name: string, src: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let line = 1;
  const fail = (msg: string, at = pos): never => {
    throw new TemplateError(`template: ${name}:${lineAt(src, at)}: ${msg}`);
  };
  const emit = (type: TokenType, start: number, value = src.slice(start, pos)) => {
    out.push({ type, value, pos: start, line });
    for (const ch of value) if (ch === '\n') line++;
  };
  let trimNextText = false;
  while (pos < src.length || trimNextText) {
    // Text up to the next action.
    const open = src.indexOf('{{', pos);
    const textEnd = open < 0 ? src.length : open;
    const trimLeft = open >= 0 && src[open + 2] === '-' && isSpace(src[open + 3] ?? '');
    let text = src.slice(pos, textEnd);
    if (trimNextText) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    trimNextText = false;
    if (text) out.push({ type: 'text', value: text, pos, line });
    for (const ch of src.slice(pos, textEnd)) if (ch === '\n') line++;
    if (open < 0) { pos = src.length; break; }
    pos = open;
    const delimStart = pos;
    pos += trimLeft ? 3 : 2;
    // Comments: {{/* ... */}}, only as the whole action.
    const afterSpace = trimLeft ? pos + 1 : pos;
    if (src.startsWith('/*', afterSpace)) {
      const close = src.indexOf('*/', afterSpace + 2);
      if (close < 0) fail('unclosed comment', delimStart);
      let p = close + 2;
      let trimRight = false;
      if (src[p] && isSpace(src[p]) && src[p + 1] === '-' && src.startsWith('}}', p + 2)) { trimRight = true; p += 2; }
      if (!src.startsWith('}}', p)) fail('comment ends before closing delimiter', delimStart);
      for (const ch of src.slice(pos, p)) if (ch === '\n') line++;
      pos = p + 2;
      trimNextText = trimRight;
      continue;
    }
    out.push({ type: 'leftDelim', value: '{{', pos: delimStart, line });
    let parens = 0;
    // Inside the action.
    for (;;) {
      if (pos >= src.length) fail('unclosed action', delimStart);
      const c = src[pos];
      if (isSpace(c)) {
        const start = pos;
        while (pos < src.length && isSpace(src[pos])) pos++;
        if (src[pos] === '-' && src.startsWith('}}', pos + 1)) {
          emit('space', start);
          const at = pos;
          pos += 3;
          out.push({ type: 'rightDelim', value: '}}', pos: at, line });
          trimNextText = true;
          break;
        }
        emit('space', start);
        continue;
      }
      if (src.startsWith('}}', pos)) {
        if (parens > 0) fail('unclosed left paren', pos);
        out.push({ type: 'rightDelim', value: '}}', pos, line });
        pos += 2;
        break;
      }
      const start = pos;
      if (c === '\n') fail('unclosed action', delimStart);
      if (c === ':') {
        if (src[pos + 1] !== '=') fail('expected :=');
        pos += 2; emit('declare', start); continue;
      }
      if (c === '=') { pos++; emit('assign', start); continue; }
      if (c === '|') { pos++; emit('pipe', start); continue; }
      if (c === ',') { pos++; emit('comma', start); continue; }
      if (c === '(') { pos++; parens++; emit('leftParen', start); continue; }
      if (c === ')') {
        pos++; parens--;
        if (parens < 0) fail(`unexpected right paren`, start);
        emit('rightParen', start); continue;
      }
      if (c === '"') {
        pos++;
        for (;;) {
          const d = src[pos];
          if (d === undefined || d === '\n') fail('unterminated quoted string', start);
          pos++;
          if (d === '\\') { pos++; continue; }
          if (d === '"') break;
        }
        emit('string', start); continue;
      }
      if (c === '`') {
        const close = src.indexOf('`', pos + 1);
        if (close < 0) fail('unterminated raw quoted string', start);
        pos = close + 1;
        emit('rawString', start); continue;
      }
      if (c === "'") {
        pos++;
        for (;;) {
          const d = src[pos];
          if (d === undefined || d === '\n') fail('unterminated character constant', start);
          pos++;
          if (d === '\\') { pos++; continue; }
          if (d === "'") break;
        }
        emit('char', start); continue;
      }
      if (c === '$') {
        pos++;
        while (pos < src.length && isAlnum(src[pos])) pos++;
        emit('variable', start); continue;
      }
      if (c === '.') {
        if (/[0-9]/.test(src[pos + 1] ?? '')) { lexNumber(); continue; }
        pos++;
        if (pos < src.length && isAlnum(src[pos])) {
          while (pos < src.length && isAlnum(src[pos])) pos++;
          emit('field', start);
        } else {
          emit('dot', start);
        }
        continue;
      }
      if (c === '+' || c === '-' || /[0-9]/.test(c)) { lexNumber(); continue; }
      if (isAlnum(c)) {
        while (pos < src.length && isAlnum(src[pos])) pos++;
        const word = src.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword', start);
        else if (word === 'true' || word === 'false') emit('bool', start);
        else if (word === 'nil') emit('nil', start);
        else emit('identifier', start);
        continue;
      }
      fail(`unrecognized character in action: ${JSON.stringify(c)}`);
    }
    function lexNumber(): void {
      const start = pos;
      const m = /^[+-]?(0[xX][0-9a-fA-F_]*(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|[0-9_]*(\.[0-9_]*)?([eE][+-]?[0-9_]+)?)i?/.exec(src.slice(pos));
      pos += m ? m[0].length : 0;
      if (pos === start || isAlnum(src[pos] ?? '') || src[pos] === '.') {
        while (pos < src.length && (isAlnum(src[pos]) || src[pos] === '.')) pos++;
        fail(`bad number syntax: ${JSON.stringify(src.slice(start, pos))}`, start);
      }
      emit('number', start);
    }
  }
  out.push({ type: 'eof', value: '', pos: src.length, line });
  return out;
}

export function lineAt(src: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < src.length; i++) if (src[i] === '\n') n++;
  return n;
}
