/**
 * A container's state, in two records written only by its monitor:
 * - `state.json` in the data dir: status, exit code, times, restart count —
 *   what survives a reboot;
 * - `live.json` in the run dir: the monitor's and the container's processes
 *   (pid + start time, and the container's pid namespace) — gone after a
 *   reboot, and never believed without checking /proc.
 * Commands leave requests as marker files in the run dir: stop-requested, paused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic, writeJsonVolatile } from './atomic.ts';
import { sameProcess, pidNamespace, pidsInNamespace } from '../sys/proc.ts';
import type { ProcRef } from '../model/state.ts';
import type { ContainerLayout } from './layout.ts';
import { ZERO_TIME, type ContainerState, type LiveState, type PersistentState } from '../model/state.ts';

export function initialState(): PersistentState {
  return { status: 'created', exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, restartCount: 0, error: '' };
}

const STATUSES = new Set(['created', 'running', 'restarting', 'exited']);

/** The persistent record, or undefined with the reason when it is damaged. */
export function readPersistent(layout: ContainerLayout): { state: PersistentState; damaged?: string } {
  let raw: unknown;
  try {
    raw = readJson<unknown>(layout.state, {});
  } catch (err) {
    return { state: { ...initialState(), status: 'exited' }, damaged: (err as Error).message };
  }
  const s = { ...initialState(), ...(raw && typeof raw === 'object' ? raw as Partial<PersistentState> : {}) };
  if (!STATUSES.has(s.status) || typeof s.exitCode !== 'number' || typeof s.restartCount !== 'number') {
    return { state: { ...initialState(), status: 'exited' }, damaged: `reading \`${layout.state}\`: not a state record` };
  }
  return { state: s };
}

export function writePersistent(layout: ContainerLayout, state: PersistentState): void {
  writeJsonAtomic(layout.state, state);
}

export function readLive(layout: ContainerLayout): LiveState {
  try {
    const live = readJson<LiveState>(layout.live, {});
    return live && typeof live === 'object' ? live : {};
  } catch {
    return {}; // a damaged live record names no process: nothing is signalled
  }
}

/** Live state is per boot: on tmpfs, no fsync. */
export function writeLive(layout: ContainerLayout, live: LiveState): void {
  fs.mkdirSync(layout.runDir, { recursive: true, mode: 0o700 });
  writeJsonVolatile(layout.live, live);
}

/** The record of the container's pid 1, taken while it is known to be it (the init reporting its pid). */
export function initRecord(ref: ProcRef): Pick<LiveState, 'init' | 'pidNs'> {
  return { init: ref, pidNs: pidNamespace(ref.pid) };
}

/** Whether the recorded pid 1 still is the container's: same process, same pid namespace, not tspod's own. */
function initAlive(live: LiveState): boolean {
  if (!live.init || !sameProcess(live.init)) return false;
  const ns = pidNamespace(live.init.pid);
  return ns !== undefined && ns === live.pidNs && ns !== pidNamespace('self');
}

/**
 * The state as it really is. After a reboot, a killed monitor or a reused
 * pid, a container recorded as running whose processes are gone is exited
 * with 255 (as docker reports containers it lost); a pid that now names
 * another process is never reported.
 */
export function observedState(layout: ContainerLayout): ContainerState {
  const { state, damaged } = readPersistent(layout);
  return observe(layout, state, damaged);
}

/**
 * The state as listings (`ps`) show it: the same status, exit code and
 * times as observedState, but live.json and /proc are consulted only when the
 * record says processes should exist (running, restarting). A created or
 * exited container has none to verify, so its pid and monitorPid are 0 (a
 * monitor that is still finishing is not reported; commands that wait for it
 * use observedState).
 */
export function listedState(layout: ContainerLayout): ContainerState {
  const { state, damaged } = readPersistent(layout);
  if (!damaged && (state.status === 'created' || state.status === 'exited')) return { ...state, pid: 0, monitorPid: 0 };
  return observe(layout, state, damaged);
}

function observe(layout: ContainerLayout, s: PersistentState, damaged: string | undefined): ContainerState {
  const live = readLive(layout);
  const monitorPid = sameProcess(live.monitor) ? live.monitor!.pid : 0;
  const pid = initAlive(live) ? live.init!.pid : 0;
  const base = { ...s, pid, monitorPid, pidNs: pid ? live.pidNs : undefined };
  if (damaged) return { ...base, status: 'unknown', error: damaged };
  if ((s.status === 'running' || s.status === 'restarting') && !monitorPid) {
    if (s.status === 'running' && pid) return base;
    return { ...base, status: 'exited', pid: 0, pidNs: undefined, exitCode: s.status === 'running' ? 255 : s.exitCode, error: s.error || 'monitor died' };
  }
  if (s.status === 'running' && fs.existsSync(layout.paused)) return { ...base, status: 'paused' };
  return base;
}

export function isActive(s: ContainerState): boolean {
  return s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
}

/** Host pids of every process of the container (its pid namespace); none unless its pid 1 is verified. */
export function containerPids(s: ContainerState): number[] {
  return s.pid ? pidsInNamespace(s.pidNs) : [];
}

/** The log of the container whose data dir is `dir` (for modules that have only the dir). */
export const logFile = (dir: string) => path.join(dir, 'ctr.log');

/** Leaves a request for the monitor (stop-requested, paused). */
export function mark(file: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  fs.writeFileSync(file, '', { mode: 0o600 });
}
