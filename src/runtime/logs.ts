/** Reading a container's log: --since/--until/--tail filters, and following while it runs. */
import fs from 'node:fs';
import { parseRecord, parseTimeArg, type LogRecord } from '../model/log-record.ts';
import { observedState, isActive } from '../storage/state.ts';
import type { Container } from './lifecycle.ts';
import { UsageError } from '../errors.ts';

export interface LogOptions {
  since?: string;
  until?: string;
  /** Number of records from the end; undefined for all. */
  tail?: number;
  follow: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timeOf(r: LogRecord): number {
  return Date.parse(r.time);
}

/**
 * A k8s-file log as the monitor writes it (native/logfile.c): PATH, rotated
 * to PATH.1, PATH.2... before a write would pass its size. Reads the rotated
 * files oldest first, then PATH; while following, a rotation is seen by
 * PATH's inode changing: the rest of the file being read (now PATH.1) is read
 * to its end, then the new PATH from its start.
 */
class LogReader {
  private fd = -1;
  private ino = 0;
  private pos = 0;
  private pending = '';
  private started = false;

  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  read(): LogRecord[] {
    let text = '';
    if (!this.started) {
      this.started = true;
      let n = 1;
      while (fs.existsSync(`${this.path}.${n}`)) n++;
      for (let i = n - 1; i >= 1; i--) {
        try { text += fs.readFileSync(`${this.path}.${i}`, 'utf8'); } catch { /* rotated away meanwhile */ }
      }
    }
    for (;;) {
      if (this.fd < 0) {
        try { this.fd = fs.openSync(this.path, 'r'); } catch { break; }
        this.ino = fs.fstatSync(this.fd).ino;
        this.pos = 0;
      }
      text += this.drain();
      let now: number | undefined;
      try { now = fs.statSync(this.path).ino; } catch { /* between the rename and the new file */ }
      if (now === this.ino) break;
      // Rotated: what was written before the rename is read (drained above); on to the new file.
      text += this.drain();
      fs.closeSync(this.fd);
      this.fd = -1;
      if (now === undefined) break;
    }
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop()!;
    return lines.map(parseRecord).filter((r): r is LogRecord => !!r);
  }

  private drain(): string {
    // Cut in place (a log of one file is truncated, not renamed): from its start again.
    if (fs.fstatSync(this.fd).size < this.pos) {
      this.pos = 0;
      this.pending = '';
    }
    const chunks: Buffer[] = [];
    const buf = Buffer.alloc(1 << 16);
    for (let n; (n = fs.readSync(this.fd, buf, 0, buf.length, this.pos)) > 0; this.pos += n) chunks.push(Buffer.from(buf.subarray(0, n)));
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Yields log records in order; with follow, keeps reading until the container stops. */
export async function* readLogs(c: Container, opts: LogOptions): AsyncGenerator<LogRecord> {
  let since: number | undefined;
  let until: number | undefined;
  try {
    since = opts.since ? parseTimeArg(opts.since) : undefined;
    until = opts.until ? parseTimeArg(opts.until) : undefined;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const log = new LogReader(c.layout.log);
  const keep = (r: LogRecord) => (since === undefined || timeOf(r) >= since) && (until === undefined || timeOf(r) <= until);
  try {
    let first = log.read().filter(keep);
    if (opts.tail !== undefined) first = opts.tail > 0 ? first.slice(-opts.tail) : [];
    yield* first;
    if (!opts.follow) return;
    for (;;) {
      const s = observedState(c.layout);
      const done = !isActive(s) && !s.monitorPid;
      for (const r of log.read()) if (keep(r)) yield r;
      if (done || (until !== undefined && Date.now() > until)) return;
      await sleep(100);
    }
  } finally {
    log.close();
  }
}
