/**
 * Processes as /proc tells them. A bare pid is never trusted: pids are
 * reused (after a reboot, or once a process is gone), so a recorded process
 * is a ProcRef — its pid with its start time — and is the same process only
 * while both match.
 */
import fs from 'node:fs';
import type { ProcRef } from '../model/state.ts';

/** Fields of /proc/PID/stat after the command name: [state, ppid, ...]; undefined when unreadable. */
function statFields(pid: number): string[] | undefined {
  let stat: string;
  try { stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); } catch { return undefined; }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The ref of a live process now, or undefined when there is none (or only a zombie). */
export function procRef(pid: number): ProcRef | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const f = statFields(pid);
  if (!f || f[0] === 'Z' || f[0] === 'X') return undefined;
  return { pid, start: Number(f[19]) };
}

/**
 * Whether the recorded process still lives: same pid, same start time, not a
 * zombie (under a pid 1 that does not reap orphans, common in CI containers,
 * an exited monitor stays a zombie).
 */
export function sameProcess(ref: ProcRef | undefined): boolean {
  if (!ref) return false;
  const now = procRef(ref.pid);
  return now !== undefined && now.start === ref.start;
}

/** The pid namespace of a process (`pid:[4026531836]`), or undefined. */
export function pidNamespace(pid: number | 'self'): string | undefined {
  try { return fs.readlinkSync(`/proc/${pid}/ns/pid`); } catch { return undefined; }
}

/** Host pids of every process in pid namespace `ns`, never tspod's own one. */
export function pidsInNamespace(ns: string | undefined): number[] {
  if (!ns || ns === pidNamespace('self')) return [];
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (pidNamespace(Number(entry)) === ns) out.push(Number(entry));
  }
  return out.sort((a, b) => a - b);
}

/**
 * Whether a pid names a live process (EPERM still means it exists); a zombie
 * counts as gone. Only for pids that are not records (a lock owner that
 * wrote its pid a moment ago); a recorded process is checked with sameProcess.
 */
export function alive(pid: number): boolean {
  return procRef(pid) !== undefined;
}

/**
 * Parents of `pids` that live outside pid namespace `ns` and are stopped
 * (state T): helpers such as nsenter that followed their child into a stop.
 */
export function stoppedParentsOutside(pids: number[], ns: string | undefined): number[] {
  const out = new Set<number>();
  for (const pid of pids) {
    const ppid = Number(statFields(pid)?.[1] ?? 0);
    if (ppid <= 1 || pidNamespace(ppid) === ns) continue;
    if (statFields(ppid)?.[0] === 'T') out.add(ppid);
  }
  return [...out];
}
