/** A container's state records (written by its monitor) and how a process is recorded. Values only; imports nothing of tspod. */

/** A process as recorded: pid and start time (clock ticks since boot, /proc/PID/stat field 22). */
export interface ProcRef {
  pid: number;
  start: number;
}

/** `unknown`: the state record is damaged (podman's word for it). */
export type Status = 'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'unknown';

/** What survives a reboot. */
export interface PersistentState {
  status: Exclude<Status, 'paused' | 'unknown'>;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  error: string;
}

/** What describes live processes. */
export interface LiveState {
  monitor?: ProcRef;
  /** The container's pid 1, and its pid namespace. */
  init?: ProcRef;
  pidNs?: string;
}

/** The state as it really is, checked against /proc. */
export interface ContainerState {
  status: Status;
  /** Host pid of the container's pid 1 while it verifiably runs, else 0. */
  pid: number;
  /** Host pid of the monitor while it verifiably lives, else 0. */
  monitorPid: number;
  /** The container's pid namespace while pid is set. */
  pidNs?: string;
  exitCode: number;
  startedAt: string;
  finishedAt: string;
  restartCount: number;
  error: string;
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
