/**
 * The client side of attaching: relays the user's terminal or pipes to a
 * container's monitor, handles the detach keys (default Ctrl-P Ctrl-Q) and
 * proxies signals to the container.
 */
import net from 'node:net';
import os from 'node:os';
import { FRAME, FrameDecoder, encodeFrame } from '../model/attach-frames.ts';
import { TspodError, UsageError } from '../errors.ts';

export interface AttachIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export interface AttachOptions {
  io: AttachIo;
  tty: boolean;
  /** Forward the user's stdin. */
  stdin: boolean;
  /** Bytes that detach; empty disables. */
  detachKeys: Buffer;
  /** Signals to tspod are sent to this pid (docker's --sig-proxy). */
  proxySignalsTo?: () => number;
  /** --sig-proxy=false: tspod's signals stay tspod's (the container keeps running). */
  sigProxy?: boolean;
  /** Called when the exit frame comes, before the socket closes. */
  onExit?: () => void;
}

export interface AttachResult { detached: boolean; exitCode?: number; error?: string }

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** docker's --detach-keys: "ctrl-p,ctrl-q", "ctrl-@", letters. */
export function parseDetachKeys(spec: string): Buffer {
  if (!spec) return Buffer.alloc(0);
  return Buffer.from(spec.split(',').map((k) => {
    const key = k.trim().toLowerCase();
    const ctrl = /^ctrl-(.)$/.exec(key);
    if (ctrl) {
      const c = ctrl[1];
      if (c >= 'a' && c <= 'z') return c.charCodeAt(0) - 96;
      const special: Record<string, number> = { '@': 0, '[': 27, '\\': 28, ']': 29, '^': 30, '_': 31 };
      if (c in special) return special[c];
    } else if (key.length === 1) return key.charCodeAt(0);
    throw new UsageError(`invalid detach keys \`${spec}\`: use e.g. ctrl-p,ctrl-q`);
  }));
}

/** Watches input for the detach sequence; returns what to forward, holding back a partial match. */
export class DetachMatcher {
  private held: number[] = [];
  private readonly keys: Buffer;
  constructor(keys: Buffer) {
    this.keys = keys;
  }
  push(data: Buffer): { forward: Buffer; detach: boolean } {
    if (!this.keys.length) return { forward: data, detach: false };
    const out: number[] = [];
    for (const b of data) {
      if (b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detach: true };
      } else {
        out.push(...this.held);
        this.held = [];
        if (b === this.keys[0]) this.held.push(b);
        else out.push(b);
      }
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

export function connectMonitor(socket: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(socket, () => resolve(s));
    s.once('error', (err: NodeJS.ErrnoException) => reject(new TspodError('ERR_TSPOD_NOT_RUNNING',
      `attaching: the container's monitor is not reachable (${err.code ?? err.message})`)));
  });
}

/** Relays until the container exits (exit frame) or the user detaches. */
export function relay(sock: net.Socket, opts: AttachOptions): Promise<AttachResult> {
  const { io } = opts;
  return new Promise((resolve) => {
    const dec = new FrameDecoder();
    const matcher = new DetachMatcher(opts.tty ? opts.detachKeys : Buffer.alloc(0));
    const raw = opts.tty && opts.stdin && io.stdin.isTTY;
    let done = false;
    const finish = (r: AttachResult) => {
      if (done) return;
      done = true;
      if (raw) io.stdin.setRawMode(false);
      io.stdin.off('data', onInput);
      io.stdin.off('end', onEnd);
      io.stdin.pause();
      io.stdout.off('resize', onResize);
      for (const s of PROXIED) process.off(s, onSignal);
      sock.destroy();
      resolve(r);
    };
    const onInput = (d: Buffer) => {
      const { forward, detach } = matcher.push(d);
      if (forward.length) sock.write(encodeFrame(FRAME.STDIN, forward));
      if (detach) finish({ detached: true });
    };
    const onEnd = () => sock.write(encodeFrame(FRAME.STDIN_EOF));
    const onResize = () => sock.write(encodeFrame(FRAME.RESIZE, JSON.stringify({ rows: io.stdout.rows, cols: io.stdout.columns })));
    const onSignal = (sig: NodeJS.Signals) => {
      const pid = opts.proxySignalsTo?.();
      if (pid) try { process.kill(pid, os.constants.signals[sig]); } catch { /* gone */ }
    };
    sock.on('data', (chunk: Buffer) => {
      for (const f of dec.push(chunk)) {
        if (f.type === FRAME.STDOUT) io.stdout.write(f.payload);
        else if (f.type === FRAME.STDERR) io.stderr.write(f.payload);
        else if (f.type === FRAME.EXIT) {
          const { exitCode, error } = JSON.parse(f.payload.toString());
          // Before the socket closes: the monitor waits for its clients before it cleans up.
          opts.onExit?.();
          finish({ detached: false, exitCode, error });
        }
      }
    });
    sock.on('close', () => finish({ detached: false }));
    sock.on('error', () => finish({ detached: false }));
    if (opts.stdin) {
      if (raw) io.stdin.setRawMode(true);
      io.stdin.on('data', onInput);
      io.stdin.on('end', onEnd);
      io.stdin.resume();
    }
    if (opts.tty && io.stdout.isTTY) io.stdout.on('resize', onResize);
    if (opts.proxySignalsTo) for (const s of PROXIED) process.on(s, onSignal);
  });
}
