/**
 * `exec`: a new process in a running container's namespaces, started by the
 * native helper (`tspod-rt exec`, which can setns: Node cannot) with the
 * container's own spec, so it gets exactly the container's confinement
 * (capabilities, no_new_privs, seccomp, user). For -t the pty comes from the
 * container's own devpts; the helper makes it the controlling terminal.
 */
import fs from 'node:fs';
import os from 'node:os';
import tty from 'node:tty';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { start } from '../sys/spawn.ts';
import { writeJsonVolatile } from '../storage/atomic.ts';
import { execSpec, type OciSpec } from './spec.ts';
import { execArgv } from './oci-runtime.ts';
import { unlockPty, setWinsize, pipe2 } from '../sys/libc.ts';
import { expandEnvArg, mergeEnv, envValue } from './env.ts';
import type { Container } from './lifecycle.ts';
import type { AttachIo } from './attach-client.ts';
import { TspodError } from '../errors.ts';
import { randomHex } from '../sys/random.ts';

export interface ExecOptions {
  command: string[];
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  user?: string;
  workdir?: string;
  env: string[];
}

/**
 * The spec of this exec: the container's own (its exact confinement) with
 * this process; written beside it in the run dir, removed by `done()`.
 */
function writeExecSpec(c: Container, opts: ExecOptions, env: string[]): { file: string; done(): void } {
  let container: OciSpec;
  try {
    container = JSON.parse(fs.readFileSync(c.layout.spec, 'utf8')) as OciSpec;
  } catch {
    throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `container ${c.rec.name} was started without a runtime spec (by an older tspod?): restart it`);
  }
  const spec = execSpec(container, { args: opts.command, env, cwd: opts.workdir ?? c.rec.config.workingDir ?? '/', user: opts.user ?? c.rec.config.user, terminal: opts.tty });
  const file = path.join(c.layout.runDir, `exec-${process.pid}-${randomHex(4)}.json`);
  writeJsonVolatile(file, spec);
  return { file, done: () => fs.rmSync(file, { force: true }) };
}

function relayPty(masterFd: number, io: AttachIo, interactive: boolean): () => void {
  const master = new tty.ReadStream(masterFd);
  master.on('data', (d: Buffer) => io.stdout.write(d));
  master.on('error', () => { /* EIO when the process side closes */ });
  const resize = () => { try { setWinsize(masterFd, { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 }); } catch { /* closed */ } };
  if (io.stdout.isTTY) io.stdout.on('resize', resize);
  const raw = interactive && io.stdin.isTTY;
  if (raw) io.stdin.setRawMode(true);
  const onInput = (d: Buffer) => { try { fs.writeSync(masterFd, d); } catch { /* closed */ } };
  if (interactive) io.stdin.on('data', onInput).resume();
  return () => {
    if (raw) io.stdin.setRawMode(false);
    io.stdin.off('data', onInput);
    io.stdin.pause();
    io.stdout.off('resize', resize);
    master.destroy();
  };
}

/** Runs the command; resolves with its exit status (0 at once with detach). */
export async function execInContainer(c: Container, opts: ExecOptions, io: AttachIo): Promise<number> {
  if (c.state.status === 'paused') throw new TspodError('ERR_TSPOD_PAUSED', `container ${c.rec.name} is paused, unpause it first`);
  if (c.state.status !== 'running' || !c.state.pid) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${c.rec.name} is not running`);
  if (!opts.command.length) throw new TspodError('ERR_TSPOD_USAGE', 'exec needs a command');
  const pid = c.state.pid;
  // docker: a tty gets TERM=xterm unless the container or -e sets it (never the host's TERM).
  const term = opts.tty && envValue(c.rec.config.env, 'TERM') === undefined ? ['TERM=xterm'] : [];
  const env = mergeEnv(c.rec.config.env, term, opts.env.flatMap((e) => expandEnvArg(e, process.env)));
  const spec = writeExecSpec(c, opts, env);
  const argv = execArgv(pid, spec.file, { detach: opts.detach });
  if (opts.detach) {
    // The spec stays until the container is removed (its run dir): the helper reads it after we return.
    const child = start(argv, { stdio: 'ignore', detached: true });
    child.unref();
    return 0;
  }
  let child: ChildProcess;
  let cleanup = () => {};
  let drained: Promise<unknown> = Promise.resolve();
  let stdinEnd = () => {};
  if (opts.tty) {
    const masterFd = fs.openSync(`/proc/${pid}/root/dev/pts/ptmx`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const n = unlockPty(masterFd);
    setWinsize(masterFd, { rows: io.stdout.rows || 24, cols: io.stdout.columns || 80 });
    const slave = fs.openSync(`/proc/${pid}/root/dev/pts/${n}`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    child = start(argv, { stdio: [slave, slave, slave] });
    fs.closeSync(slave);
    cleanup = relayPty(masterFd, io, opts.interactive);
  } else {
    // Real pipes, as the container's own processes get: /dev/stdout opens.
    const [outR, outW] = pipe2();
    const [errR, errW] = pipe2();
    const stdinPipe = opts.interactive ? pipe2() : undefined;
    try {
      child = start(argv, { stdio: [stdinPipe?.[0] ?? 'ignore', outW, errW] });
    } finally {
      for (const fd of [outW, errW, stdinPipe?.[0]]) if (fd !== undefined) fs.closeSync(fd);
    }
    const out = new net.Socket({ fd: outR, readable: true, writable: false });
    const err = new net.Socket({ fd: errR, readable: true, writable: false });
    out.on('data', (d: Buffer) => io.stdout.write(d));
    err.on('data', (d: Buffer) => io.stderr.write(d));
    drained = Promise.all([out, err].map((sock) => new Promise((r) => sock.once('close', r))));
    const endOutput = cleanup;
    cleanup = () => { endOutput(); out.destroy(); err.destroy(); };
    if (stdinPipe) {
      const input = new net.Socket({ fd: stdinPipe[1], readable: false, writable: true });
      input.on('error', () => { /* closed */ });
      io.stdin.pipe(input);
      stdinEnd = () => { io.stdin.unpipe(input); input.destroy(); };
    }
  }
  const forward = (sig: NodeJS.Signals) => { try { child.kill(sig); } catch { /* gone */ } };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  if (!opts.tty) for (const s of signals) process.on(s, forward);
  const status = await new Promise<number>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => reject(new TspodError('ERR_TSPOD_SUBPROCESS', `running the native helper: ${err.code}`)));
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
  });
  // Output still in the pipes is read; a background process keeping them open is not waited for long.
  await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
  for (const s of signals) process.off(s, forward);
  if (opts.tty) await new Promise((r) => setTimeout(r, 20));
  cleanup();
  stdinEnd();
  spec.done();
  return status;
}
