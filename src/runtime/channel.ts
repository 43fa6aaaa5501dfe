/**
 * The channel between the monitor and the native helper's `init`
 * (docs/runtime.md): fd 3 of the helper, newline-delimited JSON both ways.
 * The helper's end closes on exec (close-on-exec), which tells the monitor
 * the command started.
 */

export type InitMessage =
  | { type: 'pid'; pid: number }
  | { type: 'ptmx'; path: string }
  | { type: 'error'; code: string; message: string; exit: number };

export type ParentMessage =
  | { type: 'pty'; n: number; rows?: number; cols?: number }
  /** The network namespace is ready (address, routes, published ports). */
  | { type: 'net' };
