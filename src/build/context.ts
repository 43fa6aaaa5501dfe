/**
 * The build context: a directory (or a tar, or nothing, from stdin), the
 * Dockerfile (`-f`, else Dockerfile, else Containerfile), and the ignore
 * rules. COPY and ADD read it only through `match` and `walk`, which never
 * leave the context directory and never return an ignored path.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { contextFilter, parseIgnore } from './ignore.ts';
import { TspodError } from '../errors.ts';

export interface ContextFile {
  /** Path relative to the context root ('' for the root). */
  rel: string;
  abs: string;
  st: fs.Stats;
}

export class BuildContext {
  readonly dir: string;
  private readonly keep: (rel: string) => boolean;
  constructor(dir: string, keep: (rel: string) => boolean) {
    this.dir = dir;
    this.keep = keep;
  }

  allowed(rel: string): boolean { return !rel || this.keep(rel); }

  /** Every path the source `src` (context-relative, may hold `*?[` globs) names; empty when none. */
  match(src: string): ContextFile[] {
    const clean = path.posix.normalize('/' + src).replace(/^\/+/, '').replace(/\/+$/, '');
    if (/[*?[]/.test(clean)) {
      const parts = clean.split('/');
      let found: string[] = [''];
      for (const part of parts) {
        const re = globPart(part);
        const next: string[] = [];
        for (const base of found) {
          const abs = path.join(this.dir, base);
          let names: string[] = [];
          try { names = fs.readdirSync(abs).sort(); } catch { continue; }
          for (const n of names) if (re.test(n)) next.push(base ? `${base}/${n}` : n);
        }
        found = next;
      }
      return found.filter((r) => this.allowed(r)).map((r) => this.file(r)).filter((f): f is ContextFile => !!f);
    }
    if (!this.allowed(clean)) return [];
    const f = this.file(clean);
    return f ? [f] : [];
  }

  /**
   * The entry at `rel`, never reached through a symlink: a link in the
   * context on the way to it (`linkdir/file` with linkdir -> /home/me/.ssh)
   * could otherwise hand a host file to COPY. The entry itself may be a link
   * (copied as a link).
   */
  private file(rel: string): ContextFile | undefined {
    const abs = path.join(this.dir, rel);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) return undefined;
    if (rel) {
      let parent: string;
      try { parent = fs.realpathSync(path.dirname(abs)); } catch { return undefined; }
      if (parent !== path.join(this.realRoot(), path.posix.dirname(rel))) return undefined;
    }
    return { rel, abs, st };
  }

  private root?: string;
  private realRoot(): string {
    this.root ??= fs.realpathSync(this.dir);
    return this.root;
  }

  /** A directory's entries below it, depth first, sorted, ignored ones left out (directories kept when something inside is re-included). */
  walk(dir: ContextFile): ContextFile[] {
    const out: ContextFile[] = [];
    const visit = (rel: string) => {
      let names: string[];
      try { names = fs.readdirSync(path.join(this.dir, rel)).sort(); } catch { return; }
      for (const n of names) {
        const r = rel ? `${rel}/${n}` : n;
        const f = this.file(r)!;
        if (!f) continue;
        if (f.st.isDirectory()) {
          const at = out.length;
          visit(r);
          if (this.allowed(r) || out.length > at) out.splice(at, 0, f);
        } else if (this.allowed(r)) out.push(f);
      }
    };
    visit(dir.rel);
    return out;
  }
}

function globPart(p: string): RegExp {
  let re = '^';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) { re += '\\['; continue; }
      let cls = p.slice(i + 1, end);
      if (cls.startsWith('^') || cls.startsWith('!')) cls = '^' + cls.slice(1);
      re += `[${cls}]`;
      i = end;
    } else if (c === '\\' && i + 1 < p.length) re += p[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** The sha256 of a file's bytes. */
export function fileSha(abs: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
}

export interface OpenedContext {
  context: BuildContext;
  dockerfile: string;
  /** The Dockerfile's name for messages (`Dockerfile`, `Containerfile`, the -f path). */
  dockerfileName: string;
  /** A temp dir to remove once the build ends (a context from stdin). */
  temp?: string;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

const isTar = (b: Buffer) => b.length >= 262 && b.subarray(257, 262).toString('latin1') === 'ustar';

/**
 * The context and Dockerfile of a build. `contextArg` `-` reads stdin: a tar
 * (plain or gzip) is the context, anything else is the Dockerfile with an
 * empty context. `file` `-` reads the Dockerfile from stdin.
 */
export async function openContext(opts: { contextArg: string; file?: string; stdin: Readable; tempDir: () => string; cwd?: string }): Promise<OpenedContext> {
  const cwd = opts.cwd ?? process.cwd();
  let dir: string;
  let temp: string | undefined;
  let dockerfile: string | undefined;
  let dockerfileName = 'Dockerfile';
  let dockerfilePath: string | undefined;
  if (opts.contextArg === '-') {
    let data = await readAll(opts.stdin);
    temp = opts.tempDir();
    dir = path.join(temp, 'context');
    fs.mkdirSync(dir, { mode: 0o700 });
    if (data[0] === 0x1f && data[1] === 0x8b) data = zlib.gunzipSync(data);
    if (isTar(data)) {
      const tmp = path.join(temp, 'context.tar');
      fs.writeFileSync(tmp, data);
      await pipeline(fs.createReadStream(tmp), tar.x({ cwd: dir, preserveOwner: false }) as unknown as NodeJS.WritableStream);
      fs.rmSync(tmp);
    } else {
      dockerfile = data.toString('utf8');
    }
  } else {
    dir = path.resolve(cwd, opts.contextArg);
    const st = fs.statSync(dir, { throwIfNoEntry: false });
    if (!st?.isDirectory()) throw new TspodError('ERR_TSPOD_USAGE', `unable to prepare context: path \`${opts.contextArg}\` not found or not a directory`);
  }
  if (opts.file === '-') {
    if (opts.contextArg === '-') throw new TspodError('ERR_TSPOD_USAGE', 'the Dockerfile and the context cannot both come from stdin');
    dockerfile = (await readAll(opts.stdin)).toString('utf8');
  } else if (dockerfile === undefined) {
    if (opts.file) {
      // -f is relative to the current directory (docker); a context from stdin looks inside the tar.
      dockerfilePath = opts.contextArg === '-' ? path.join(dir, opts.file) : path.resolve(cwd, opts.file);
      if (!fs.existsSync(dockerfilePath) && fs.existsSync(path.join(dir, opts.file))) dockerfilePath = path.join(dir, opts.file);
    } else {
      dockerfilePath = ['Dockerfile', 'Containerfile', 'dockerfile', 'containerfile'].map((n) => path.join(dir, n)).find((p) => fs.existsSync(p)) ?? path.join(dir, 'Dockerfile');
    }
    try {
      dockerfile = fs.readFileSync(dockerfilePath, 'utf8');
    } catch {
      throw new TspodError('ERR_TSPOD_USAGE', `unable to find a Dockerfile or Containerfile: \`${dockerfilePath}\` does not exist`);
    }
    dockerfileName = path.basename(dockerfilePath);
  }
  // The ignore file: <Dockerfile>.dockerignore beside it, then .dockerignore (.containerignore) at the context root.
  const candidates = [...(dockerfilePath ? [`${dockerfilePath}.dockerignore`] : []), path.join(dir, '.dockerignore'), path.join(dir, '.containerignore')];
  const ignoreFile = candidates.find((c) => fs.existsSync(c));
  const patterns = ignoreFile ? parseIgnore(fs.readFileSync(ignoreFile, 'utf8')) : [];
  const keep = [...(dockerfilePath?.startsWith(dir + path.sep) ? [path.relative(dir, dockerfilePath)] : []), '.dockerignore'];
  return { context: new BuildContext(dir, contextFilter(patterns, keep)), dockerfile, dockerfileName, temp };
}
