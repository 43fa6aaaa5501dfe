/**
 * The parser of Go's text/template: tokens to a tree (list, text, action,
 * if/range/with with else, define/template/block, break/continue), with
 * pipelines of commands, declarations and assignments, parenthesized
 * pipelines and field chains. Undefined functions and variables are parse
 * errors, as in Go.
 */
import { lex, lineAt, type Token, type TokenType } from './lex.ts';
import { TemplateError } from './errors.ts';

export type Node =
  | { kind: 'list'; pos: number; nodes: Node[] }
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | { kind: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: ListNode; elseList?: ListNode }
  | { kind: 'template'; pos: number; name: string; pipe?: Pipe }
  | { kind: 'break' | 'continue'; pos: number };

export type ListNode = Extract<Node, { kind: 'list' }>;

export interface Pipe { kind: 'pipe'; pos: number; isAssign: boolean; decl: string[]; cmds: Command[] }
export interface Command { kind: 'command'; pos: number; args: Arg[] }

export type Arg =
  | { kind: 'field'; pos: number; ident: string[] }
  | { kind: 'variable'; pos: number; ident: string[] }
  | { kind: 'chain'; pos: number; node: Arg; fields: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number }
  | { kind: 'string'; pos: number; text: string; value: string }
  | Pipe;

export interface Tree { name: string; src: string; root: ListNode; defines: Map<string, ListNode> }

/** Go's Node.String(), used in "executing ... at <...>" messages. */
export function nodeString(n: Arg | Command | Pipe): string {
  switch (n.kind) {
    case 'field': return n.ident.map((i) => `.${i}`).join('');
    case 'variable': return n.ident.join('.');
    case 'chain': return `${n.node.kind === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node)}${n.fields.map((f) => `.${f}`).join('')}`;
    case 'identifier': return n.name;
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(n.value);
    case 'number': return n.text;
    case 'string': return n.text;
    case 'command': return n.args.map((a) => (a.kind === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'pipe': {
      const decl = n.decl.length ? `${n.decl.join(', ')} ${n.isAssign ? '=' : ':='} ` : '';
      return decl + n.cmds.map(nodeString).join(' | ');
    }
  }
}

/** Go's strconv.Unquote for "..." and '...' literals. */
export function unquote(text: string): string {
  const body = text.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\') { out += c; continue; }
    const e = body[++i];
    const hex = (n: number) => {
      const h = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw new Error('invalid syntax');
      i += n;
      return parseInt(h, 16);
    };
    switch (e) {
      case 'a': out += '\x07'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': case "'": out += e; break;
      case 'x': out += Buffer.from([hex(2)]).toString('latin1'); break;
      case 'u': out += String.fromCodePoint(hex(4)); break;
      case 'U': out += String.fromCodePoint(hex(8)); break;
      default:
        if (/[0-7]/.test(e ?? '')) {
          const o = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(o)) throw new Error('invalid syntax');
          out += String.fromCharCode(parseInt(o, 8));
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
    }
  }
  return out;
}

function parseNumber(text: string): number {
  if (text.startsWith("'")) {
    const s = unquote(text);
    if ([...s].length !== 1) throw new Error('malformed character constant');
    return s.codePointAt(0)!;
  }
  if (text.endsWith('i')) throw new Error('complex numbers are not supported');
  const t = text.replace(/_/g, '');
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[+-]/, '');
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) v = parseInt(body.slice(2), 16);
  else if (/^0[bB][01]+$/.test(body)) v = parseInt(body.slice(2), 2);
  else if (/^0[oO][0-7]+$/.test(body)) v = parseInt(body.slice(2), 8);
  else if (/^0[0-7]+$/.test(body)) v = parseInt(body.slice(1), 8);
  else if (/^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(body)) v = Number(body);
  else throw new Error('illegal number syntax');
  return sign * v;
}

/** Parses a template; `funcs` are the names of the functions it may call. */
export function parse(name: string, src: string, funcs: Set<string>): Tree {
  const toks = lex(name, src);
  let i = 0;
  let vars: string[] = ['$'];
  let rangeDepth = 0;
  const defines = new Map<string, ListNode>();

  const fail = (msg: string, at: number): never => { throw new TemplateError(`template: ${name}:${lineAt(src, at)}: ${msg}`); };
  const next = () => toks[i++];
  const peek = () => toks[i];
  const backup = (n = 1) => { i -= n; };
  const nextNonSpace = () => { let t = next(); while (t.type === 'space') t = next(); return t; };
  const peekNonSpace = () => { const save = i; const t = nextNonSpace(); i = save; return t; };
  const describe = (t: Token) => (t.type === 'eof' ? 'EOF' : t.type === 'rightDelim' ? '"}}"' : `"${t.value}"`);
  const unexpected = (t: Token, context: string): never => {
    if (t.type === 'eof') return fail(`unexpected EOF in ${context}`, t.pos);
    return fail(`unexpected ${describe(t)} in ${context}`, t.pos);
  };
  const expect = (type: TokenType, context: string): Token => {
    const t = nextNonSpace();
    if (t.type !== type) unexpected(t, context);
    return t;
  };

  type Stop = { kind: 'end' | 'else'; pos: number };

  /** Nodes up to {{end}} or {{else}}. */
  function itemList(): { list: ListNode; stop: Stop } {
    const list: ListNode = { kind: 'list', pos: peekNonSpace().pos, nodes: [] };
    while (peekNonSpace().type !== 'eof') {
      const n = textOrAction();
      if (n && 'stop' in n) return { list, stop: n.stop };
      if (n) list.nodes.push(n);
    }
    return fail('unexpected EOF', src.length);
  }

  function textOrAction(): Node | { stop: Stop } | undefined {
    const t = nextNonSpace();
    if (t.type === 'text') return { kind: 'text', pos: t.pos, text: t.value };
    if (t.type === 'leftDelim') return action();
    return unexpected(t, 'input');
  }

  function action(): Node | { stop: Stop } | undefined {
    const t = nextNonSpace();
    if (t.type === 'keyword') {
      switch (t.value) {
        case 'block': return blockControl(t);
        case 'break': case 'continue': {
          if (!rangeDepth) fail(`{{${t.value}}} outside {{range}}`, t.pos);
          expect('rightDelim', t.value);
          return { kind: t.value, pos: t.pos };
        }
        case 'else': {
          const p = peekNonSpace();
          if (p.type === 'keyword' && (p.value === 'if' || p.value === 'with')) return { stop: { kind: 'else', pos: p.pos } };
          expect('rightDelim', 'else');
          return { stop: { kind: 'else', pos: t.pos } };
        }
        case 'end': expect('rightDelim', 'end'); return { stop: { kind: 'end', pos: t.pos } };
        case 'if': case 'range': case 'with': return control(t.value, t.pos);
        case 'template': return templateControl(t);
        case 'define': return fail('unexpected "define" in command', t.pos);
      }
    }
    backup();
    const p = peekNonSpace();
    return { kind: 'action', pos: p.pos, pipe: pipeline('command', 'rightDelim') };
  }

  function control(kind: 'if' | 'range' | 'with', pos: number): Node {
    const mark = vars.length;
    const pipe = pipeline(kind, 'rightDelim');
    if (kind === 'range') rangeDepth++;
    let { list, stop } = itemList();
    if (kind === 'range') rangeDepth--;
    let elseList: ListNode | undefined;
    if (stop.kind === 'else') {
      const p = peekNonSpace();
      if (kind !== 'range' && p.type === 'keyword' && p.value === kind) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}}, sharing the final {{end}}.
        nextNonSpace();
        elseList = { kind: 'list', pos: stop.pos, nodes: [control(kind, p.pos)] };
      } else {
        if (p.type === 'keyword' && (p.value === 'if' || p.value === 'with')) fail(`unexpected "${p.value}" after else in ${kind}`, p.pos);
        ({ list: elseList, stop } = itemList());
        if (stop.kind !== 'end') fail('expected end; found {{else}}', stop.pos);
      }
    }
    vars = vars.slice(0, mark);
    return { kind, pos, pipe, list, elseList };
  }

  function templateName(context: string): string {
    const t = nextNonSpace();
    if (t.type !== 'string' && t.type !== 'rawString') unexpected(t, context);
    return t.type === 'rawString' ? t.value.slice(1, -1) : unquote(t.value);
  }

  function templateControl(t: Token): Node {
    const tname = templateName('template clause');
    let pipe: Pipe | undefined;
    if (peekNonSpace().type !== 'rightDelim') pipe = pipeline('template clause', 'rightDelim');
    else nextNonSpace();
    return { kind: 'template', pos: t.pos, name: tname, pipe };
  }

  function blockControl(t: Token): Node {
    const tname = templateName('block clause');
    const pipe = pipeline('block clause', 'rightDelim');
    const saved = vars;
    vars = ['$'];
    const { list, stop } = itemList();
    vars = saved;
    if (stop.kind !== 'end') fail('unexpected {{else}} in block clause', stop.pos);
    defines.set(tname, list);
    return { kind: 'template', pos: t.pos, name: tname, pipe };
  }

  function definition(): void {
    const tname = templateName('define clause');
    expect('rightDelim', 'define clause');
    const saved = vars;
    vars = ['$'];
    const { list, stop } = itemList();
    vars = saved;
    if (stop.kind !== 'end') fail('unexpected {{else}} in define clause', stop.pos);
    defines.set(tname, list);
  }

  function pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const start = peekNonSpace();
    const pipe: Pipe = { kind: 'pipe', pos: start.pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const save = i;
      const v = nextNonSpace();
      if (v.type !== 'variable') { i = save; break; }
      const n = peekNonSpace();
      if (n.type === 'declare' || n.type === 'assign') {
        nextNonSpace();
        pipe.isAssign = n.type === 'assign';
        if (pipe.isAssign && !vars.includes(v.value)) fail(`undefined variable "${v.value}"`, v.pos);
        pipe.decl.push(v.value);
        vars.push(v.value);
        break;
      }
      if (n.type === 'comma') {
        nextNonSpace();
        pipe.decl.push(v.value);
        vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = peekNonSpace();
          if (p.type === 'variable') continue;
          fail('range can only initialize variables', p.pos);
        }
        fail(`too many declarations in ${context}`, n.pos);
      }
      // Not a declaration: the variable is an operand.
      i = save;
      break;
    }
    if (pipe.decl.length === 2 && !(context === 'range')) fail(`too many declarations in ${context}`, pipe.pos);
    for (;;) {
      const t = nextNonSpace();
      if (t.type === end) {
        if (!pipe.cmds.length) fail(`missing value for ${context}`, t.pos);
        for (const [k, c] of pipe.cmds.entries()) {
          if (k > 0 && ['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0].kind)) {
            fail(`non executable command in pipeline stage ${k + 1}`, c.pos);
          }
        }
        return pipe;
      }
      if (['bool', 'char', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(t.type)) {
        backup();
        pipe.cmds.push(command());
        continue;
      }
      if (t.type === 'eof' || (t.type === 'rightDelim' && end === 'rightParen')) fail(`unclosed left paren`, t.pos);
      unexpected(t, context);
    }
  }

  function command(): Command {
    const cmd: Command = { kind: 'command', pos: peekNonSpace().pos, args: [] };
    for (;;) {
      while (peek().type === 'space') next();
      const op = operand();
      if (op) cmd.args.push(op);
      const t = next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') { backup(); break; }
      if (t.type === 'pipe') break;
      unexpected(t, 'operand');
    }
    if (!cmd.args.length) fail('empty command', cmd.pos);
    return cmd;
  }

  function operand(): Arg | undefined {
    let node = term();
    if (!node) return undefined;
    if (peek().type === 'field') {
      const pos = peek().pos;
      const fields: string[] = [];
      while (peek().type === 'field') fields.push(next().value.slice(1));
      if (node.kind === 'field' || node.kind === 'variable') node = { ...node, ident: [...node.ident, ...fields] };
      else if (['bool', 'string', 'number', 'nil', 'dot'].includes(node.kind)) fail(`unexpected . after term "${nodeString(node)}"`, pos);
      else node = { kind: 'chain', pos: node.pos, node, fields };
    }
    return node;
  }

  function term(): Arg | undefined {
    const t = nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!funcs.has(t.value)) fail(`function "${t.value}" not defined`, t.pos);
        return { kind: 'identifier', pos: t.pos, name: t.value };
      case 'dot': return { kind: 'dot', pos: t.pos };
      case 'nil': return { kind: 'nil', pos: t.pos };
      case 'variable':
        if (!vars.includes(t.value)) fail(`undefined variable "${t.value}"`, t.pos);
        return { kind: 'variable', pos: t.pos, ident: [t.value] };
      case 'field': return { kind: 'field', pos: t.pos, ident: [t.value.slice(1)] };
      case 'bool': return { kind: 'bool', pos: t.pos, value: t.value === 'true' };
      case 'char': case 'number':
        try { return { kind: 'number', pos: t.pos, text: t.value, value: parseNumber(t.value) }; } catch (err) {
          return fail(`${(err as Error).message}: ${t.value}`, t.pos);
        }
      case 'leftParen': return pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
        try { return { kind: 'string', pos: t.pos, text: t.value, value: unquote(t.value) }; } catch {
          return fail(`invalid syntax: ${t.value}`, t.pos);
        }
      case 'rawString': return { kind: 'string', pos: t.pos, text: t.value, value: t.value.slice(1, -1).replace(/\r/g, '') };
    }
    backup();
    return undefined;
  }

  // Top level: text, actions, and {{define}}s.
  const root: ListNode = { kind: 'list', pos: 0, nodes: [] };
  while (peek().type !== 'eof') {
    if (peek().type === 'leftDelim') {
      const save = i;
      next();
      const d = nextNonSpace();
      if (d.type === 'keyword' && d.value === 'define') { definition(); continue; }
      i = save;
    }
    const n = textOrAction();
    if (n && 'stop' in n) fail(`unexpected {{${n.stop.kind}}}`, n.stop.pos);
    if (n) root.nodes.push(n as Node);
  }
  return { name, src, root, defines };
}
