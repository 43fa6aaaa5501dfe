/**
 * Published ports, TCP and UDP, through tspod's own forwarder (the native
 * helper's `forward` job): it binds the host addresses, then joins the
 * container's namespaces and connects to the container's own address for
 * every client (a UDP client gets a socket of its own). The server sees a
 * non-loopback peer (never 127.0.0.1, which servers trust) and a service
 * bound only to the container's loopback is not published — as with
 * docker's userland proxy. pasta's and slirp4netns's own TCP forwarding
 * splice host-loopback clients onto the container's loopback, and this
 * pasta drops UDP replies to host-loopback clients: containers publish
 * nothing through them.
 */
import type { ChildProcess } from 'node:child_process';
import { collect, exitMessage, start } from '../sys/spawn.ts';
import { nativeHelper } from '../sys/native.ts';
import { TspodError } from '../errors.ts';
import type { PortBinding } from '../model/network.ts';
import { PID1, type NetStep } from '../model/monitor-spec.ts';

export interface Forwarder {
  /** Resolves with a message if the forwarder dies while the container runs. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

/** The forwarder's spec of one binding: `[HOSTIP]:HOSTPORT=CTRPORT[/udp]` (IPv6 in brackets). */
export function forwardSpec(b: PortBinding): string {
  const ip = b.hostIp.includes(':') ? `[${b.hostIp}]` : b.hostIp;
  return `${ip}:${b.hostPort}=${b.containerPort}${b.protocol === 'udp' ? '/udp' : ''}`;
}

/**
 * argv of the forwarder into the namespaces of `target` (a pid, or PID1);
 * `via`: a container on a bridge of the per-user network host, reached from
 * there at its bridge address with the client's address kept.
 */
export function forwarderArgv(target: string, bindings: PortBinding[], via?: { holderPid: number; address: string }): string[] {
  return [nativeHelper(), 'forward', ...(via ? ['--via', String(via.holderPid), '--to', via.address] : []), target, ...bindings.map(forwardSpec)];
}

/** The forwarder as a step of the native monitor: ready once it prints "ready". */
export function forwarderStep(bindings: PortBinding[], via?: { holderPid: number; address: string }): NetStep {
  return { what: 'the port forwarder', argv: forwarderArgv(PID1, bindings, via), ready: 'stdout' };
}

/** Starts forwarding `bindings` (TCP and UDP) into the namespaces of `pid`; resolves once every port is bound. */
export async function startForwarder(pid: number, bindings: PortBinding[]): Promise<Forwarder> {
  const child: ChildProcess = start(forwarderArgv(String(pid), bindings), { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = collect(child.stderr);
  const exited = exitMessage(child, 'the port forwarder', stderr);
  const ready = new Promise<boolean>((resolve) => {
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { if (d.includes('ready')) resolve(true); });
    void exited.then(() => resolve(false));
  });
  if (!(await ready)) {
    const why = stderr().replace(/^tspod-rt: /, '');
    const inUse = /Address already in use/.exec(why);
    throw new TspodError(inUse ? 'ERR_TSPOD_PORT_IN_USE' : 'ERR_TSPOD_NETWORK', inUse ? `cannot publish: ${why}` : `publishing ports: ${why || await exited}`);
  }
  return {
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
