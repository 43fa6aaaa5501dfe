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
  const file = c.layout.log;
  let offset = 0;
  let pending = '';
  const readNew = (): LogRecord[] => {
    let fd: number;
    try { fd = fs.openSync(file, 'r'); } catch { return []; }
    try {
      const size = fs.fstatSync(fd).size;
      if (size <= offset) return [];
      const buf = Buffer.alloc(size - offset);
      fs.readSync(fd, buf, 0, buf.length, offset);
      offset = size;
      const text = pending + buf.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop()!;
      return lines.map(parseRecord).filter((r): r is LogRecord => !!r);
    } finally {
      fs.closeSync(fd);
    }
  };
  const keep = (r: LogRecord) => (since === undefined || timeOf(r) >= since) && (until === undefined || timeOf(r) <= until);
  let first = readNew().filter(keep);
  if (opts.tail !== undefined) first = opts.tail > 0 ? first.slice(-opts.tail) : [];
  yield* first;
  if (!opts.follow) return;
  for (;;) {
    const s = observedState(c.layout);
    const done = !isActive(s) && !s.monitorPid;
    for (const r of readNew()) if (keep(r)) yield r;
    if (done || (until !== undefined && Date.now() > until)) return;
    await sleep(100);
  }
}
