/**
 * Running a spec (docs/runtime.md) with the native helper: `init` creates
 * and starts a container, `exec` runs another process in it with the same
 * confinement. The helper is single-threaded, so it enters namespaces itself.
 */
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { start } from '../sys/spawn.ts';
import { nativeHelper } from '../sys/native.ts';

export interface Started {
  /** The helper: in the container's namespaces (but the pid one), parent of its pid 1; exits with its status. */
  child: ChildProcess;
  /** fd 3 of the helper: the channel (pid, ptmx, errors; pty and net answers). */
  channel: Duplex;
}

/** Starts `tspod-rt init SPEC` with the container's stdio; the caller owns the child. */
export function startInit(specFile: string, stdio: Array<number | 'ignore' | 'pipe'>): Started {
  const child = start([nativeHelper(), 'init', specFile], { stdio: [...stdio.slice(0, 3), 'pipe'] as StdioOptions });
  const channel = child.stdio[3] as Duplex;
  channel.on('error', () => { /* the helper went away: its exit says why */ });
  return { child, channel };
}

/**
 * argv that runs the process of `specFile` inside the container whose pid 1
 * is `pid`; `detach`: it outlives the caller (otherwise it dies with it).
 */
export function execArgv(pid: number, specFile: string, opts: { detach?: boolean } = {}): string[] {
  return [nativeHelper(), 'exec', ...(opts.detach ? ['--detach'] : []), String(pid), specFile];
}
