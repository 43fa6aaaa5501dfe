/**
 * A new container's network, decided at create time from its flags and the
 * host: the mode to store, published ports with their host ports chosen, the
 * user-defined network it joins, and its /etc/resolv.conf.
 */
import fs from 'node:fs';
import { TspodError, UsageError } from '../errors.ts';
import { chooseUserMode, DEFAULT_BRIDGE, formatNetworkMode, parseNetworkMode, probeHostNet, type HostNet } from './mode.ts';
import type { NetworkMode, NetworkRecord, PortBinding, UserMode } from '../model/network.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import { exposedBindings, mergeBindings, parsePublish } from './ports.ts';
import { assignHostPorts } from './allocate.ts';
import { parseAddHost, resolvConf, userModeAddresses, type HostEntry } from './etc.ts';
import { findNetwork } from './networks.ts';

export interface NetworkFlags {
  network: string;
  publish: string[];
  publishAll: boolean;
  addHosts: string[];
  dns: string[];
  dnsSearch: string[];
  networkAliases: string[];
  ip?: string;
}

export interface NetworkPlan {
  mode: string;
  ports: PortBinding[];
  extraHosts: HostEntry[];
  outbound?: UserMode;
  /** The user-defined network to join (the address is taken under the store lock). */
  network?: NetworkRecord;
  /** The default bridge, found or made under the store lock. */
  bridge?: boolean;
  /** The way out goes through the per-user stack (not a stack of the container's own). */
  sharedOutbound?: boolean;
  /** --network container:X shares X's files. */
  sharedHosts?: string;
  resolv: string;
}

let probed: HostNet | undefined;
/** What this host has for networking, probed once per command. */
const host = () => (probed ??= probeHostNet());

const readText = (f: string) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };

function defaultUserMode(warn: (msg: string) => void, fallback: string): UserMode | undefined {
  try {
    return chooseUserMode(host());
  } catch (err) {
    warn(`${(err as Error).message}; ${fallback}`);
    return undefined;
  }
}

function resolveMode(value: string, warn: (msg: string) => void): NetworkMode {
  const asked = parseNetworkMode(value);
  if (asked.kind === 'pasta' || asked.kind === 'slirp4netns') return { kind: chooseUserMode(host(), asked.kind) };
  if (asked.kind !== 'default') return asked;
  const mode = defaultUserMode(warn, 'this container uses the host\'s network');
  // Without iptables the network host cannot masquerade: a stack of the container's own, as before the bridge.
  if (mode && !host().iptables) return { kind: mode };
  return mode ? { kind: 'network', name: DEFAULT_BRIDGE } : { kind: 'host' };
}

export async function planNetwork(
  storeRoot: string,
  flags: NetworkFlags,
  exposed: Record<string, unknown> | undefined,
  findContainer: (ref: string) => ContainerLayout,
  warn: (msg: string) => void,
): Promise<NetworkPlan> {
  let mode = resolveMode(flags.network, warn);
  const wanted = mergeBindings(flags.publish.flatMap(parsePublish), flags.publishAll ? exposedBindings(exposed) : []);
  let ports: PortBinding[] = [];
  let shared: { hosts: string; resolv: string } | undefined;
  let network: NetworkRecord | undefined;
  let outbound: UserMode | undefined;
  let bridge = false;
  if ((flags.networkAliases.length || flags.ip) && mode.kind !== 'network') {
    throw new UsageError('--network-alias and --ip need a user-defined network (tspod network create)');
  }
  if (mode.kind === 'container') {
    if (flags.publish.length) throw new UsageError('conflicting options: port publishing and the container type network mode');
    const other = findContainer(mode.ref);
    mode = { kind: 'container', ref: other.id };
    shared = { hosts: readText(other.etc('hosts')), resolv: readText(other.etc('resolv.conf')) };
  } else if (mode.kind === 'host') {
    if (flags.publish.length) warn('published ports are discarded when using host network mode');
  } else if (mode.kind !== 'none') {
    if (mode.kind === 'network' && mode.name === DEFAULT_BRIDGE) {
      bridge = true;
      outbound = chooseUserMode(host());
    } else if (mode.kind === 'network') {
      network = findNetwork(storeRoot, mode.name);
      mode = { kind: 'network', name: network.name };
      outbound = network.internal ? undefined : defaultUserMode(warn, `containers on ${network.name} reach only each other`);
      if (!outbound && wanted.length) throw new TspodError('ERR_TSPOD_NETWORK', `cannot publish ports: network ${network.name} has no way out of its namespace`);
    } else {
      outbound = mode.kind;
    }
    ports = await assignHostPorts(wanted);
  }
  const gateway = outbound ? userModeAddresses(outbound).gateway || '127.0.0.1' : '127.0.0.1';
  const extraHosts = flags.addHosts.map(parseAddHost).map((e) => (e.ip === 'host-gateway' ? { ...e, ip: gateway } : e));
  const resolvMode = mode.kind === 'network' ? outbound ?? 'none' : mode.kind;
  return {
    mode: formatNetworkMode(mode),
    ports,
    extraHosts,
    outbound,
    network,
    bridge,
    sharedOutbound: Boolean(outbound) && mode.kind === 'network' && Boolean(host().iptables),
    sharedHosts: shared?.hosts,
    resolv: shared?.resolv ?? resolvConf({ mode: resolvMode, dns: flags.dns, dnsSearch: flags.dnsSearch, hostResolv: readText('/etc/resolv.conf') }),
  };
}
