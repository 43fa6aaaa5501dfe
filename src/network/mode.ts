/**
 * What `--network` asks for, resolved against what this host has: pasta is
 * preferred over slirp4netns for the private default network.
 */
import fs from 'node:fs';
import { which } from '../sys/spawn.ts';
import { TspodError, UsageError } from '../errors.ts';
import type { NetworkMode, UserMode } from '../model/network.ts';

export interface HostNet {
  pasta: boolean;
  slirp4netns: boolean;
  /** /dev/net/tun can be opened: both user-mode stacks need a tap device. */
  tun: boolean;
  /** The per-user network host masquerades for its bridges with iptables; without it each container has its own stack. */
  iptables?: boolean;
}

export function probeHostNet(): HostNet {
  let tun = false;
  try { fs.closeSync(fs.openSync('/dev/net/tun', 'r+')); tun = true; } catch { /* not usable */ }
  return { pasta: Boolean(which('pasta')), slirp4netns: Boolean(which('slirp4netns')), tun, iptables: Boolean(which('iptables', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`)) };
}

/** The built-in network default containers are on (docker's default bridge): a bridge in the network host. */
export const DEFAULT_BRIDGE = 'bridge';

/** docker's other pre-defined networks, which are modes: listed and inspected (predefined.ts), never made or removed. */
export const MODE_NETWORKS = ['host', 'none'] as const;

/** host and none cannot be removed (nor can the bridge: membership.ts says so). */
export function refuseModeNetwork(query: string): void {
  if ((MODE_NETWORKS as readonly string[]).includes(query)) throw new TspodError('ERR_TSPOD_NETWORK', `${query} is a pre-defined network and cannot be removed`);
}

/** Parses a --network value; `default`/`private` mean the default network (`bridge` when a user-mode stack can run). */
export function parseNetworkMode(value: string): NetworkMode | { kind: 'default' } {
  if (value === '' || value === 'default' || value === 'private') return { kind: 'default' };
  if (value === 'host' || value === 'none' || value === 'pasta' || value === 'slirp4netns') return { kind: value };
  if (value.startsWith('container:')) {
    const ref = value.slice('container:'.length);
    if (!ref) throw new UsageError('network mode `container:` needs a container name or id');
    return { kind: 'container', ref };
  }
  if (value.startsWith('ns:') || value.includes('/')) throw new UsageError(`network mode \`${value}\` is not supported`);
  return { kind: 'network', name: value };
}

/**
 * The user-mode stack for a private network, or why none can run. `wanted`
 * undefined means "the default": pasta when installed, else slirp4netns.
 */
export function chooseUserMode(host: HostNet, wanted?: UserMode): UserMode {
  const fix = 'as root: chmod 666 /dev/net/tun (see `tspod doctor`), or use --network host';
  if (wanted) {
    if (!host[wanted]) throw new TspodError('ERR_TSPOD_NETWORK', `network mode \`${wanted}\` needs \`${wanted}\`, which is not installed (Debian: apt-get install ${wanted === 'pasta' ? 'passt' : 'slirp4netns'})`);
  }
  const mode = wanted ?? (host.pasta ? 'pasta' : host.slirp4netns ? 'slirp4netns' : undefined);
  if (!mode) throw new TspodError('ERR_TSPOD_NETWORK', 'a private network needs pasta (package passt) or slirp4netns, and neither is installed; use --network host');
  if (!host.tun) throw new TspodError('ERR_TSPOD_NETWORK', `${mode} cannot open /dev/net/tun: ${fix}`);
  return mode;
}

/** Stored form of a mode (HostConfig.NetworkMode). */
export function formatNetworkMode(mode: NetworkMode): string {
  if (mode.kind === 'container') return `container:${mode.ref}`;
  if (mode.kind === 'network') return mode.name;
  return mode.kind;
}

/** Whether a container gets a network set up for it (stack, bridges) before its command runs. */
export function waitsForNetwork(hostConfig: { networkMode: string; networks?: Record<string, unknown> }): boolean {
  const kind = parseNetworkMode(hostConfig.networkMode).kind;
  return kind === 'pasta' || kind === 'slirp4netns' || kind === 'network' || Object.keys(hostConfig.networks ?? {}).length > 0;
}
