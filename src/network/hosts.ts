/**
 * Name resolution between containers: each container's /etc/hosts names the
 * containers it shares a user-defined network with (by name and alias) and
 * its links, and is rewritten in place (it is bind-mounted) whenever a
 * network's membership changes.
 */
import fs from 'node:fs';
import type { ContainerRecord } from '../model/container.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import { hostsFile, userModeAddresses, type HostEntry } from './etc.ts';
import { DEFAULT_BRIDGE, parseNetworkMode } from './mode.ts';

/** The user-mode stack a container reaches the outside with, if any. */
export function outboundOf(rec: ContainerRecord): 'pasta' | 'slirp4netns' | undefined {
  const kind = parseNetworkMode(rec.hostConfig.networkMode).kind;
  if (kind === 'pasta' || kind === 'slirp4netns') return kind;
  return kind === 'network' ? rec.hostConfig.outbound : undefined;
}

/** Peers on the networks `rec` is on, and its links, as hosts entries. */
export function peerEntries(rec: ContainerRecord, all: ContainerRecord[]): HostEntry[] {
  const mine = Object.keys(rec.hostConfig.networks ?? {});
  const out: HostEntry[] = [];
  for (const other of all) {
    if (other.id === rec.id) continue;
    const links = (rec.hostConfig.links ?? []).filter((l) => l.split(':')[0] === other.name);
    // On docker's default bridge containers know each other only through links.
    const shared = mine.find((n) => other.hostConfig.networks?.[n] && (n !== DEFAULT_BRIDGE || links.length));
    if (!shared) continue;
    const e = other.hostConfig.networks![shared];
    const aliases = links.map((l) => l.split(':')[1] ?? '');
    for (const name of new Set([...aliases.filter(Boolean), other.name, ...e.aliases, other.id.slice(0, 12)])) out.push({ name, ip: e.ip });
  }
  return out;
}

export function hostsFor(rec: ContainerRecord, all: ContainerRecord[]): string {
  const kind = parseNetworkMode(rec.hostConfig.networkMode).kind;
  const outbound = outboundOf(rec);
  const stack = outbound ? userModeAddresses(outbound) : undefined;
  const builtIn = stack?.gateway ? [{ name: 'host.containers.internal', ip: stack.gateway }, { name: 'host.docker.internal', ip: stack.gateway }] : [];
  const extra = (rec.hostConfig.extraHosts ?? []).map((h) => { const i = h.indexOf(':'); return { name: h.slice(0, i), ip: h.slice(i + 1) }; });
  const first = Object.values(rec.hostConfig.networks ?? {})[0];
  let base: string | undefined;
  if (kind === 'host') { try { base = fs.readFileSync('/etc/hosts', 'utf8'); } catch { /* default */ } }
  return hostsFile({
    hostname: rec.config.hostname,
    address: first?.ip ?? stack?.address ?? '',
    base,
    extra: [...builtIn, ...extra, ...peerEntries(rec, all)],
  });
}

/**
 * Rewrites (in place: the file is bind-mounted) the hosts file of every
 * container on these networks. `all` is asked for only when there is
 * something to do: most containers are on no user-defined network, and
 * reading every record would tax each create and rm.
 */
export function refreshHosts(all: () => ContainerRecord[], networks: string[], layoutOf: (id: string) => ContainerLayout): void {
  // The default bridge has no names to refresh (docker's links are written once).
  networks = networks.filter((n) => n !== DEFAULT_BRIDGE);
  if (!networks.length) return;
  const records = all();
  for (const rec of records) {
    if (!networks.some((n) => rec.hostConfig.networks?.[n])) continue;
    try { fs.writeFileSync(layoutOf(rec.id).etc('hosts'), hostsFor(rec, records)); } catch { /* being removed */ }
  }
}
