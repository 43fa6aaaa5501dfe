/**
 * Starting, stopping and signalling containers. Every start goes through a
 * detached native monitor (`tspod-rt monitor`, native/monitor.c, given what
 * ./monitor-spec.ts decided); commands act on the stored state and exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { start as spawnProcess } from '../sys/spawn.ts';
import { selfArgv } from '../sys/self.ts';
import { nativeHelper } from '../sys/native.ts';
import { prepareMonitor } from './monitor-spec.ts';
import { checkHostPorts } from '../network/allocate.ts';
import { observedState, isActive, containerPids as pidsOf, mark } from '../storage/state.ts';
import type { ContainerState } from '../model/state.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import type { MonitorEvent } from '../model/monitor-events.ts';
import { connectMonitor, relay, type AttachOptions, type AttachResult } from './attach-client.ts';
import { onLines } from './lines.ts';
import { findContainer } from '../storage/containers.ts';
import type { ContainerRecord } from '../model/container.ts';
import { stoppedParentsOutside } from '../sys/proc.ts';
import type { Store } from '../storage/store.ts';
import { debugEnabled } from '../log.ts';
import { TspodError, type ErrorCode, UsageError } from '../errors.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A container as commands see it: its record, its observed state, its paths (`dir` is the data dir). */
export interface Container { rec: ContainerRecord; state: ContainerState; layout: ContainerLayout; dir: string }

function observe(store: Store, rec: ContainerRecord): Container {
  const layout = store.layout(rec.id);
  const state = observedState(layout);
  return { rec, layout, dir: layout.dir, state: rec.damaged ? { ...state, status: 'unknown', pid: 0, error: rec.damaged } : state };
}

/** The container a user named; one with a damaged record only for `rm` and listings. */
export function lookup(store: Store, query: string, opts: { damagedOk?: boolean } = {}): Container {
  const c = observe(store, findContainer(store.containers(), query));
  if (c.rec.damaged && !opts.damagedOk) throw new TspodError('ERR_TSPOD_DAMAGED_RECORD', `container ${c.rec.id.slice(0, 12)} is damaged (${c.rec.damaged}): remove it with \`rm -f\``);
  if (c.state.status === 'unknown' && !opts.damagedOk) throw new TspodError('ERR_TSPOD_DAMAGED_RECORD', `container ${c.rec.name} is damaged (${c.state.error}): remove it with \`rm -f\``);
  return c;
}

export function listContainers(store: Store): Container[] {
  return store.containers().map((rec) => observe(store, rec));
}

export interface StartOptions {
  /** Attach to the container's streams until it exits or the user detaches. */
  attach?: AttachOptions;
}

export interface StartResult { pid: number; attach?: AttachResult }

/** A monitor process and its control pipe. */
interface MonitorProcess {
  /** Next event from the monitor, undefined once it closed the pipe. */
  next(): Promise<MonitorEvent | undefined>;
  send(msg: object): void;
  /** Lets the monitor go on alone. */
  release(): void;
}

/** Starts the native monitor (`tspod-rt monitor MONITOR.json`, detached) of one container. */
function spawnMonitor(store: Store, monitorSpec: string): MonitorProcess {
  const debugLog = debugEnabled() ? fs.openSync(`${store.paths.run}/monitor-debug.log`, 'a') : 'ignore';
  const child = spawnProcess([nativeHelper(), 'monitor', monitorSpec], { detached: true, stdio: ['ignore', 'ignore', debugLog, 'pipe'] });
  if (typeof debugLog === 'number') fs.closeSync(debugLog);
  const control = child.stdio[3] as Duplex;
  control.on('error', () => { /* the monitor went away: next() says so */ });
  const queue: MonitorEvent[] = [];
  let waiting: ((e: MonitorEvent | undefined) => void) | undefined;
  let closed = false;
  const stop = onLines(control, (l) => { const e = JSON.parse(l) as MonitorEvent; if (waiting) { const w = waiting; waiting = undefined; w(e); } else queue.push(e); },
    () => { closed = true; waiting?.(undefined); });
  return {
    next: () => new Promise<MonitorEvent | undefined>((resolve) => {
      if (queue.length) resolve(queue.shift());
      else if (closed) resolve(undefined);
      else waiting = resolve;
    }),
    send: (msg) => { if (!control.destroyed) control.write(JSON.stringify(msg) + '\n'); },
    release: () => { stop(); control.destroy(); child.unref(); }, // idempotent
  };
}

/**
 * Starts a created or exited container under a new monitor. With attach,
 * the client is connected before the container starts, so no output is
 * missed. A setup error (command not found...) is thrown with its exit status.
 */
export async function startContainer(store: Store, rec: ContainerRecord, opts: StartOptions = {}): Promise<StartResult> {
  let started: { pid: number; sock?: net.Socket };
  try {
    started = await startMonitored(store, rec, opts);
  } catch (err) {
    // An `rm -f` that won the race took the container's files from under the start: say that, not which file went.
    if (!fs.existsSync(store.layout(rec.id).record) && !(err instanceof TspodError && err.code === 'ERR_TSPOD_CONTAINER_RUNNING')) {
      throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `container ${rec.name} was removed while it was starting`, { cause: err });
    }
    throw err;
  }
  const { pid, sock } = started;
  if (!sock || !opts.attach) return { pid };
  const attach = await relay(sock, { ...opts.attach, proxySignalsTo: opts.attach.sigProxy === false ? undefined : () => pid });
  return { pid, attach };
}

/** The monitor started and the container's command running; with attach, the connected socket. */
async function startMonitored(store: Store, rec: ContainerRecord, opts: StartOptions): Promise<{ pid: number; sock?: net.Socket }> {
  const current = observedState(store.layout(rec.id));
  if (isActive(current)) throw new TspodError('ERR_TSPOD_CONTAINER_RUNNING', `container ${rec.name} is already running`);
  // A taken port is a clear error here, before anything starts.
  if (rec.hostConfig.portBindings?.length) await checkHostPorts(rec.hostConfig.portBindings);
  const monitor = spawnMonitor(store, await prepareMonitor(store, rec));
  try {
    // Detached, nobody needs to be connected first: `start` goes with the spawn, the monitor reads it when ready.
    if (!opts.attach) monitor.send({ type: 'start' });
    const first = await monitor.next();
    if (first?.type === 'error') throw new TspodError(first.code as ErrorCode, first.message, { exitCode: first.exit });
    if (first?.type !== 'listening') throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `starting the monitor of ${rec.name} failed`);
    let sock;
    if (opts.attach) {
      sock = await connectMonitor(store.layout(rec.id).socket);
      const out = opts.attach.io.stdout;
      monitor.send({ type: 'start', rows: out?.rows, cols: out?.columns });
    }
    const started = await monitor.next();
    if (!started) throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `the monitor of ${rec.name} exited before the container started`);
    if (started.type === 'error') {
      sock?.destroy();
      throw new TspodError(started.code as ErrorCode, started.message, { exitCode: started.exit });
    }
    return { pid: started.type === 'started' ? started.pid : 0, sock };
  } finally {
    monitor.release();
  }
}

/** Attaches to a running container. */
export async function attachContainer(c: Container, opts: AttachOptions): Promise<AttachResult> {
  if (!isActive(c.state)) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `you cannot attach to a stopped container, start it first`);
  const sock = await connectMonitor(c.layout.socket);
  return relay(sock, { ...opts, proxySignalsTo: () => observedState(c.layout).pid });
}

/** Resolves once the container is no longer active (and its monitor is gone); returns the exit code. */
export async function waitContainer(c: Container, timeoutMs = Infinity): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const s = observedState(c.layout);
    if (!isActive(s) && !s.monitorPid) return s.exitCode;
    if (!fs.existsSync(c.dir)) return s.exitCode;
    if (Date.now() > deadline) throw new TspodError('ERR_TSPOD_TIMEOUT', `container ${c.rec.name} did not stop in time`);
    await sleep(delay);
    delay = Math.min(delay * 2, 100);
  }
}

export function signalNumber(sig: string): number {
  const name = /^\d+$/.test(sig) ? undefined : (sig.toUpperCase().startsWith('SIG') ? sig.toUpperCase() : `SIG${sig.toUpperCase()}`);
  const n = name ? (os.constants.signals as Record<string, number>)[name] : Number(sig);
  if (!n || n < 1 || n > 64) throw new UsageError(`invalid signal: ${sig}`);
  return n;
}

/**
 * Sends a signal to the container's pid 1, as docker does: a paused
 * container gets it too (SIGKILL ends it at once; others are delivered when
 * it is unpaused).
 */
export function killContainer(c: Container, signal: number): void {
  if (!isActive(c.state) || !c.state.pid) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${c.rec.name} is not running`);
  if (signal !== os.constants.signals.SIGKILL) {
    process.kill(c.state.pid, signal);
    return;
  }
  mark(c.layout.stopRequested);
  // A paused container's exec helpers are stopped outside it: continued, they see their child die.
  const helpers = c.state.status === 'paused' ? stoppedParentsOutside(containerPids(c), c.state.pidNs) : [];
  process.kill(c.state.pid, signal);
  for (const pid of helpers) try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
}

/**
 * docker stop: the stop signal (image StopSignal or SIGTERM), then SIGKILL
 * after `timeoutSec`. The monitor is told not to restart.
 */
export async function stopContainer(c: Container, timeoutSec?: number, signal?: string): Promise<void> {
  // -t, else the container's --stop-timeout (-1: no limit), else docker's 10 s.
  const wait = timeoutSec ?? c.rec.config.stopTimeout ?? 10;
  mark(c.layout.stopRequested);
  if (!isActive(c.state)) return;
  if (c.state.status === 'paused') resumeProcesses(c);
  if (c.state.pid) {
    try { process.kill(c.state.pid, signalNumber(signal ?? c.rec.config.stopSignal ?? 'SIGTERM')); } catch { /* already gone */ }
  }
  try {
    await waitContainer(c, wait < 0 ? Infinity : wait * 1000);
  } catch {
    const s = observedState(c.layout);
    if (s.pid) try { process.kill(s.pid, 9); } catch { /* gone */ }
    await waitContainer(c, 10_000);
  }
}

/** Host pids of every process in the container (its verified pid namespace; never tspod's own). */
export function containerPids(c: Container): number[] {
  return pidsOf(c.state);
}

/**
 * Continues every process of the container, and the stopped helpers outside
 * it whose child is inside (an `exec`'s nsenter stops itself when its child
 * is stopped, and would otherwise stay stopped after unpause).
 */
export function resumeProcesses(c: Container): void {
  const pids = containerPids(c);
  const helpers = stoppedParentsOutside(pids, c.state.pidNs);
  for (const pid of [...pids, ...helpers]) try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
  fs.rmSync(c.layout.paused, { force: true });
}

/** pause/unpause without a delegated freezer: SIGSTOP/SIGCONT every process of the container. */
export async function pauseContainer(c: Container, pause: boolean): Promise<void> {
  if (pause) {
    if (c.state.status === 'paused') throw new TspodError('ERR_TSPOD_PAUSED', `container ${c.rec.name} is already paused`);
    if (c.state.status !== 'running' || !c.state.pid) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${c.rec.name} is not running`);
    mark(c.layout.paused);
    for (const pid of containerPids(c)) try { process.kill(pid, 'SIGSTOP'); } catch { /* gone */ }
  } else {
    if (c.state.status !== 'paused') throw new TspodError('ERR_TSPOD_NOT_PAUSED', `container ${c.rec.name} is not paused`);
    resumeProcesses(c);
  }
}

/** The command line that runs this tspod (for generated units). */
export function tspodArgv(): string[] {
  return selfArgv();
}
