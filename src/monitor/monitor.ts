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
import { removeTrees } from '../userns/remove.ts';
import { ownedVolumeDirs } from '../volume/records.ts';
import { containerSpec, rootfsBackends } from '../runtime/spec.ts';
import { healthLoop } from '../runtime/health.ts';
import { startInit } from '../runtime/oci-runtime.ts';
import { writeJsonVolatile } from '../storage/atomic.ts';
import { FRAME, FrameDecoder, encodeFrame } from '../model/attach-frames.ts';
import { formatChunk, logTime, type Stream } from '../model/log-record.ts';
import { readPersistent, writePersistent, writeLive, initRecord, observedState } from '../storage/state.ts';
import type { PersistentState, LiveState } from '../model/state.ts';
import { ContainerLayout } from '../storage/layout.ts';
import type { MonitorEvent, StartRequest } from '../model/monitor-events.ts';
import { procRef } from '../sys/proc.ts';
import { parseNetworkMode, waitsForNetwork } from '../network/mode.ts';
import { outboundOf } from '../network/hosts.ts';
import { attachEndpoint, ifnameFor } from '../network/bridge.ts';
import { findNetwork } from '../network/networks.ts';
import { startUserMode, type UserModeStack } from '../slirp/usermode.ts';
import { startForwarder, type Forwarder } from '../slirp/forwarder.ts';

/** What runs beside a container for its network; dies with the monitor. */
interface NetworkRun {
  /** Resolves with a message if a part dies while the container runs. */
  exited: Promise<string>;
  stop(): Promise<void>;
}
import { ensureHolder } from '../network/holder.ts';
import { shouldRestart, nextDelay, parseRestartPolicy } from '../model/restart-policy.ts';
import { onLines } from './lines.ts';
import { unlockPty, setWinsize } from '../sys/libc.ts';
import type { ContainerRecord } from '../model/container.ts';
import type { InitMessage } from '../runtime/channel.ts';
import { logger } from '../log.ts';
import { describeError, EXIT_TSPOD_FAILED, TspodError } from '../errors.ts';

const debug = logger('monitor');


interface RunResult {
  exitCode: number;
  /** The start failed (nothing of the container ran). */
  error?: { code: string; message: string; exit: number };
  /** Why a container that ran was ended by tspod (its network stack died). */
  note?: string;
}

class Monitor {
  private readonly layout: ContainerLayout;
  private readonly rec: ContainerRecord;
  private readonly clients = new Set<net.Socket>();
  private state: PersistentState;
  private live: LiveState;
  private logFd: number;
  private seq = 0;
  private writeStdin: ((d: Buffer) => void) | undefined;
  /** Set while a run is being wound down (a stack stopping then is no loss). */
  private exiting = false;
  private endStdin: (() => void) | undefined;
  private resize: ((rows: number, cols: number) => void) | undefined;
  private size = { rows: 24, cols: 80 };
  private readonly report: (e: MonitorEvent) => void;

  private readonly storeRoot: string;
  private readonly runRoot: string;

  constructor(storeRoot: string, runRoot: string, id: string, report: (e: MonitorEvent) => void) {
    this.storeRoot = storeRoot;
    this.runRoot = runRoot;
    this.layout = new ContainerLayout(storeRoot, runRoot, id);
    this.rec = JSON.parse(fs.readFileSync(this.layout.record, 'utf8'));
    this.state = readPersistent(this.layout).state;
    // From now on `rm -f` finds this monitor (by pid and start time) and stops it with the container.
    this.live = { monitor: procRef(process.pid) };
    writeLive(this.layout, this.live);
    this.logFd = fs.openSync(this.layout.log, 'a', 0o600);
    this.report = report;
  }

  /** Status changes are written even on a full disk: the spare space is given up for them. */
  private setState(patch: Partial<PersistentState>): void {
    this.state = { ...this.state, ...patch };
    try {
      writePersistent(this.layout, this.state);
    } catch (err) {
      if ((err as TspodError).code !== 'ERR_TSPOD_NO_SPACE' || !fs.existsSync(this.layout.spare)) throw err;
      fs.rmSync(this.layout.spare, { force: true });
      writePersistent(this.layout, this.state);
    }
  }

  /** Sets space aside for the status writes of this run (a no-op on a disk already full). */
  private reserveSpare(): void {
    try { fs.writeFileSync(this.layout.spare, Buffer.alloc(32 * 1024), { mode: 0o600 }); } catch { fs.rmSync(this.layout.spare, { force: true }); }
  }

  private setLive(live: LiveState): void {
    this.live = live;
    writeLive(this.layout, live);
  }

  /** One log record; --log-driver none writes nothing; --log-opt max-size rotates to log.1..log.(max-file - 1) (`logs` reads the current file). */
  private writeLog(chunk: string): void {
    const lc = this.rec.hostConfig.logConfig;
    if (lc?.type === 'none') return;
    const size = lc?.maxSize ? fs.fstatSync(this.logFd).size : 0;
    if (lc?.maxSize && size > 0 && size + Buffer.byteLength(chunk) > lc.maxSize) {
      // Rotated before the record that would pass max-size: the current file always has the latest lines.
      fs.closeSync(this.logFd);
      const keep = (lc.maxFile ?? 1) - 1;
      for (let i = keep; i >= 1; i--) {
        try { fs.renameSync(i === 1 ? this.layout.log : `${this.layout.log}.${i - 1}`, `${this.layout.log}.${i}`); } catch { /* not there yet */ }
      }
      this.logFd = fs.openSync(this.layout.log, 'w', 0o600);
    }
    fs.writeSync(this.logFd, chunk);
  }

  private output(stream: Stream, data: Buffer): void {
    // On a full disk the log loses lines (as docker's does); attached clients still get them.
    try { this.writeLog(formatChunk(stream, data, logTime(Date.now(), this.seq++))); } catch (err) { debug('log write: %s', (err as Error).message); }
    const frame = encodeFrame(stream === 'stdout' ? FRAME.STDOUT : FRAME.STDERR, data);
    for (const c of this.clients) c.write(frame);
  }

  async listen(): Promise<net.Server> {
    const sock = this.layout.socket;
    fs.mkdirSync(path.dirname(sock), { recursive: true, mode: 0o700 });
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
    fs.chmodSync(sock, 0o600);
    return server;
  }

  /** One start of the container, until its pid 1 exits. */
  private async runOnce(onStarted: (pid: number) => void): Promise<RunResult> {
    const { config, hostConfig } = this.rec;
    debug('starting %s', this.rec.id.slice(0, 12));
    const network = parseNetworkMode(hostConfig.networkMode);
    // In the network host's user namespace, or the one of the container whose network this one shares.
    const netPid = network.kind === 'container' ? this.runningPid(network.ref) : undefined;
    const holderPid = netPid ?? await ensureHolder(this.runRoot);
    const share = hostConfig.shareNs ?? {};
    const sharePids = Object.fromEntries(Object.entries(share).map(([type, id]) => [type, this.runningPid(id!)]));
    const spec = containerSpec(this.rec, this.layout, {
      userNsPid: holderPid, netNsPid: netPid, storeRoot: this.storeRoot, backends: rootfsBackends(), sharePids,
    });
    writeJsonVolatile(this.layout.spec, spec);
    // Node's stdio pipes are socketpairs; the helper gives the container real pipes (/dev/stdout opens) and relays them.
    const { child, channel } = startInit(this.layout.spec, [config.openStdin && !config.tty ? 'pipe' : 'ignore', config.tty ? 'ignore' : 'pipe', 'pipe']);
    const io = { stdin: child.stdin ?? undefined, stdout: child.stdout ?? undefined, stderr: child.stderr! };
    let error: RunResult['error'];
    let master: tty.ReadStream | undefined;
    io.stdout?.on('data', (d: Buffer) => this.output('stdout', d));
    io.stderr.on('data', (d: Buffer) => this.output('stderr', d));
    const stdin = io.stdin;
    if (stdin) {
      stdin.on('error', () => { /* container closed its stdin */ });
      this.writeStdin = (d) => stdin.write(d);
      this.endStdin = () => stdin.end();
    }
    // All output is read before the exit is reported (the pipes close when the container's last process goes).
    const drained = Promise.all([io.stdout, io.stderr].map((s) => s && new Promise((r) => s.once('close', r))));
    let pid = 0;
    // The pid comes once the helper has made the namespaces (the network stack joins them): false if it failed first.
    let namespacesMade: (made: boolean) => void = () => {};
    const made = new Promise<boolean>((resolve) => { namespacesMade = resolve; });
    // The init's end of the channel is close-on-exec: EOF without an error means the command runs.
    channel.once('end', () => { debug('exec done'); namespacesMade(false); if (!error && pid) onStarted(pid); });
    const stopLines = onLines(channel, (line) => {
      const msg = JSON.parse(line) as InitMessage;
      if (msg.type === 'pid') {
        debug('init reported pid %d', msg.pid);
        pid = msg.pid;
        const ref = procRef(msg.pid);
        // Recorded while the init is known to be it: it is waiting for our next message.
        if (ref) this.setLive({ ...this.live, ...initRecord(ref) });
        this.setState({ status: 'running', startedAt: new Date().toISOString(), error: '' });
        namespacesMade(true);
      } else if (msg.type === 'ptmx') {
        master = this.openPty(msg.path, (n) => channel.write(JSON.stringify({ type: 'pty', n }) + '\n'));
      } else if (msg.type === 'error') {
        error = msg;
      }
    });
    const closed = new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    let stack: NetworkRun | undefined;
    if (waitsForNetwork(hostConfig) && await made) {
      try {
        stack = await this.setupNetwork(child.pid!, holderPid);
        channel.write(JSON.stringify({ type: 'net' }) + '\n');
      } catch (err) {
        // The init is waiting for the network: closing the channel ends it.
        const code = (err as TspodError).code?.startsWith('ERR_TSPOD') ? (err as TspodError).code : 'ERR_TSPOD_NETWORK';
        error = { code, message: describeError(err), exit: EXIT_TSPOD_FAILED };
        channel.destroy();
      }
    }
    // A network stack that dies takes the container with it: never Up without its network.
    let lost: string | undefined;
    void stack?.exited.then((why) => {
      if (this.exiting) return;
      lost = why;
      debug('network stack died: %s', why);
      child.kill('SIGKILL');
    });
    const exitCode = await closed;
    this.exiting = true;
    await Promise.race([drained, new Promise((r) => setTimeout(r, 2000))]);
    io.stdout?.destroy();
    io.stderr.destroy();
    stdin?.destroy();
    this.setLive({ monitor: this.live.monitor });
    await stack?.stop();
    this.exiting = false;
    debug('container exited with %d', exitCode);
    if (master) {
      await new Promise((r) => setTimeout(r, 20)); // let the last output drain
      master.destroy();
    }
    stopLines();
    channel.destroy();
    this.writeStdin = this.endStdin = this.resize = undefined;
    return { exitCode: error ? error.exit : exitCode, error, note: lost && `killed: its network stopped: ${lost}` };
  }

  /** The user-mode stack and the user-defined networks of the container whose trampoline is `pid`. */
  /**
   * The user-mode stack (the way out, and published UDP ports), the
   * user-defined networks, then the TCP port forwarder (which needs the
   * container's address in place) of the container whose trampoline is `pid`.
   */
  private async setupNetwork(pid: number, holderPid: number): Promise<NetworkRun | undefined> {
    const rec = this.rec;
    const outbound = outboundOf(rec);
    const onNetwork = parseNetworkMode(rec.hostConfig.networkMode).kind === 'network';
    const ports = rec.hostConfig.portBindings ?? [];
    const [stack] = await Promise.all([
      outbound ? startUserMode({ mode: outbound, pid, ports: ports.filter((p) => p.protocol === 'udp'), runDir: path.join(this.runRoot, 'net'), ifname: onNetwork ? 'tap0' : undefined }) : undefined,
      ...Object.entries(rec.hostConfig.networks ?? {}).map(([name, endpoint]) => attachEndpoint({
        holderPid, containerId: rec.id, containerPid: pid, network: findNetwork(this.storeRoot, name), endpoint, ifname: ifnameFor(rec, name),
      })),
    ]);
    const tcp = ports.filter((p) => p.protocol === 'tcp');
    let forwarder: Forwarder | undefined;
    try {
      forwarder = tcp.length ? await startForwarder(pid, tcp) : undefined;
    } catch (err) {
      await stack?.stop();
      throw err;
    }
    const parts = [stack, forwarder].filter((p): p is UserModeStack | Forwarder => p !== undefined);
    if (!parts.length) return undefined;
    return { exited: Promise.race(parts.map((p) => p.exited)), stop: async () => { await Promise.all(parts.map((p) => p.stop())); } };
  }

  /** Host pid of a running container whose namespaces this one joins. */
  private runningPid(id: string): number {
    const s = observedState(new ContainerLayout(this.storeRoot, this.runRoot, id));
    if (s.status !== 'running' || !s.pid) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${id.slice(0, 12)} (whose namespaces this one shares) is not running`);
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
    fs.rmSync(this.layout.stopRequested, { force: true });
    fs.rmSync(this.layout.paused, { force: true });
    this.reserveSpare();
    let delay = 0;
    let first = true;
    let result: RunResult;
    for (;;) {
      const began = Date.now();
      let health: { stop(): void } | undefined;
      result = await this.runOnce((pid) => {
        if (first) this.report({ type: 'started', pid });
        health = healthLoop(() => ({ rec: this.rec, layout: this.layout, dir: this.layout.dir, state: observedState(this.layout) }));
      });
      health?.stop();
      const stopped = fs.existsSync(this.layout.stopRequested);
      this.setState({ status: 'exited', exitCode: result.exitCode, finishedAt: new Date().toISOString(), error: result.error?.message ?? result.note ?? '' });
      fs.rmSync(this.layout.paused, { force: true });
      if (first && result.error) this.report({ type: 'error', ...result.error });
      first = false;
      if (result.error || !shouldRestart(policy, result.exitCode, this.state.restartCount, stopped)) break;
      delay = nextDelay(delay, Date.now() - began);
      this.setState({ status: 'restarting', restartCount: this.state.restartCount + 1 });
      debug('restarting %s in %d ms', this.rec.id.slice(0, 12), delay);
      await new Promise((r) => setTimeout(r, delay));
      if (fs.existsSync(this.layout.stopRequested)) { this.setState({ status: 'exited' }); break; }
    }
    fs.closeSync(this.logFd);
    if (this.rec.hostConfig.autoRemove) await this.remove();
    return { exitCode: this.state.exitCode, error: result.error };
  }

  private async remove(): Promise<void> {
    try {
      fs.renameSync(this.layout.record, this.layout.removing);
    } catch {
      return; // someone else (rm -f) is removing it
    }
    const others = fs.readdirSync(path.join(this.storeRoot, 'containers')).flatMap((id) => {
      try { return [JSON.parse(fs.readFileSync(new ContainerLayout(this.storeRoot, this.runRoot, id).record, 'utf8')) as ContainerRecord]; } catch { return []; }
    });
    fs.rmSync(this.layout.runDir, { recursive: true, force: true });
    await removeTrees([this.layout.dir, ...ownedVolumeDirs(this.storeRoot, this.rec, others)]);
  }

  /** Records a start that failed outside the container (the monitor's own work). */
  failed(message: string): void {
    try {
      this.setState({ status: 'exited', exitCode: EXIT_TSPOD_FAILED, finishedAt: new Date().toISOString(), error: message });
    } catch { /* the container was removed meanwhile */ }
  }

  /** Tells attached clients how it ended; the run dir forgets this monitor. */
  finish(exitCode: number, error?: string): void {
    try { fs.rmSync(this.layout.live, { force: true }); } catch { /* removed */ }
    const frame = encodeFrame(FRAME.EXIT, JSON.stringify({ exitCode, error }));
    for (const c of this.clients) c.end(frame);
  }
}

/** How a failed start is reported; a container removed meanwhile (rm -f racing run) is named as such. */
function startFailure(storeRoot: string, id: string, err: unknown): { code: string; message: string; exit: number } {
  if (!fs.existsSync(new ContainerLayout(storeRoot, '', id).record)) {
    return { code: 'ERR_TSPOD_NO_SUCH_CONTAINER', message: 'the container was removed while it was starting', exit: EXIT_TSPOD_FAILED };
  }
  const code = (err as { code?: string }).code?.startsWith('ERR_TSPOD') ? (err as { code: string }).code : 'ERR_TSPOD_CONTAINER_SETUP';
  return { code, message: `starting the container: ${describeError(err)}`, exit: EXIT_TSPOD_FAILED };
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
      result = { exitCode: EXIT_TSPOD_FAILED, error };
    }
  }
  monitor.finish(result.exitCode, result.error?.message);
  server.close();
  fs.rmSync(new ContainerLayout(storeRoot, runRoot, id).socket, { force: true });
  control?.end();
  control?.unref();
}
