/**
 * User-defined networks: their records (networks/<name>.json in the store),
 * and which containers are on them with which address. The records are
 * written under the store lock by the caller.
 */
import fs from 'node:fs';
import path from 'node:path';
import { readJson, writeJsonAtomic } from '../storage/atomic.ts';
import { NAME_RE, type ContainerRecord } from '../model/container.ts';
import { TspodError, UsageError } from '../errors.ts';
import { formatSubnet, freeAddress, freeSubnet, contains, intToIp, ipToInt, overlaps, parseSubnet } from './ipam.ts';
import { hostDefaultRoute } from './etc.ts';
import type { Endpoint, NetworkRecord } from '../model/network.ts';
import { randomHex, sha256Hex } from '../sys/random.ts';

/** Names docker reserves for its built-in modes. */
const RESERVED = new Set(['host', 'none', 'default', 'bridge', 'private', 'pasta', 'slirp4netns']);

const dirOf = (storeRoot: string) => path.join(storeRoot, 'networks');

export function listNetworks(storeRoot: string): NetworkRecord[] {
  let names: string[];
  try { names = fs.readdirSync(dirOf(storeRoot)).filter((f) => f.endsWith('.json')); } catch { return []; }
  return names.map((f) => readJson<NetworkRecord | undefined>(path.join(dirOf(storeRoot), f), undefined))
    .filter((n): n is NetworkRecord => Boolean(n))
    .sort((a, b) => a.created.localeCompare(b.created));
}

/** By name, full id or unique id prefix. */
export function findNetwork(storeRoot: string, query: string): NetworkRecord {
  const all = listNetworks(storeRoot);
  const hit = all.find((n) => n.name === query) ?? (() => {
    const byId = /^[a-f0-9]+$/.test(query) ? all.filter((n) => n.id.startsWith(query)) : [];
    return byId.length === 1 ? byId[0] : undefined;
  })();
  if (!hit) throw new TspodError('ERR_TSPOD_NO_SUCH_NETWORK', `network ${query} not found`);
  return hit;
}

/**
 * The Linux bridge of a network inside the network host (15 characters at
 * most), named by the network's name and subnet, not its id: a store wiped
 * while the network host lives (system reset from another run dir) leaves
 * the old bridge, and the network made again with the same name and subnet
 * must use it, not add a second bridge with the same subnet beside it.
 */
export const bridgeName = (n: NetworkRecord) => `tsbr-${sha256Hex(`${n.name}\n${n.subnet}`).slice(0, 10)}`;

export interface CreateNetworkOptions { builtIn?: boolean; name: string; driver?: string; subnet?: string; gateway?: string; internal?: boolean; labels?: Record<string, string> }

export function createNetwork(storeRoot: string, opts: CreateNetworkOptions): NetworkRecord {
  if (!NAME_RE.test(opts.name)) throw new UsageError(`invalid network name \`${opts.name}\`: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  if (RESERVED.has(opts.name) && !opts.builtIn) throw new UsageError(`network name \`${opts.name}\` is reserved for a built-in network mode`);
  if (opts.driver && opts.driver !== 'bridge') throw new UsageError(`network driver \`${opts.driver}\` is not supported (only bridge)`);
  const all = listNetworks(storeRoot);
  if (all.some((n) => n.name === opts.name)) throw new TspodError('ERR_TSPOD_NAME_IN_USE', `network with name ${opts.name} already exists`);
  const taken = all.map((n) => parseSubnet(n.subnet));
  const route = hostDefaultRoute();
  // The host's own subnet is what pasta copies into containers: keep clear of it.
  if (route?.address) taken.push(parseSubnet(`${route.address}/24`));
  const subnet = opts.subnet ? parseSubnet(opts.subnet) : freeSubnet(taken);
  const clash = all.find((n) => overlaps(parseSubnet(n.subnet), subnet));
  if (clash) throw new TspodError('ERR_TSPOD_NETWORK', `subnet ${formatSubnet(subnet)} overlaps network ${clash.name} (${clash.subnet})`);
  const gateway = opts.gateway ?? intToIp(subnet.base + 1);
  if (!contains(subnet, gateway)) throw new UsageError(`gateway ${gateway} is not in subnet ${formatSubnet(subnet)}`);
  const rec: NetworkRecord = {
    id: randomHex(32), name: opts.name, driver: 'bridge', subnet: formatSubnet(subnet), gateway,
    internal: opts.internal ?? false, created: new Date().toISOString(), labels: opts.labels ?? {},
  };
  fs.mkdirSync(dirOf(storeRoot), { recursive: true });
  writeJsonAtomic(path.join(dirOf(storeRoot), `${rec.name}.json`), rec);
  return rec;
}

export function removeNetworkRecord(storeRoot: string, n: NetworkRecord): void {
  fs.rmSync(path.join(dirOf(storeRoot), `${n.name}.json`), { force: true });
}

/** The containers on a network, with their endpoint there. */
export function endpointsOn(containers: ContainerRecord[], name: string): Array<{ rec: ContainerRecord; endpoint: Endpoint }> {
  return containers.flatMap((rec) => {
    const e = rec.hostConfig.networks?.[name];
    return e ? [{ rec, endpoint: e }] : [];
  });
}

/** An endpoint for a new member: the requested address if free, else the lowest free one. */
export function allocateEndpoint(n: NetworkRecord, containers: ContainerRecord[], opts: { ip?: string; aliases?: string[] } = {}): Endpoint {
  const subnet = parseSubnet(n.subnet);
  const used = endpointsOn(containers, n.name).map((e) => e.endpoint.ip);
  if (opts.ip) {
    if (!contains(subnet, opts.ip) || ipToInt(opts.ip) === ipToInt(n.gateway)) throw new UsageError(`address ${opts.ip} is not usable in network ${n.name} (${n.subnet})`);
    if (used.includes(opts.ip)) throw new TspodError('ERR_TSPOD_NETWORK', `address ${opts.ip} is already in use on network ${n.name}`);
    return { ip: opts.ip, aliases: opts.aliases ?? [] };
  }
  return { ip: freeAddress(subnet, n.gateway, used), aliases: opts.aliases ?? [] };
}
