/**
 * The container's /etc/hosts and /etc/resolv.conf for each network mode,
 * and the addresses they name (the container's own, the host's gateway).
 */
import fs from 'node:fs';
import os from 'node:os';
import { UsageError } from '../errors.ts';
import { PASTA_DNS, SLIRP } from '../slirp/usermode.ts';

export interface HostEntry { name: string; ip: string }

/** Parses --add-host NAME:IP (IP may be `host-gateway`; IPv6 may keep its colons). */
export function parseAddHost(spec: string): HostEntry {
  const sep = spec.indexOf(':') >= 0 ? spec.indexOf(':') : spec.indexOf('=');
  const name = spec.slice(0, sep);
  const ip = spec.slice(sep + 1).replace(/^\[(.*)\]$/, '$1');
  if (sep <= 0 || !ip || !/^[a-zA-Z0-9][a-zA-Z0-9.-]*$/.test(name) || !(ip === 'host-gateway' || /^[0-9a-fA-F:.]+$/.test(ip))) {
    throw new UsageError(`invalid --add-host \`${spec}\`: expected NAME:IP or NAME:host-gateway`);
  }
  return { name, ip };
}

/** The host's default IPv4 route: its gateway and the address of its interface. */
export function hostDefaultRoute(routeTable?: string): { gateway: string; address: string } | undefined {
  const text = routeTable ?? (() => { try { return fs.readFileSync('/proc/net/route', 'utf8'); } catch { return ''; } })();
  for (const line of text.split('\n').slice(1)) {
    const [iface, dest, gw] = line.trim().split(/\s+/);
    if (dest !== '00000000' || !gw) continue;
    const n = parseInt(gw, 16);
    const gateway = [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join('.');
    const address = (routeTable ? undefined : os.networkInterfaces()[iface])?.find((a) => a.family === 'IPv4')?.address ?? '';
    return { gateway, address };
  }
  return undefined;
}

/** The container's address and the address that reaches the host, per user-mode stack. */
export function userModeAddresses(mode: 'pasta' | 'slirp4netns'): { address: string; gateway: string } {
  if (mode === 'slirp4netns') return { address: SLIRP.address, gateway: SLIRP.gateway };
  // pasta copies the host's address and gateway; the gateway address leads to the host.
  const route = hostDefaultRoute();
  return { address: route?.address ?? '', gateway: route?.gateway ?? '' };
}

export interface HostsInput {
  hostname: string;
  /** The container's own address on its network ('' when it has none). */
  address: string;
  /** Lines taken as they are (the host's /etc/hosts for --network host). */
  base?: string;
  extra: HostEntry[];
}

export function hostsFile(h: HostsInput): string {
  let text = h.base ?? '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';
  if (text && !text.endsWith('\n')) text += '\n';
  for (const e of h.extra) text += `${e.ip}\t${e.name}\n`;
  text += `${h.address || '127.0.1.1'}\t${h.hostname}\n`;
  return text;
}

/** resolv.conf: --dns servers if given, else the stack's forwarder, else the host's file. */
export function resolvConf(opts: { mode: string; dns: string[]; dnsSearch: string[]; hostResolv: string }): string {
  const keep = (re: RegExp) => opts.hostResolv.split('\n').filter((l) => re.test(l.trim()));
  let servers: string[];
  if (opts.dns.length) servers = opts.dns;
  else if (opts.mode === 'pasta') servers = [PASTA_DNS];
  else if (opts.mode === 'slirp4netns') servers = [SLIRP.dns];
  else if (opts.mode === 'none') return '';
  else return opts.hostResolv;
  const search = opts.dnsSearch.length ? [`search ${opts.dnsSearch.join(' ')}`] : keep(/^(search|domain)\s/);
  return [...search, ...servers.map((s) => `nameserver ${s}`), ...keep(/^options\s/)].join('\n') + '\n';
}
