/**
 * The monitor's control pipe (fd 3 of `tspod-rt monitor`, native/monitor.c): what the starting
 * command asks and what the monitor reports, one JSON object a line.
 */

/** From the starting command, once the monitor listens: start the container (with the terminal size, for -t). */
export interface StartRequest { type: 'start'; rows?: number; cols?: number }

/** From the monitor: listening, then started (or error), later exited. */
export type MonitorEvent =
  | { type: 'listening' }
  | { type: 'started'; pid: number }
  | { type: 'error'; code: string; message: string; exit: number }
  | { type: 'exited'; exitCode: number };
