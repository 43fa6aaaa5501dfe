/**
 * The attach protocol between a container's monitor and its clients, over a
 * unix socket: frames of [type u8][length u32 big-endian][payload].
 */

export const FRAME = {
  STDIN: 0, STDOUT: 1, STDERR: 2, RESIZE: 3, EXIT: 4, STDIN_EOF: 5,
} as const;

export interface Frame { type: number; payload: Buffer }

export function encodeFrame(type: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

/** Incremental decoder: feed chunks, get whole frames. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: Frame[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32BE(1);
      if (this.buf.length < 5 + len) break;
      out.push({ type: this.buf[0], payload: this.buf.subarray(5, 5 + len) });
      this.buf = this.buf.subarray(5 + len);
    }
    return out;
  }
}
