/**
 * Container logs in the k8s-file format podman uses: one record per line,
 * `<RFC3339 nano time> <stdout|stderr> <F|P> <text>`, P marking a partial
 * line that the next record continues.
 */
import { UsageError } from '../errors.ts';

export type Stream = 'stdout' | 'stderr';

export interface LogRecord { time: string; stream: Stream; partial: boolean; text: string }

/** Nanosecond-precision RFC 3339 time from a millisecond clock plus a counter. */
export function logTime(ms: number = Date.now(), nanos = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-01-01T00:00:00.123Z
  const frac = `${iso.slice(20, 23)}${String(nanos % 1_000_000).padStart(6, '0')}`;
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Splits output into records; a chunk not ending in a newline ends with a partial record. */
export function formatChunk(stream: Stream, chunk: Buffer, time: string): string {
  const text = chunk.toString('utf8');
  const lines = text.split('\n');
  const last = lines.pop()!;
  let out = '';
  for (const l of lines) out += `${time} ${stream} F ${l}\n`;
  if (last) out += `${time} ${stream} P ${last}\n`;
  return out;
}

export function parseRecord(line: string): LogRecord | undefined {
  const m = /^(\S+) (stdout|stderr) ([FP]) (.*)$/s.exec(line);
  if (!m) return undefined;
  return { time: m[1], stream: m[2] as Stream, partial: m[3] === 'P', text: m[4] };
}

/** The text a record stands for on the container's stream. */
export function recordText(r: LogRecord): string {
  return r.partial ? r.text : `${r.text}\n`;
}

/** docker's --since/--until: RFC 3339 time, unix seconds, or a duration like 10m, 1h30m. */
export function parseTimeArg(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(value);
  if (dur && value) return now - ((Number(dur[1] ?? 0) * 60 + Number(dur[2] ?? 0)) * 60 + Number(dur[3] ?? 0)) * 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`invalid time \`${value}\`: use RFC 3339, unix seconds or a duration like 10m`);
  return t;
}
