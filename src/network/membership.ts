/**
 * Which containers are on which user-defined networks: joining at create
 * time (--network NET, --link), connect and disconnect later, and plugging
 * running containers in or out at once.
 */
import fs from 'node:fs';
import type { Store } from '../storage/store.ts';
import { findContainer } from '../storage/containers.ts';
import type { ContainerRecord } from '../model/container.ts';
import { observedState } from '../storage/state.ts';
import { TspodError } from '../errors.ts';
import { allocateEndpoint, createNetwork, type CreateNetworkOptions, findNetwork, listNetworks, removeNetworkRecord } from './networks.ts';
import type { NetworkRecord } from '../model/network.ts';
import { parseNetworkMode } from './mode.ts';
import { attachEndpoint, detachEndpoint, ifnameFor, removeBridge } from './bridge.ts';
import { currentHolder } from './holder.ts';
import { hostsFor, refreshHosts } from './hosts.ts';
import { DEFAULT_BRIDGE, refuseModeNetwork } from './mode.ts';

/** A container's own hosts file, rewritten in place. */
function writeHosts(store: Store, rec: ContainerRecord, all: ContainerRecord[]): void {
  try { fs.writeFileSync(store.layout(rec.id).etc('hosts'), hostsFor(rec, all)); } catch { /* being removed */ }
}

/**
 * docker's default bridge: where default containers are, and the network
 * --link uses when two containers share no other. Made on first use, under
 * the store lock.
 */
export function defaultBridge(store: Store): NetworkRecord {
  return listNetworks(store.root).find((n) => n.name === DEFAULT_BRIDGE) ?? createNetwork(store.root, { name: DEFAULT_BRIDGE, builtIn: true });
}

/**
 * Puts a new container (not yet stored) on its network and links it. Returns
 * the other containers whose records changed (linked ones joining the link
 * network). Runs under the store lock.
 */
export function joinNetworks(store: Store, rec: ContainerRecord, all: ContainerRecord[], network: NetworkRecord | undefined,
  opts: { aliases: string[]; ip?: string; links: string[] }): Array<{ rec: ContainerRecord; network: NetworkRecord }> {
  if (network) rec.hostConfig.networks = { [network.name]: allocateEndpoint(network, all, { ip: opts.ip, aliases: opts.aliases }) };
  const changed: Array<{ rec: ContainerRecord; network: NetworkRecord }> = [];
  const links: string[] = [];
  for (const spec of opts.links) {
    const [name, alias = name] = spec.split(':');
    let target: ContainerRecord;
    try { target = findContainer(all, name); } catch { throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `could not get container for ${name}`); }
    links.push(`${target.name}:${alias}`);
    const shared = Object.keys(rec.hostConfig.networks ?? {}).some((n) => target.hostConfig.networks?.[n]);
    if (shared) continue;
    const net = defaultBridge(store);
    if (!rec.hostConfig.networks?.[net.name]) {
      rec.hostConfig.networks = { ...rec.hostConfig.networks, [net.name]: allocateEndpoint(net, [...all, rec]) };
    }
    if (!target.hostConfig.networks?.[net.name]) {
      target.hostConfig.networks = { ...target.hostConfig.networks, [net.name]: allocateEndpoint(net, [...all, rec]) };
      changed.push({ rec: target, network: net });
    }
  }
  if (links.length) rec.hostConfig.links = links;
  return changed;
}

/** Plugs a running container into a network it was just put on; a stopped one joins at its next start. */
export async function plugIfRunning(store: Store, rec: ContainerRecord, network: NetworkRecord): Promise<void> {
  const state = observedState(store.layout(rec.id));
  const holder = currentHolder(store.paths.run);
  if (state.status !== 'running' || !state.pid || !holder) return;
  await attachEndpoint({ holderPid: holder, containerId: rec.id, containerPid: state.pid, network, endpoint: rec.hostConfig.networks![network.name], ifname: ifnameFor(rec, network.name) });
}

async function unplugIfRunning(store: Store, rec: ContainerRecord, network: NetworkRecord): Promise<void> {
  const holder = currentHolder(store.paths.run);
  if (holder) await detachEndpoint({ holderPid: holder, containerId: rec.id, network });
}

/** network connect: the record under the store lock, then the live interface. */
export async function connect(store: Store, networkQuery: string, containerQuery: string, opts: { aliases: string[]; ip?: string }): Promise<void> {
  const { rec, network } = await store.locked(() => {
    const all = store.containers();
    const rec = findContainer(all, containerQuery);
    const network = findNetwork(store.root, networkQuery);
    const kind = parseNetworkMode(rec.hostConfig.networkMode).kind;
    if (kind === 'host' || kind === 'none' || kind === 'container') {
      throw new TspodError('ERR_TSPOD_NETWORK', `container ${rec.name} uses network mode ${rec.hostConfig.networkMode}: it cannot join other networks`);
    }
    if (rec.hostConfig.networks?.[network.name]) throw new TspodError('ERR_TSPOD_NETWORK', `container ${rec.name} is already connected to network ${network.name}`);
    rec.hostConfig.networks = { ...rec.hostConfig.networks, [network.name]: allocateEndpoint(network, all, opts) };
    store.writeContainer(rec);
    refreshHosts(() => all, [network.name], (id) => store.layout(id));
    return { rec, network };
  });
  await plugIfRunning(store, rec, network);
}

export async function disconnect(store: Store, networkQuery: string, containerQuery: string): Promise<void> {
  const { rec, network } = await store.locked(() => {
    const all = store.containers();
    const rec = findContainer(all, containerQuery);
    const network = findNetwork(store.root, networkQuery);
    if (!rec.hostConfig.networks?.[network.name]) throw new TspodError('ERR_TSPOD_NETWORK', `container ${rec.name} is not connected to network ${network.name}`);
    const { [network.name]: _gone, ...rest } = rec.hostConfig.networks;
    rec.hostConfig.networks = rest; // `rec` is one of `all`: the list below sees the change
    store.writeContainer(rec);
    refreshHosts(() => all, [network.name, ...Object.keys(rest)], (id) => store.layout(id));
    writeHosts(store, rec, all);
    return { rec, network };
  });
  await unplugIfRunning(store, rec, network);
}

/** network rm: refused while any container is on it (docker's "active endpoints"). */
export async function removeNetwork(store: Store, query: string): Promise<NetworkRecord> {
  const network = await store.locked(() => {
    refuseModeNetwork(query);
    const network = findNetwork(store.root, query);
    if (network.name === DEFAULT_BRIDGE) throw new TspodError('ERR_TSPOD_NETWORK', `${DEFAULT_BRIDGE} is a pre-defined network and cannot be removed`);
    const users = store.containers().filter((c) => c.hostConfig.networks?.[network.name] || c.hostConfig.networkMode === network.name);
    if (users.length) {
      throw new TspodError('ERR_TSPOD_NETWORK', `network ${network.name} is in use by container${users.length > 1 ? 's' : ''} ${users.map((c) => c.name).join(', ')}: remove or disconnect ${users.length > 1 ? 'them' : 'it'} first`);
    }
    removeNetworkRecord(store.root, network);
    return network;
  });
  const holder = currentHolder(store.paths.run);
  if (holder) await removeBridge(holder, network);
  return network;
}

/** network prune: every network no container is on. */
export async function pruneNetworks(store: Store): Promise<string[]> {
  const all = store.containers();
  const unused = listNetworks(store.root).filter((n) => n.name !== DEFAULT_BRIDGE && !all.some((c) => c.hostConfig.networks?.[n.name] || c.hostConfig.networkMode === n.name));
  const removed: string[] = [];
  for (const n of unused) {
    try { removed.push((await removeNetwork(store, n.name)).name); } catch { /* taken meanwhile */ }
  }
  return removed;
}

/** Creates a user-defined network (under the store lock). */
export async function addNetwork(store: Store, opts: CreateNetworkOptions): Promise<NetworkRecord> {
  return store.locked(() => createNetwork(store.root, opts));
}
