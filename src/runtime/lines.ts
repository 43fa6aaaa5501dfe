/** Newline-delimited messages from a stream, without readline (the monitor keeps its memory small). */
import type { Readable } from 'node:stream';

/** Calls onLine for each complete line; onEnd once the stream ends or fails. */
export function onLines(stream: Readable, onLine: (line: string) => void, onEnd?: () => void): () => void {
  let buf = '';
  const data = (chunk: Buffer | string) => {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      onLine(line);
    }
  };
  let ended = false;
  const end = () => { if (!ended) { ended = true; onEnd?.(); } };
  stream.on('data', data);
  stream.on('end', end);
  stream.on('close', end);
  stream.on('error', end);
  return () => { stream.off('data', data); };
}
