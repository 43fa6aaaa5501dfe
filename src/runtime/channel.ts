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

export type ParentMessage =
  | { type: 'pty'; n: number; rows?: number; cols?: number }
  /** The network namespace is ready (address, routes, published ports). */
  | { type: 'net' };

/**
 * Blocks until one line arrives on fd 3 (child side). Reads a byte at a time
 * so nothing past the newline is consumed: messages are few and short.
 */
export function readLineSync(fd = CHANNEL_FD): string {
  const byte = Buffer.alloc(1);
  const bytes: number[] = [];
  for (;;) {
    let n: number;
    try {
      n = fs.readSync(fd, byte, 0, 1, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); continue; }
      throw err;
    }
    if (n === 0) throw new Error('channel closed');
    if (byte[0] === 0x0a) return Buffer.from(bytes).toString('utf8');
    bytes.push(byte[0]);
  }
}

export function send(msg: InitMessage | ParentMessage, fd = CHANNEL_FD): void {
  fs.writeSync(fd, JSON.stringify(msg) + '\n');
}

/**
 * The child's view of the parent's messages, which may come in any order:
 * `expect` returns the next one of a type, keeping the others for later.
 */
export function parentMessages(fd = CHANNEL_FD): { expect<T extends ParentMessage['type']>(type: T): Extract<ParentMessage, { type: T }> } {
  const early: ParentMessage[] = [];
  return {
    expect(type) {
      for (;;) {
        const i = early.findIndex((m) => m.type === type);
        if (i >= 0) return early.splice(i, 1)[0] as never;
        early.push(JSON.parse(readLineSync(fd)) as ParentMessage);
      }
    },
  };
}
