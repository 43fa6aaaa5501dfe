/**
 * Executing a parsed template against a value, as Go's text/template does:
 * dot and `$`, variables scoped to their control structure, pipelines whose
 * value is the last argument of the next command, lazy and/or, range over
 * slices, maps (sorted keys) and integers, break/continue, template calls.
 *
 * tspod renders plain objects, so every object is a Go map: a missing key (or
 * a field of a missing value) is nil and prints `<no value>`; only fields of
 * scalars and slices are errors ("can't evaluate field X in type string").
 * A function-valued member is a method: `{{.Label "k"}}` calls it.
 */
import { lineAt } from './lex.ts';
import { nodeString, type Arg, type Command, type Node, type Pipe, type Tree } from './parse.ts';
import { TemplateError } from './errors.ts';
import { goString, kindOf, mapEntries, typeName } from './gofmt.ts';
import { ArgTypeError, CallError, truth, type Func } from './funcs.ts';

const MISSING = Symbol('missing');
type Final = unknown | typeof MISSING;

class Break {}
class Continue {}

export interface ExecOptions {
  funcs: Record<string, Func>;
  /** Header mode: every field chain yields the column title of its last field. */
  headerOf?: (field: string) => string;
  /** On an error, return what was written so far (docker's table headers). */
  partial?: boolean;
}

export function execute(tree: Tree, data: unknown, opts: ExecOptions): string {
  const out: string[] = [];
  const vars: Array<{ name: string; value: unknown }> = [{ name: '$', value: data }];
  let depth = 0;

  const fail = (node: { pos: number } | undefined, msg: string, ctx?: Arg | Command | Pipe): never => {
    if (!node) throw new TemplateError(`template: ${tree.name}: ${msg}`);
    const before = tree.src.slice(0, node.pos);
    const col = node.pos - (before.lastIndexOf('\n') + 1);
    let context = ctx ? nodeString(ctx) : '';
    if (context.length > 20) context = `${context.slice(0, 20)}...`;
    throw new TemplateError(`template: ${tree.name}:${lineAt(tree.src, node.pos)}:${col}: executing "${tree.name}" at <${context}>: ${msg}`);
  };

  const mark = () => vars.length;
  const pop = (m: number) => { vars.length = m; };
  const setVar = (name: string, value: unknown, at: { pos: number }) => {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i].name === name) { vars[i].value = value; return; }
    fail(at, `undefined variable: ${name}`);
  };
  const varValue = (name: string, at: { pos: number }) => {
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i].name === name) return vars[i].value;
    return fail(at, `undefined variable: ${name}`);
  };

  function walk(dot: unknown, node: Node): void {
    switch (node.kind) {
      case 'text': out.push(node.text); return;
      case 'list': for (const n of node.nodes) walk(dot, n); return;
      case 'action': {
        const v = evalPipeline(dot, node.pipe);
        if (!node.pipe.decl.length) out.push(printable(v, node.pipe));
        return;
      }
      case 'if': case 'with': {
        const m = mark();
        const v = evalPipeline(dot, node.pipe);
        if (truth(v)) walk(node.kind === 'with' ? v : dot, node.list);
        else if (node.elseList) walk(dot, node.elseList);
        pop(m);
        return;
      }
      case 'range': walkRange(dot, node); return;
      case 'template': {
        const t = tree.defines.get(node.name);
        if (!t) fail(node, `no such template "${node.name}"`);
        const newDot = node.pipe ? evalPipeline(dot, node.pipe) : undefined;
        if (++depth > 10000) fail(node, 'exceeded maximum template depth (10000)');
        const saved = vars.splice(0, vars.length, { name: '$', value: newDot });
        try { walk(newDot, t!); } finally { vars.splice(0, vars.length, ...saved); depth--; }
        return;
      }
      case 'break': throw new Break();
      case 'continue': throw new Continue();
    }
  }

  function walkRange(dot: unknown, node: Extract<Node, { list: unknown; pipe: Pipe }>): void {
    const m = mark();
    const v = evalPipeline(dot, node.pipe);
    const inner = mark();
    const one = (key: unknown, elem: unknown): boolean => {
      const decl = node.pipe.decl;
      if (decl.length) {
        if (node.pipe.isAssign) {
          if (decl.length > 1) { setVar(decl[0], key, node); setVar(decl[1], elem, node); } else setVar(decl[0], elem, node);
        } else {
          // The pipeline pushed its variables: the element is the last, the key the one before.
          vars[vars.length - 1].value = elem;
          if (decl.length > 1) vars[vars.length - 2].value = key;
        }
      }
      try {
        walk(elem, node.list);
      } catch (e) {
        if (e instanceof Break) return false;
        if (!(e instanceof Continue)) throw e;
      } finally {
        pop(inner);
      }
      return true;
    };
    let any = false;
    switch (kindOf(v)) {
      case 'slice':
        for (const [i, x] of (v as unknown[]).entries()) { any = true; if (!one(i, x)) break; }
        break;
      case 'map':
        for (const [k, x] of mapEntries(v as object)) { any = true; if (!one(k, x)) break; }
        break;
      case 'int':
        if (node.pipe.decl.length > 1) fail(node, `can't use ${goString(v)} to iterate over more than one variable`);
        for (let i = 0; i < Number(v); i++) { any = true; if (!one(i, i)) break; }
        break;
      case 'nil':
        break;
      default:
        fail(node, `range can't iterate over ${goString(v)}`);
    }
    if (!any && node.elseList) walk(dot, node.elseList);
    pop(m);
  }

  function printable(v: unknown, at: Pipe): string {
    if (v === null || v === undefined) return '<no value>';
    if (typeof v === 'function') fail(at, `can't print ${nodeString(at)} of type func`, at);
    return goString(v);
  }

  function evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = evalCommand(dot, cmd, value);
    if (value === MISSING) value = undefined;
    for (const name of pipe.decl) {
      if (pipe.isAssign) setVar(name, value, pipe);
      else vars.push({ name, value });
    }
    return value;
  }

  function notAFunction(args: Arg[], final: Final, cmd: Command): void {
    if (args.length > 1 || final !== MISSING) fail(cmd, `can't give argument to non-function ${nodeString(args[0])}`, args[0]);
  }

  function evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field': return evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain': {
        const recv = evalArg(dot, first.node);
        return evalFieldChain(dot, recv, first, first.fields, cmd.args, final);
      }
      case 'identifier': return evalFunction(dot, first, cmd, final);
      case 'pipe': notAFunction(cmd.args, final, cmd); return evalPipeline(dot, first);
      case 'variable': return evalVariable(dot, first, cmd.args, final);
    }
    notAFunction(cmd.args, final, cmd);
    switch (first.kind) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': return fail(first, 'nil is not a command', first);
      case 'number': return first.value;
      case 'string': return first.value;
    }
  }

  function evalVariable(dot: unknown, v: Extract<Arg, { kind: 'variable' }>, args: Arg[], final: Final): unknown {
    const value = varValue(v.ident[0], v);
    if (v.ident.length === 1) {
      if (args.length > 1 || final !== MISSING) fail(v, `can't give argument to non-function ${nodeString(v)}`, v);
      return value;
    }
    return evalFieldChain(dot, value, v, v.ident.slice(1), args, final);
  }

  function evalFieldChain(dot: unknown, receiver: unknown, node: Arg, ident: string[], args: Arg[], final: Final): unknown {
    if (opts.headerOf) return opts.headerOf(ident[ident.length - 1]);
    let r = receiver;
    for (let i = 0; i < ident.length - 1; i++) r = evalField(dot, ident[i], node, [], MISSING, r);
    return evalField(dot, ident[ident.length - 1], node, args, final, r);
  }

  function evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown): unknown {
    const hasArgs = args.length > 1 || final !== MISSING;
    const k = kindOf(receiver);
    if (k === 'nil') return undefined;
    if (k === 'map') {
      const m = receiver as Record<string, unknown>;
      const v = Object.hasOwn(m, name) ? m[name] : undefined;
      if (typeof v === 'function') {
        const argv = args.slice(1).map((a) => evalArg(dot, a));
        if (final !== MISSING) argv.push(final);
        return call(name, v as (...a: unknown[]) => unknown, argv, node);
      }
      if (hasArgs) fail(node, `${name} is not a method but has arguments`, node);
      return v;
    }
    return fail(node, `can't evaluate field ${name} in type ${typeName(receiver)}`, node);
  }

  function call(name: string, fn: (...a: unknown[]) => unknown, argv: unknown[], node: Arg | Command): unknown {
    try {
      return fn(...argv);
    } catch (e) {
      if (e instanceof TemplateError) throw e;
      if (e instanceof ArgTypeError) return fail(node, e.message, node);
      return fail(node, `error calling ${name}: ${(e as Error).message}`, node);
    }
  }

  function evalFunction(dot: unknown, id: Extract<Arg, { kind: 'identifier' }>, cmd: Command, final: Final): unknown {
    const name = id.name;
    const f = opts.funcs[name];
    if (!f) return fail(id, `"${name}" is not a defined function`, id);
    const argNodes = cmd.args.slice(1);
    const count = argNodes.length + (final === MISSING ? 0 : 1);
    if (count < f.min || (!f.variadic && count !== f.min)) {
      fail(id, `wrong number of args for ${name}: want ${f.variadic ? 'at least ' : ''}${f.min} got ${count}`, id);
    }
    if ((name === 'and' || name === 'or') && !opts.headerOf) {
      let v: unknown;
      for (const a of argNodes) {
        v = evalArg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final !== MISSING ? final : v;
    }
    const argv = argNodes.map((a) => evalArg(dot, a));
    if (final !== MISSING) argv.push(final);
    return call(name, f.fn, argv, cmd);
  }

  function evalArg(dot: unknown, a: Arg): unknown {
    switch (a.kind) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'field': return evalFieldChain(dot, dot, a, a.ident, [a], MISSING);
      case 'variable': return evalVariable(dot, a, [a], MISSING);
      case 'pipe': return evalPipeline(dot, a);
      case 'identifier': return evalFunction(dot, a, { kind: 'command', pos: a.pos, args: [a] }, MISSING);
      case 'chain': return evalFieldChain(dot, evalArg(dot, a.node), a, a.fields, [a], MISSING);
      case 'bool': return a.value;
      case 'number': return a.value;
      case 'string': return a.value;
    }
  }

  try {
    walk(data, tree.root);
  } catch (e) {
    if (opts.partial) return out.join('');
    if (e instanceof Break || e instanceof Continue) throw new TemplateError(`template: ${tree.name}: break or continue outside range`);
    if (e instanceof CallError) throw new TemplateError(`template: ${tree.name}: ${e.message}`);
    throw e;
  }
  return out.join('');
}

