/**
 * The per-container monitor (`__monitor`), started detached for every
 * container. It parents the namespace trampoline, writes the container's
 * output to its log and to attached clients, records exit status and times,
 * applies the restart policy, removes --rm containers, and exits when the
 * container is done. It loads koffi only for containers with a tty.
 *
 * fd 3 is the control pipe from the command that started it: the monitor
 * reports {listening}, waits for {start}, then reports {started} or {error}.
 */
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import tty from 'node:tty';
import path from 'node:path';
import { enterNamespaces, removeTrees, type Namespace } from '../userns/trampoline.ts';
import { initArgv } from '../sys/self.ts';
import { FRAME, FrameDecoder, encodeFrame } from './protocol.ts';
import { formatChunk, logTime, type Stream } from './logfile.ts';
import { readState, writeState, observedState, stopMarker, pausedMarker, logFile, type ContainerState } from './state.ts';
import { parseNetworkMode, waitsForNetwork } from '../slirp/mode.ts';
import { outboundOf } from '../slirp/hosts.ts';
import { attachEndpoint, ifnameFor } from '../slirp/bridge.ts';
import { findNetwork } from '../slirp/networks.ts';
import { startUserMode, type UserModeStack } from '../slirp/usermode.ts';
import { ensureHolder } from '../slirp/holder.ts';
import { shouldRestart, nextDelay, parseRestartPolicy } from './restart.ts';
import { socketPath, ensureSocketDir } from './paths.ts';
import { onLines } from './lines.ts';
import { unlockPty, setWinsize } from '../sys/libc.ts';
import type { ContainerRecord } from '../storage/containers.ts';
import type { InitMessage } from '../runtime/channel.ts';
import { logger } from '../log.ts';
import { describeError } from '../errors.ts';

const debug = logger('monitor');

export interface StartRequest { type: 'start'; rows?: number; cols?: number }
export type MonitorEvent =
  | { type: 'listening' }
  | { type: 'started'; pid: number }
  | { type: 'error'; code: string; message: string; exit: number }
  | { type: 'exited'; exitCode: number };

interface RunResult { exitCode: number; error?: { code: string; message: string; exit: number } }

class Monitor {
  private readonly dir: string;
  private readonly rec: ContainerRecord;
  private readonly clients = new Set<net.Socket>();
  private state: ContainerState;
  private logFd: number;
  private seq = 0;
  private writeStdin: ((d: Buffer) => void) | undefined;
  private endStdin: (() => void) | undefined;
  private resize: ((rows: number, cols: number) => void) | undefined;
  private size = { rows: 24, cols: 80 };
  private readonly report: (e: MonitorEvent) => void;

  private readonly storeRoot: string;
  private readonly runRoot: string;

  constructor(storeRoot: string, runRoot: string, id: string, report: (e: MonitorEvent) => void) {
    this.storeRoot = storeRoot;
    this.runRoot = runRoot;
    this.dir = path.join(storeRoot, 'containers', id);
    this.rec = JSON.parse(fs.readFileSync(path.join(this.dir, 'container.json'), 'utf8'));
    this.state = readState(this.dir);
    this.logFd = fs.openSync(logFile(this.dir), 'a', 0o600);
    this.report = report;
  }

  private setState(patch: Partial<ContainerState>): void {
    this.state = { ...this.state, ...patch };
    writeState(this.dir, this.state);
  }

  private output(stream: Stream, data: Buffer): void {
    fs.writeSync(this.logFd, formatChunk(stream, data, logTime(Date.now(), this.seq++)));
    const frame = encodeFrame(stream === 'stdout' ? FRAME.STDOUT : FRAME.STDERR, data);
    for (const c of this.clients) c.write(frame);
  }

  async listen(): Promise<net.Server> {
    ensureSocketDir(this.runRoot);
    const sock = socketPath(this.runRoot, this.rec.id);
    fs.rmSync(sock, { force: true });
    const server = net.createServer((client) => {
      this.clients.add(client);
      const dec = new FrameDecoder();
      client.on('data', (chunk: Buffer) => {
        for (const f of dec.push(chunk)) {
          if (f.type === FRAME.STDIN) this.writeStdin?.(f.payload);
          else if (f.type === FRAME.STDIN_EOF) this.endStdin?.();
          else if (f.type === FRAME.RESIZE) {
            const { rows, cols } = JSON.parse(f.payload.toString());
            this.size = { rows, cols };
            this.resize?.(rows, cols);
          }
        }
      });
      client.on('error', () => this.clients.delete(client));
      client.on('close', () => this.clients.delete(client));
    });
    await new Promise<void>((resolve, reject) => server.listen(sock, resolve).once('error', reject));
    return server;
  }

  /** One start of the container, until its pid 1 exits. */
  private async runOnce(onStarted: (pid: number) => void): Promise<RunResult> {
    const { config, hostConfig } = this.rec;
    debug('starting %s', this.rec.id.slice(0, 12));
    const namespaces: Namespace[] = ['mount', 'pid', 'uts', 'ipc'];
    const network = parseNetworkMode(hostConfig.networkMode);
    if (network.kind !== 'host') namespaces.push('net');
    // In the network host's user namespace, or the one of the container whose network this one shares.
    const join = network.kind === 'container' ? { pid: this.runningPid(network.ref), net: true } : { pid: await ensureHolder(this.runRoot), net: false };
    const { child, channel } = await enterNamespaces({
      namespaces,
      join,
      argv: [...initArgv(), this.storeRoot, this.rec.id],
      stdio: config.tty ? ['ignore', 'ignore', 'pipe'] : [config.openStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let error: RunResult['error'];
    let master: tty.ReadStream | undefined;
    if (!config.tty) {
      child.stdout!.on('data', (d: Buffer) => this.output('stdout', d));
      if (child.stdin) {
        child.stdin.on('error', () => { /* container closed its stdin */ });
        this.writeStdin = (d) => child.stdin!.write(d);
        this.endStdin = () => child.stdin!.end();
      }
    }
    child.stderr!.on('data', (d: Buffer) => this.output('stderr', d));
    let pid = 0;
    // The init's end of the channel is close-on-exec: EOF without an error means the command runs.
    channel.once('end', () => { debug('exec done'); if (!error && pid) onStarted(pid); });
    const stopLines = onLines(channel, (line) => {
      const msg = JSON.parse(line) as InitMessage;
      if (msg.type === 'pid') {
        debug('init reported pid %d', msg.pid);
        pid = msg.pid;
        this.setState({ status: 'running', pid: msg.pid, startedAt: new Date().toISOString(), error: '' });
      } else if (msg.type === 'ptmx') {
        master = this.openPty(msg.path, (n) => channel.write(JSON.stringify({ type: 'pty', n }) + '\n'));
      } else if (msg.type === 'error') {
        error = msg;
      }
    });
    const closed = new Promise<number>((resolve) => {
      child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    let stack: UserModeStack | undefined;
    if (waitsForNetwork(hostConfig)) {
      try {
        stack = await this.setupNetwork(child.pid!, join.pid);
        channel.write(JSON.stringify({ type: 'net' }) + '\n');
      } catch (err) {
        // The init is waiting for the network: closing the channel ends it.
        error = { code: 'ERR_TSPOD_NETWORK', message: describeError(err), exit: 125 };
        channel.destroy();
      }
    }
    const exitCode = await closed;
    await stack?.stop();
    debug('container exited with %d', exitCode);
    if (master) {
      await new Promise((r) => setTimeout(r, 20)); // let the last output drain
      master.destroy();
    }
    stopLines();
    channel.destroy();
    this.writeStdin = this.endStdin = this.resize = undefined;
    return { exitCode: error ? error.exit : exitCode, error };
  }

  /** The user-mode stack and the user-defined networks of the container whose trampoline is `pid`. */
  private async setupNetwork(pid: number, holderPid: number): Promise<UserModeStack | undefined> {
    const rec = this.rec;
    const outbound = outboundOf(rec);
    const onNetwork = parseNetworkMode(rec.hostConfig.networkMode).kind === 'network';
    const [stack] = await Promise.all([
      outbound ? startUserMode({ mode: outbound, pid, ports: rec.hostConfig.portBindings ?? [], runDir: path.join(this.runRoot, 'net'), ifname: onNetwork ? 'tap0' : undefined }) : undefined,
      ...Object.entries(rec.hostConfig.networks ?? {}).map(([name, endpoint]) => attachEndpoint({
        holderPid, containerId: rec.id, containerPid: pid, network: findNetwork(this.storeRoot, name), endpoint, ifname: ifnameFor(rec, name),
      })),
    ]);
    void stack?.exited.then((why) => debug('network stack ended: %s', why));
    return stack;
  }

  /** Host pid of a running container whose namespaces this one joins. */
  private runningPid(id: string): number {
    const s = observedState(path.join(this.storeRoot, 'containers', id));
    if (s.status !== 'running' || !s.pid) throw new Error(`container ${id.slice(0, 12)} (network mode container:) is not running`);
    return s.pid;
  }

  private openPty(ptmx: string, reply: (n: number) => void): tty.ReadStream {
    const fd = fs.openSync(ptmx, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
    const n = unlockPty(fd);
    setWinsize(fd, this.size);
    const master = new tty.ReadStream(fd);
    master.on('data', (d: Buffer) => this.output('stdout', d));
    master.on('error', () => { /* EIO once the container side closes */ });
    this.writeStdin = (d) => { try { fs.writeSync(fd, d); } catch { /* closed */ } };
    this.endStdin = () => { try { fs.writeSync(fd, Buffer.from([4])); } catch { /* closed */ } };
    this.resize = (rows, cols) => { try { setWinsize(fd, { rows, cols }); } catch { /* closed */ } };
    reply(n);
    return master;
  }

  async run(start: StartRequest): Promise<RunResult> {
    if (start.rows && start.cols) this.size = { rows: start.rows, cols: start.cols };
    const policy = parseRestartPolicy(this.rec.hostConfig.restartPolicy ?? 'no');
    fs.rmSync(stopMarker(this.dir), { force: true });
    fs.rmSync(pausedMarker(this.dir), { force: true });
    this.setState({ monitorPid: process.pid });
    let delay = 0;
    let first = true;
    let result: RunResult;
    for (;;) {
      const began = Date.now();
      result = await this.runOnce((pid) => { if (first) this.report({ type: 'started', pid }); });
      const stopped = fs.existsSync(stopMarker(this.dir));
      this.setState({ status: 'exited', pid: 0, exitCode: result.exitCode, finishedAt: new Date().toISOString(), error: result.error?.message ?? '' });
      fs.rmSync(pausedMarker(this.dir), { force: true });
      if (first && result.error) this.report({ type: 'error', ...result.error });
      first = false;
      if (result.error || !shouldRestart(policy, result.exitCode, this.state.restartCount, stopped)) break;
      delay = nextDelay(delay, Date.now() - began);
      this.setState({ status: 'restarting', restartCount: this.state.restartCount + 1 });
      debug('restarting %s in %d ms', this.rec.id.slice(0, 12), delay);
      await new Promise((r) => setTimeout(r, delay));
      if (fs.existsSync(stopMarker(this.dir))) { this.setState({ status: 'exited' }); break; }
    }
    this.setState({ monitorPid: 0 });
    fs.closeSync(this.logFd);
    if (this.rec.hostConfig.autoRemove) await this.remove();
    return { exitCode: this.state.exitCode, error: result.error };
  }

  private async remove(): Promise<void> {
    try {
      fs.renameSync(path.join(this.dir, 'container.json'), path.join(this.dir, 'container.json.removing'));
    } catch {
      return; // someone else (rm -f) is removing it
    }
    const anonymous = this.rec.hostConfig.mounts.filter((m) => m.type === 'volume' && m.name?.endsWith('anon'));
    await removeTrees([this.dir, ...anonymous.map((m) => path.dirname(m.source))]);
  }

  /** Records a start that failed outside the container (the monitor's own work). */
  failed(message: string): void {
    try {
      this.setState({ status: 'exited', pid: 0, monitorPid: 0, exitCode: 125, finishedAt: new Date().toISOString(), error: message });
    } catch { /* the container was removed meanwhile */ }
  }

  finish(exitCode: number, error?: string): void {
    const frame = encodeFrame(FRAME.EXIT, JSON.stringify({ exitCode, error }));
    for (const c of this.clients) c.end(frame);
  }
}

/** How a failed start is reported; a container removed meanwhile (rm -f racing run) is named as such. */
function startFailure(storeRoot: string, id: string, err: unknown): { code: string; message: string; exit: number } {
  if (!fs.existsSync(path.join(storeRoot, 'containers', id, 'container.json'))) {
    return { code: 'ERR_TSPOD_NO_SUCH_CONTAINER', message: 'the container was removed while it was starting', exit: 125 };
  }
  const code = (err as { code?: string }).code?.startsWith('ERR_TSPOD') ? (err as { code: string }).code : 'ERR_TSPOD_CONTAINER_SETUP';
  return { code, message: `starting the container: ${describeError(err)}`, exit: 125 };
}

export async function monitorMain(storeRoot: string, runRoot: string, id: string): Promise<void> {
  let control: net.Socket | undefined;
  try { control = new net.Socket({ fd: 3, readable: true, writable: true }); } catch { /* started without a control pipe */ }
  control?.on('error', () => { /* the starting command went away */ });
  const report = (e: MonitorEvent) => { if (control && !control.destroyed) control.write(JSON.stringify(e) + '\n'); };
  // Lines from the starting command, in order: {container} (when spawned ahead), then {start}.
  const lines: string[] = [];
  let waiter: ((line: string | undefined) => void) | undefined;
  let ended = !control;
  if (control) {
    onLines(control, (l) => { if (waiter) { const w = waiter; waiter = undefined; w(l); } else lines.push(l); },
      () => { ended = true; waiter?.(undefined); });
  }
  const nextLine = () => new Promise<string | undefined>((resolve) => {
    if (lines.length) resolve(lines.shift());
    else if (ended) resolve(undefined);
    else waiter = resolve;
  });
  if (id === '-') {
    // Spawned ahead of the container (run): its id comes first on the control pipe.
    const line = await nextLine();
    if (!line) { control?.end(); return; } // the command gave up (create failed)
    id = (JSON.parse(line) as { id: string }).id;
  }
  let monitor: Monitor;
  let server: net.Server;
  try {
    monitor = new Monitor(storeRoot, runRoot, id, report);
    server = await monitor.listen();
  } catch (err) {
    report({ type: 'error', ...startFailure(storeRoot, id, err) });
    control?.end();
    throw err;
  }
  report({ type: 'listening' });
  const line = control ? await nextLine() : JSON.stringify({ type: 'start' });
  const start = line ? (JSON.parse(line) as StartRequest) : undefined;
  let result: RunResult = { exitCode: 0 };
  if (start) {
    try {
      result = await monitor.run(start);
      report({ type: 'exited', exitCode: result.exitCode });
    } catch (err) {
      // Whatever failed (e.g. no more processes), say so and exit: never idle with the socket open.
      const error = startFailure(storeRoot, id, err);
      monitor.failed(error.message);
      report({ type: 'error', ...error });
      result = { exitCode: 125, error };
    }
  }
  monitor.finish(result.exitCode, result.error?.message);
  server.close();
  fs.rmSync(socketPath(runRoot, id), { force: true });
  control?.end();
  control?.unref();
}
