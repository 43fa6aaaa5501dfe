/**
 * The user-mode network drivers behind one interface, as rootlesskit's port
 * drivers: each is given a process whose user and network namespaces it
 * serves and the ports published into them, and hands back a running half
 * the caller stops. Every driver passes one conformance suite
 * (test/e2e/net-drivers.test.ts): outbound reach of the host's loopback
 * through the gateway, published TCP and UDP, a clean stop.
 */
import { startUserMode } from './usermode.ts';
import { startForwarder } from './forwarder.ts';
import type { PortBinding, Protocol, UserMode } from '../model/network.ts';

/** A driver at work for one namespace. */
export interface Running {
  /** Resolves with one line if the driver's process ends before stop() (never rejects). */
  readonly exited: Promise<string>;
  /** Ends the driver; resolves once its process has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface NetDriver {
  readonly name: UserMode | 'forwarder';
  /** The protocols of the published ports it carries (the caller hands it only those). */
  readonly carries: readonly Protocol[];
  /** Whether it gives the namespace its address, routes and a way out (the gateway reaches the host's loopback). */
  readonly outbound: boolean;
  /**
   * Starts serving the namespaces of `pid` with `ports` published; resolves
   * once the namespace is configured and every port is bound. Rejects with
   * ERR_TSPOD_PORT_IN_USE when a host port is taken, ERR_TSPOD_NETWORK
   * otherwise (its process is gone then).
   */
  start(pid: number, ports: PortBinding[]): Promise<Running>;
}

/** pasta: address, routes, DNS forwarding and published ports (TCP and UDP). `runDir` holds its pid files. */
export function pastaDriver(runDir: string, opts: { ifname?: string } = {}): NetDriver {
  return {
    name: 'pasta',
    carries: ['tcp', 'udp'],
    outbound: true,
    start: (pid, ports) => startUserMode({ mode: 'pasta', pid, ports, runDir, ifname: opts.ifname }),
  };
}

/** slirp4netns: a tap device with 10.0.2.100/24, published ports through its API socket (kept in `runDir`). */
export function slirp4netnsDriver(runDir: string): NetDriver {
  return {
    name: 'slirp4netns',
    carries: ['tcp', 'udp'],
    outbound: true,
    start: (pid, ports) => startUserMode({ mode: 'slirp4netns', pid, ports, runDir }),
  };
}

/** tspod's own TCP forwarder (the native helper's `forward` job): servers see a non-loopback peer; needs an address in the namespace. */
export function forwarderDriver(): NetDriver {
  return { name: 'forwarder', carries: ['tcp', 'udp'], outbound: false, start: (pid, ports) => startForwarder(pid, ports) };
}

/** The user-mode stack of `mode`. */
export function userModeDriver(mode: UserMode, runDir: string, opts: { ifname?: string } = {}): NetDriver {
  return mode === 'pasta' ? pastaDriver(runDir, opts) : slirp4netnsDriver(runDir);
}
