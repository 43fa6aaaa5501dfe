/**
 * Advisory file locks (flock). Held by the process, released by the kernel if
 * it dies, so a killed command never leaves the store locked.
 */
import fs from 'node:fs';
import { flock, LOCK } from '../sys/libc.ts';
import { TspodError } from '../errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs fn while holding an exclusive lock on `file`; waits up to timeoutMs. */
export async function withLock<T>(file: string, fn: () => T | Promise<T>, timeoutMs = 120_000): Promise<T> {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    const deadline = Date.now() + timeoutMs;
    let wait = 1;
    // Held for a few ms at a time: a waiter that slept long would leave it free while others wait (50 parallel runs).
    while (!flock(fd, LOCK.EX | LOCK.NB)) {
      if (Date.now() > deadline) throw new TspodError('ERR_TSPOD_LOCKED', `waiting for lock \`${file}\`: timed out`);
      await sleep(wait);
      wait = Math.min(wait * 2, 4);
    }
    return await fn();
  } finally {
    fs.closeSync(fd); // closing the last fd releases the lock
  }
}
