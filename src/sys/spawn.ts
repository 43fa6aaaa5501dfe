/**
 * The one way tspod runs another program (unshare, newuidmap, skopeo-free
 * helpers...): argv is logged, failures become SubprocessError with the exit
 * status and stderr.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawn as nodeSpawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { SubprocessError, TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('sys');

export interface RunResult { status: number; stdout: string; stderr: string }

/** Runs argv to completion; throws SubprocessError unless it exits 0. */
export function runSync(argv: readonly string[], opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {}): RunResult {
  debug('run %o', argv);
  const r = spawnSync(argv[0], argv.slice(1), { input: opts.input, env: opts.env, encoding: 'utf8', maxBuffer: 64 << 20 });
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
