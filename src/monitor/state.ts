/**
 * A container's runtime state: state.json in its directory, written only by
 * its monitor (atomically), read by every command. Commands leave requests as
 * marker files the monitor reads: `stop-requested`, `paused`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../storage/atomic.ts';
import { alive } from '../sys/proc.ts';

export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'removing' | 'dead';

export interface ContainerState {
  status: Status;
  /** Host pid of the container's pid 1 while running. */
  pid: number;
  /** Host pid of the monitor while it lives. */
  monitorPid: number;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  error: string;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export function initialState(): ContainerState {
  return { status: 'created', pid: 0, monitorPid: 0, exitCode: 0, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, restartCount: 0, error: '' };
}

export const stateFile = (dir: string) => path.join(dir, 'state.json');
export const stopMarker = (dir: string) => path.join(dir, 'stop-requested');
export const pausedMarker = (dir: string) => path.join(dir, 'paused');
export const logFile = (dir: string) => path.join(dir, 'ctr.log');

export function readState(dir: string): ContainerState {
  return { ...initialState(), ...readJson<Partial<ContainerState>>(stateFile(dir), {}) };
}

export function writeState(dir: string, state: ContainerState): void {
  writeJsonAtomic(stateFile(dir), state);
}

/**
 * The state as it really is: a monitor killed with SIGKILL leaves "running"
 * behind; then the container is running only if its pid 1 still lives, and
 * otherwise exited with 255 (as docker reports containers it lost).
 */
export function observedState(dir: string): ContainerState {
  const s = readState(dir);
  if ((s.status === 'running' || s.status === 'restarting') && !alive(s.monitorPid)) {
    if (s.status === 'running' && alive(s.pid)) return { ...s, monitorPid: 0 };
    return { ...s, status: 'exited', pid: 0, monitorPid: 0, exitCode: s.status === 'running' ? 255 : s.exitCode, error: s.error || 'monitor died' };
  }
  if (s.status === 'running' && fs.existsSync(pausedMarker(dir))) return { ...s, status: 'paused' };
  return s;
}

export function isActive(s: ContainerState): boolean {
  return s.status === 'running' || s.status === 'paused' || s.status === 'restarting';
}
