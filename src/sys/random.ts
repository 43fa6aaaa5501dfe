/**
 * Random ids and names, and the sha256 of small things, without loading
 * node:crypto when a command starts: that module alone took ~4 ms of every
 * `run`. The bytes come from the kernel (/dev/urandom, getrandom's source);
 * node:crypto is loaded only when something is hashed.
 */
import fs from 'node:fs';

type Crypto = typeof import('node:crypto');
const crypto = (): Crypto => process.getBuiltinModule('node:crypto');

export function randomBytes(n: number): Buffer {
  const buf = Buffer.alloc(n);
  let fd: number;
  try {
    fd = fs.openSync('/dev/urandom', 'r');
  } catch {
    return crypto().randomBytes(n); // no /dev in this mount namespace
  }
  try {
    for (let got = 0; got < n;) got += fs.readSync(fd, buf, got, n - got, null);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** A uniform integer in [0, max), max < 2^32. */
export function randomInt(max: number): number {
  const limit = 2 ** 32 - (2 ** 32 % max);
  for (;;) {
    const v = randomBytes(4).readUInt32LE(0);
    if (v < limit) return v % max;
  }
}

export const sha256Hex = (data: string | Buffer): string => crypto().createHash('sha256').update(data).digest('hex');
