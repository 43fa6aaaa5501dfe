/**
 * The Dockerfile parser (pure): parser directives (`# syntax=`, `# escape=`),
 * comments, line continuations, heredocs (`RUN <<EOF`, `COPY <<EOF /f`),
 * instructions with their `--flags`, exec (JSON) and shell forms, and the
 * stages. Variables are not expanded here: the builder expands each
 * instruction when it reaches it (src/build/expand.ts), as docker does.
 * Errors name the line: "Dockerfile:7: unknown instruction: FOOBAR".
 */
import { TspodError } from '../errors.ts';

export interface Heredoc {
  /** The terminator word, also the file name of `COPY <<NAME /dest`. */
  name: string;
  content: string;
  /** `<<"EOF"` / `<<'EOF'`: no expansion. */
  expand: boolean;
}

export interface Instruction {
  /** Upper-case instruction name. */
  cmd: string;
  /** 1-based line of its first line. */
  line: number;
  /** The instruction as written (continuations joined, comments dropped), for messages and history. */
  original: string;
  /** `--name=value` flags, in order (`--link` alone gives value ''). */
  flags: Array<{ name: string; value: string }>;
  /** The text after the flags (unexpanded). */
  text: string;
  /** The exec form's JSON array, when the text is one. */
  json?: string[];
  heredocs: Heredoc[];
  /** ONBUILD's inner instruction. */
  inner?: Instruction;
}

export interface Stage {
  index: number;
  /** `AS name`, lower-cased. */
  name?: string;
  /** The FROM's image text (unexpanded). */
  base: string;
  platform?: string;
  from: Instruction;
  instructions: Instruction[];
}

export interface Dockerfile {
  escape: string;
  syntax?: string;
  /** ARGs before the first FROM. */
  metaArgs: Instruction[];
  stages: Stage[];
}

export const INSTRUCTIONS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME',
  'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** Flags each instruction accepts (docker's and BuildKit's). */
const FLAGS: Record<string, string[]> = {
  FROM: ['platform'],
  RUN: ['mount', 'network', 'security'],
  COPY: ['from', 'chown', 'chmod', 'link', 'parents', 'exclude'],
  ADD: ['chown', 'chmod', 'link', 'checksum', 'keep-git-dir', 'exclude'],
  HEALTHCHECK: ['interval', 'timeout', 'start-period', 'start-interval', 'retries'],
};

const HEREDOC_CMDS = new Set(['RUN', 'COPY', 'ADD']);

export function dockerfileError(file: string, line: number, msg: string): TspodError {
  return new TspodError('ERR_TSPOD_DOCKERFILE', `${file}:${line}: ${msg}`);
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/;

/** Splits `text` into lines and reads the parser directives at its top. */
function directives(lines: string[], file: string): { escape: string; syntax?: string } {
  let esc = '\\';
  let syntax: string | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    if (!m) break;
    const key = m[1].toLowerCase();
    if (key !== 'escape' && key !== 'syntax' && key !== 'check') break;
    if (seen.has(key)) throw dockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw dockerfileError(file, i + 1, `invalid escape token '${m[2]}' does not match ` + '` or \\');
      esc = m[2];
    } else if (key === 'syntax') syntax = m[2];
  }
  return { escape: esc, syntax };
}

/** The heredoc markers of an instruction line: `<<EOF`, `<<-EOF`, `<<"EOF"`. */
function heredocMarkers(text: string): Array<{ name: string; strip: boolean; expand: boolean }> {
  const out: Array<{ name: string; strip: boolean; expand: boolean }> = [];
  for (const m of text.matchAll(/<<(-?)(["']?)([A-Za-z_][A-Za-z0-9_]*)\2/g)) {
    out.push({ name: m[3], strip: m[1] === '-', expand: m[2] === '' });
  }
  return out;
}

/** Reads leading `--name[=value]` flags off an instruction's text. */
function takeFlags(cmd: string, text: string, file: string, line: number): { flags: Instruction['flags']; rest: string } {
  const flags: Instruction['flags'] = [];
  let rest = text;
  for (;;) {
    const m = /^--([a-zA-Z][a-zA-Z0-9-]*)(?:=("(?:[^"\\]|\\.)*"|\S*))?(?:\s+|$)/.exec(rest);
    if (!m) break;
    const allowed = FLAGS[cmd] ?? [];
    if (!allowed.includes(m[1])) throw dockerfileError(file, line, `unknown flag: --${m[1]} (${cmd} accepts ${allowed.length ? allowed.map((f) => `--${f}`).join(', ') : 'no flags'})`);
    let value = m[2] ?? '';
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    flags.push({ name: m[1], value });
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** The JSON exec form, or undefined for the shell form (docker: anything that does not parse as a string array). */
export function parseJsonForm(text: string): string[] | undefined {
  const t = text.trim();
  if (!t.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(t);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  } catch { /* shell form */ }
  return undefined;
}

function parseInstruction(raw: string, line: number, file: string, heredocs: Heredoc[], inOnbuild = false): Instruction {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(raw);
  if (!m) throw dockerfileError(file, line, 'empty instruction');
  const cmd = m[1].toUpperCase();
  if (!INSTRUCTIONS.has(cmd)) throw dockerfileError(file, line, `unknown instruction: ${m[1]}`);
  const body = m[2].trim();
  if (cmd === 'ONBUILD') {
    if (inOnbuild) throw dockerfileError(file, line, 'chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed');
    if (!body) throw dockerfileError(file, line, 'ONBUILD requires at least one argument');
    const inner = parseInstruction(body, line, file, heredocs, true);
    if (inner.cmd === 'FROM' || inner.cmd === 'MAINTAINER') throw dockerfileError(file, line, `${inner.cmd} isn't allowed as an ONBUILD trigger`);
    return { cmd, line, original: raw.trim(), flags: [], text: body, heredocs: [], inner };
  }
  const { flags, rest } = takeFlags(cmd, body, file, line);
  const text = rest.trim();
  const ins: Instruction = { cmd, line, original: raw.trim(), flags, text, heredocs };
  if (['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'COPY', 'ADD', 'VOLUME', 'HEALTHCHECK'].includes(cmd)) {
    const json = parseJsonForm(cmd === 'HEALTHCHECK' ? text.replace(/^CMD\s+/i, '') : text);
    if (json) ins.json = json;
  }
  check(ins, file);
  return ins;
}

/** Argument checks docker does at parse time. */
function check(ins: Instruction, file: string): void {
  const need = (ok: boolean, msg: string) => { if (!ok) throw dockerfileError(file, ins.line, msg); };
  const { cmd, text } = ins;
  switch (cmd) {
    case 'FROM':
      need(/^\S+(\s+AS\s+\S+)?$/i.test(text), 'FROM requires either one or three arguments');
      break;
    case 'COPY': case 'ADD':
      if (!ins.json) need(text.split(/\s+/).filter(Boolean).length >= 2, `${cmd} requires at least two arguments, but only one was provided. Destination could not be determined`);
      else need(ins.json.length >= 2, `${cmd} requires at least two arguments`);
      break;
    case 'SHELL':
      need(!!ins.json, 'SHELL requires the arguments to be in JSON form');
      break;
    case 'ENV': case 'LABEL': case 'ARG': case 'USER': case 'WORKDIR': case 'EXPOSE': case 'STOPSIGNAL': case 'VOLUME': case 'MAINTAINER':
      need(text.length > 0, `${cmd} requires at least one argument`);
      break;
    case 'RUN':
      need(text.length > 0 || ins.heredocs.length > 0, 'RUN requires at least one argument');
      break;
    case 'HEALTHCHECK':
      need(/^NONE$/i.test(text) || /^CMD\b/i.test(text), 'HEALTHCHECK must be NONE or CMD ...');
      break;
    default:
  }
}

/** Parses a Dockerfile's text. `file` names it in errors. */
export function parseDockerfile(source: string, file = 'Dockerfile'): Dockerfile {
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  const { escape: esc, syntax } = directives(lines, file);
  const instructions: Instruction[] = [];
  const isComment = (l: string) => /^\s*#/.test(l);
  const continues = (l: string) => {
    const t = l.replace(/\s+$/, '');
    return t.endsWith(esc) && !t.endsWith(esc + esc) ? t.slice(0, -1) : undefined;
  };
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let l = lines[i++];
    if (!l.trim() || isComment(l)) continue;
    let joined = '';
    let more = continues(l);
    // Continuation lines: comments and empty lines inside are dropped; leading whitespace is kept.
    while (more !== undefined) {
      joined += more;
      let next: string | undefined;
      while (i < lines.length) {
        const c = lines[i++];
        if (isComment(c) || !c.trim()) continue;
        next = c;
        break;
      }
      if (next === undefined) { l = ''; more = undefined; break; }
      l = next;
      more = continues(l);
    }
    joined += l;
    const word = /^\s*(\S+)/.exec(joined)?.[1].toUpperCase() ?? '';
    const heredocs: Heredoc[] = [];
    const target = word === 'ONBUILD' ? (/^\s*\S+\s+(\S+)/.exec(joined)?.[1].toUpperCase() ?? '') : word;
    if (HEREDOC_CMDS.has(target)) {
      for (const mk of heredocMarkers(joined)) {
        const body: string[] = [];
        let closed = false;
        while (i < lines.length) {
          const c = lines[i++];
          const cmp = mk.strip ? c.replace(/^\t+/, '') : c;
          if (cmp === mk.name) { closed = true; break; }
          body.push(cmp);
        }
        if (!closed) throw dockerfileError(file, start + 1, `unterminated heredoc <<${mk.name}`);
        heredocs.push({ name: mk.name, content: body.length ? body.join('\n') + '\n' : '', expand: mk.expand });
      }
    }
    instructions.push(parseInstruction(joined, start + 1, file, heredocs));
  }
  const df: Dockerfile = { escape: esc, syntax, metaArgs: [], stages: [] };
  for (const ins of instructions) {
    if (ins.cmd === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.text)!;
      const name = m[2]?.toLowerCase();
      if (name && !/^[a-z][a-z0-9-_.]*$/.test(name)) throw dockerfileError(file, ins.line, `invalid name for build stage: "${m[2]}", name can't start with a number or contain symbols`);
      if (name && df.stages.some((s) => s.name === name)) throw dockerfileError(file, ins.line, `duplicate stage name "${name}"`);
      const platform = ins.flags.find((f) => f.name === 'platform')?.value;
      df.stages.push({ index: df.stages.length, name, base: m[1], platform, from: ins, instructions: [] });
    } else if (!df.stages.length) {
      if (ins.cmd !== 'ARG') throw dockerfileError(file, ins.line, `${ins.cmd} before the first FROM: only ARG may come first`);
      df.metaArgs.push(ins);
    } else {
      df.stages.at(-1)!.instructions.push(ins);
    }
  }
  if (!df.stages.length) throw dockerfileError(file, lines.length, 'no build stage in the Dockerfile (it needs a FROM)');
  return df;
}

/** Flag values of one name. */
export function flagValues(ins: Instruction, name: string): string[] {
  return ins.flags.filter((f) => f.name === name).map((f) => f.value);
}

/** The last value of a flag, or undefined. */
export function flag(ins: Instruction, name: string): string | undefined {
  return flagValues(ins, name).at(-1);
}
