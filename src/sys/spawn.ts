/**
 * The one way tspod runs another program (unshare, newuidmap, skopeo-free
 * helpers...): argv is logged, failures become SubprocessError with the exit
 * status and stderr.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { spawn as nodeSpawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { SubprocessError, TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('sys');

export interface RunResult { status: number; stdout: string; stderr: string }

/** Runs argv to completion; throws SubprocessError unless it exits 0. */
export function runSync(argv: readonly string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {}): RunResult {
  debug('run %o', argv);
  const r = spawnSync(argv[0], argv.slice(1), { input: opts.input, env: opts.env, cwd: opts.cwd, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw new TspodError('ERR_TSPOD_SUBPROCESS', `running \`${argv[0]}\`: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`, { cause: r.error });
  if (r.status !== 0) throw new SubprocessError(argv, r.status, r.stderr ?? '');
  return { status: 0, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Async variant of runSync. */
export function run(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  debug('run %o', argv);
  return new Promise((resolve, reject) => {
    const child = nodeSpawn(argv[0], argv.slice(1), { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err: NodeJS.ErrnoException) =>
      reject(new TspodError('ERR_TSPOD_SUBPROCESS', `running \`${argv[0]}\`: ${err.code ?? err.message}`, { cause: err })));
    child.on('close', (status) => {
      if (status === 0) resolve({ status, stdout, stderr });
      else reject(new SubprocessError(argv, status, stderr));
    });
  });
}

/** Starts argv with the given stdio and returns the child; the caller owns it. */
export function start(argv: readonly string[], opts: SpawnOptions): ChildProcess {
  debug('start %o', argv);
  return nodeSpawn(argv[0], argv.slice(1), opts);
}

/** The executable `name` resolves to on PATH, or undefined. */
export function which(name: string, pathVar: string = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string | undefined {
  if (name.includes('/')) return name;
  for (const dir of pathVar.split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch { /* next */ }
  }
  return undefined;
}

/**
 * Collects what a child writes on `stream` (the first `limit` characters);
 * the returned function gives it so far, one line, blank lines and syslog
 * complaints (pasta tries syslog and says so when there is none) left out.
 */
export function collect(stream: Readable | null | undefined, limit = 4096): () => string {
  let text = '';
  stream?.setEncoding('utf8').on('data', (d: string) => { if (text.length < limit) text += d; });
  return () => text.split('\n').filter((l) => l.trim() && !/syslog/.test(l)).join('; ');
}

/** Collects a child's stderr whole; the returned function gives it so far, as written. */
export function collectAll(stream: Readable | null | undefined): () => string {
  let text = '';
  stream?.setEncoding('utf8').on('data', (d: string) => (text += d));
  return () => text;
}

/** Exit of a child as a shell would report it: the status, or 128+signal. */
export function exitStatus(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    if (child.signalCode !== null) return resolve(128 + os.constants.signals[child.signalCode]);
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}

/**
 * Exit of a child as exitStatus reports it, once its stdio pipes are also
 * closed: what it printed last has been read ('exit' can come first).
 * Only for children that leave no grandchild holding their pipes.
 */
export function closeStatus(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
}

/**
 * Resolves when the child exits, with one line saying how (and its last
 * words, if they come soon: a child of it may hold the pipe open).
 */
export function exitMessage(child: ChildProcess, what: string, output: () => string): Promise<string> {
  return new Promise((resolve) => child.once('exit', (code, signal) => {
    const say = () => resolve(`${what} exited (${signal ?? `status ${code}`})${output() ? `: ${output()}` : ''}`);
    const timer = setTimeout(say, 100);
    child.once('close', () => { clearTimeout(timer); say(); });
  }));
}

/** Waits for a started child; throws SubprocessError (status and stderr) unless it exits 0. Its stderr must be a pipe. */
export async function supervise(child: ChildProcess, argv: readonly string[]): Promise<void> {
  const stderr = collectAll(child.stderr);
  const status = await exitStatus(child);
  if (status !== 0) throw new SubprocessError(argv, status, stderr());
}
