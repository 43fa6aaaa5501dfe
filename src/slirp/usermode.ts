/**
 * The user-mode network stack of one network namespace: pasta or
 * slirp4netns attached to a process's namespaces, with the published ports.
 * It runs beside the container, parented by its monitor, and dies with it
 * (parent-death signal), so a killed monitor leaves no stack behind.
 */
import fs from 'node:fs';
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { collect, exitMessage as exitOf, start } from '../sys/spawn.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';
import type { PortBinding, UserMode } from '../model/network.ts';
import { PID1, type NetStep } from '../model/monitor-spec.ts';

const debug = logger('net');

export const MTU = 65520;
/** The address containers use for DNS; pasta forwards it to the host's resolver. */
export const PASTA_DNS = '169.254.1.1';
export const SLIRP = { address: '10.0.2.100', gateway: '10.0.2.2', dns: '10.0.2.3' };

export interface UserModeStack {
  readonly mode: UserMode;
  /** Resolves once the stack has exited (SIGTERM, then SIGKILL after a second). */
  stop(): Promise<void>;
  /** Resolves with a message if the stack dies while the container runs. */
  readonly exited: Promise<string>;
}

export interface StackOptions {
  mode: UserMode;
  /** A process in the target user and network namespaces. */
  pid: number;
  ports: PortBinding[];
  /** Where the stack's pid file or API socket go (a private runtime dir). */
  runDir: string;
  /** pasta's interface in the namespace (default: the host's interface name). */
  ifname?: string;
}

/** pasta's forwarding options, one per port: its parser takes no list of address-qualified specs. */
function pastaPorts(ports: PortBinding[], proto: 'tcp' | 'udp'): string[] {
  const flag = proto === 'tcp' ? '--tcp-ports' : '--udp-ports';
  const specs = ports.filter((p) => p.protocol === proto).map((p) => `${p.hostIp ? `${p.hostIp}/` : ''}${p.hostPort}:${p.containerPort}`);
  return (specs.length ? specs : ['none']).flatMap((spec) => [flag, spec]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until `ready` holds, failing with the stack's own words if it exits first. */
async function until(ready: () => boolean, exited: Promise<string>, mode: string): Promise<void> {
  let gone: string | undefined;
  void exited.then((m) => (gone = m));
  for (let i = 0; i < 5000; i++) {
    if (ready()) return;
    if (gone !== undefined) throw new TspodError('ERR_TSPOD_NETWORK', `setting up the network: ${gone}`);
    await sleep(i < 100 ? 1 : 5);
  }
  throw new TspodError('ERR_TSPOD_NETWORK', `setting up the network: ${mode} did not get ready in time`);
}

/** pasta's argv for the namespaces of `target` (a pid, or PID1 for the monitor to fill in). */
export function pastaArgv(opts: Omit<StackOptions, 'pid' | 'runDir'>, target: string, pidFile: string): string[] {
  return ['pasta', '--config-net', '--foreground', '--quiet', '--mtu', String(MTU), '--dns-forward', PASTA_DNS,
    ...pastaPorts(opts.ports, 'tcp'), ...pastaPorts(opts.ports, 'udp'),
    // The container's own loopback is not the host's: nothing forwarded back out.
    '--tcp-ns', 'none', '--udp-ns', 'none', ...(opts.ifname ? ['--ns-ifname', opts.ifname] : []), '--pid', pidFile, target];
}

async function startPasta(opts: StackOptions, base: string[]): Promise<{ child: ChildProcess; exited: Promise<string> }> {
  const pidFile = `${opts.runDir}/${opts.pid}.pasta.pid`;
  fs.rmSync(pidFile, { force: true });
  const child = start([...base, ...pastaArgv(opts, String(opts.pid), pidFile)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = exitOf(child, 'pasta', collect(child.stderr));
  // pasta writes its pid file once the namespace is configured and the ports are bound.
  try {
    await until(() => { try { return fs.statSync(pidFile).size > 0; } catch { return false; } }, exited, 'pasta');
  } catch (err) { child.kill(); throw err; }
  fs.rmSync(pidFile, { force: true });
  return { child, exited };
}

function slirpRequest(socket: string, body: object): Promise<void> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const c = net.connect(socket, () => c.end(JSON.stringify(body)));
    c.setEncoding('utf8').on('data', (d: string) => (reply += d));
    c.on('error', reject);
    c.on('close', () => {
      try {
        const r = JSON.parse(reply);
        if (r.error) reject(new TspodError('ERR_TSPOD_NETWORK', r.error.desc ?? JSON.stringify(r.error)));
        else resolve();
      } catch { reject(new TspodError('ERR_TSPOD_NETWORK', `unexpected reply \`${reply}\``)); }
    });
  });
}

/** slirp4netns's argv for the namespaces of `target`; ready on fd 3, its API on `socket`. */
export function slirpArgv(target: string, socket: string): string[] {
  return ['slirp4netns', '--configure', `--mtu=${MTU}`, '--ready-fd=3', `--api-socket=${socket}`, target, 'tap0'];
}

/** The API request that publishes one port through slirp4netns. */
export function slirpForward(p: PortBinding): object {
  return { execute: 'add_hostfwd', arguments: { proto: p.protocol, host_addr: p.hostIp || '0.0.0.0', host_port: p.hostPort, guest_addr: SLIRP.address, guest_port: p.containerPort } };
}

const describePort = (p: PortBinding) => `publishing ${p.hostIp || '0.0.0.0'}:${p.hostPort}->${p.containerPort}/${p.protocol}`;

/** Starts slirp4netns and resolves once it says it is ready (on fd 3). */
async function spawnSlirp(argv: string[], detached: boolean): Promise<{ child: ChildProcess; exited: Promise<string> }> {
  const child = start(argv, { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], detached });
  const exited = exitOf(child, 'slirp4netns', collect(child.stderr));
  let ready = false;
  (child.stdio[3] as Readable).once('data', () => (ready = true));
  try {
    await until(() => ready, exited, 'slirp4netns');
  } catch (err) { child.kill(); throw err; }
  return { child, exited };
}

async function startSlirp(opts: StackOptions, base: string[]): Promise<{ child: ChildProcess; exited: Promise<string> }> {
  const socket = `${opts.runDir}/${opts.pid}.slirp.sock`;
  fs.rmSync(socket, { force: true });
  const { child, exited } = await spawnSlirp([...base, ...slirpArgv(String(opts.pid), socket)], false);
  for (const p of opts.ports) {
    try {
      await slirpRequest(socket, slirpForward(p));
    } catch (err) {
      child.kill();
      throw new TspodError('ERR_TSPOD_NETWORK', `${describePort(p)}: ${(err as Error).message}`);
    }
  }
  return { child, exited };
}

/**
 * The same stack as steps for the native monitor (src/model/monitor-spec.ts):
 * it starts the process for pid 1 and keeps it beside the container. `tag`
 * names its pid file or API socket in `runDir` (short: socket paths are).
 */
export function userModeSteps(opts: Omit<StackOptions, 'pid'>, tag: string): NetStep[] {
  if (opts.mode === 'pasta') {
    const pidfile = `${opts.runDir}/${tag}.pasta.pid`;
    return [{ what: 'pasta', argv: pastaArgv(opts, PID1, pidfile), ready: 'pidfile', pidfile }];
  }
  const api = `${opts.runDir}/${tag}.slirp.sock`;
  return [
    { what: 'slirp4netns', argv: slirpArgv(PID1, api), ready: 'fd3' },
    ...opts.ports.map((p): NetStep => ({ what: describePort(p), ready: 'api', api, request: JSON.stringify(slirpForward(p)) })),
  ];
}

/**
 * The per-user stack: one pasta or slirp4netns for the network host's
 * namespace (interface tap0), the way out of every container on a bridge
 * there (the network host routes and masquerades for them, like podman's
 * rootless-netns). It publishes nothing and outlives commands, like the
 * network host; `system reset` stops it. Resolves with its pid once the
 * namespace has its address and route.
 */
export async function startSharedStack(mode: UserMode, holderPid: number, runDir: string): Promise<number> {
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
  const target = String(holderPid);
  if (mode === 'pasta') {
    const pidFile = `${runDir}/shared.pasta.pid`;
    fs.rmSync(pidFile, { force: true });
    const argv = ['pasta', '--config-net', '--foreground', '--quiet', '--mtu', String(MTU), '--dns-forward', PASTA_DNS,
      '-t', 'none', '-u', 'none', '-T', 'none', '-U', 'none', '--ns-ifname', 'tap0', '--pid', pidFile, target];
    const child = start(argv, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const exited = exitOf(child, 'pasta', collect(child.stderr));
    try {
      await until(() => { try { return fs.statSync(pidFile).size > 0; } catch { return false; } }, exited, 'pasta');
    } catch (err) { child.kill(); throw err; }
    fs.rmSync(pidFile, { force: true });
    child.stderr!.destroy();
    child.unref();
    return child.pid!;
  }
  const { child } = await spawnSlirp(slirpArgv(target, `${runDir}/shared.slirp.sock`), true);
  for (const s of [child.stderr, child.stdio[3]]) (s as Readable).destroy();
  child.unref();
  return child.pid!;
}

/** Starts the stack and resolves once the namespace has its address, route and ports. */
export async function startUserMode(opts: StackOptions): Promise<UserModeStack> {
  fs.mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
  // Dies with the monitor even if the monitor is killed with SIGKILL.
  const base = ['setpriv', '--pdeathsig', 'TERM', '--'];
  const { child, exited } = opts.mode === 'pasta' ? await startPasta(opts, base) : await startSlirp(opts, base);
  debug('%s ready for pid %d', opts.mode, opts.pid);
  return {
    mode: opts.mode,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}
