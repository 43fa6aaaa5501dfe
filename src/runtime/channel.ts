/**
 * The sync channel between tspod and a program it starts in new namespaces:
 * fd 3 in the child, newline-delimited JSON both ways. The child's end closes
 * on exec (close-on-exec), which tells the parent the command started.
 */
import fs from 'node:fs';

export const CHANNEL_FD = 3;

export type InitMessage =
  | { type: 'pid'; pid: number }
  | { type: 'ptmx'; path: string }
  | { type: 'error'; code: string; message: string; exit: number };

export type ParentMessage = { type: 'pty'; n: number; rows?: number; cols?: number };

let pending = '';

/** Blocks until one line arrives on fd 3 (child side). */
export function readLineSync(fd = CHANNEL_FD): string {
  const buf = Buffer.alloc(4096);
  for (;;) {
    const nl = pending.indexOf('\n');
    if (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      return line;
    }
    let n: number;
    try {
      n = fs.readSync(fd, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); continue; }
      throw err;
    }
    if (n === 0) throw new Error('channel closed');
    pending += buf.toString('utf8', 0, n);
  }
}

export function send(msg: InitMessage | ParentMessage, fd = CHANNEL_FD): void {
  fs.writeSync(fd, JSON.stringify(msg) + '\n');
}
