/**
 * A new container's network, decided at create time from its flags and the
 * host: the mode to store, published ports with their host ports chosen,
 * and the contents of its /etc/hosts and /etc/resolv.conf.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TspodError } from '../errors.ts';
import { chooseUserMode, formatNetworkMode, parseNetworkMode, probeHostNet, type NetworkMode } from './mode.ts';
import { exposedBindings, mergeBindings, parsePublish, type PortBinding } from './ports.ts';
import { assignHostPorts } from './allocate.ts';
import { hostsFile, parseAddHost, resolvConf, userModeAddresses, type HostEntry } from './etc.ts';

export interface NetworkFlags {
  network: string;
  publish: string[];
  publishAll: boolean;
  addHosts: string[];
  dns: string[];
  dnsSearch: string[];
}

export interface NetworkPlan {
  mode: string;
  ports: PortBinding[];
  extraHosts: HostEntry[];
  hosts(hostname: string): string;
  resolv: string;
}

const readText = (f: string) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };

function resolveMode(value: string, warn: (msg: string) => void): NetworkMode {
  const asked = parseNetworkMode(value);
  if (asked.kind === 'pasta' || asked.kind === 'slirp4netns') return { kind: chooseUserMode(probeHostNet(), asked.kind) };
  if (asked.kind !== 'default') return asked;
  try {
    return { kind: chooseUserMode(probeHostNet()) };
  } catch (err) {
    warn(`${(err as Error).message}; this container uses the host's network`);
    return { kind: 'host' };
  }
}

export async function planNetwork(
  flags: NetworkFlags,
  exposed: Record<string, unknown> | undefined,
  findContainer: (ref: string) => { id: string; dir: string },
  warn: (msg: string) => void,
): Promise<NetworkPlan> {
  let mode = resolveMode(flags.network, warn);
  if (mode.kind === 'network') throw new TspodError('ERR_TSPOD_NO_SUCH_NETWORK', `network ${mode.name} not found`);
  const wanted = mergeBindings(flags.publish.flatMap(parsePublish), flags.publishAll ? exposedBindings(exposed) : []);
  let ports: PortBinding[] = [];
  let shared: { hosts: string; resolv: string } | undefined;
  if (mode.kind === 'container') {
    if (flags.publish.length) throw new TspodError('ERR_TSPOD_USAGE', 'conflicting options: port publishing and the container type network mode');
    const other = findContainer(mode.ref);
    mode = { kind: 'container', ref: other.id };
    shared = { hosts: readText(path.join(other.dir, 'hosts')), resolv: readText(path.join(other.dir, 'resolv.conf')) };
  } else if (mode.kind === 'host') {
    if (flags.publish.length) warn('published ports are discarded when using host network mode');
  } else if (mode.kind !== 'none') {
    ports = await assignHostPorts(wanted);
  }
  const stack = mode.kind === 'pasta' || mode.kind === 'slirp4netns' ? userModeAddresses(mode.kind) : undefined;
  const gateway = stack?.gateway || '127.0.0.1';
  const extraHosts = flags.addHosts.map(parseAddHost).map((e) => (e.ip === 'host-gateway' ? { ...e, ip: gateway } : e));
  const builtIn = stack?.gateway ? [{ name: 'host.containers.internal', ip: stack.gateway }, { name: 'host.docker.internal', ip: stack.gateway }] : [];
  const stored = formatNetworkMode(mode);
  return {
    mode: stored,
    ports,
    extraHosts,
    hosts: (hostname) => shared?.hosts ?? hostsFile({
      hostname,
      address: stack?.address ?? '',
      base: mode.kind === 'host' ? readText('/etc/hosts') : undefined,
      extra: [...builtIn, ...extraHosts],
    }),
    resolv: shared?.resolv ?? resolvConf({ mode: mode.kind, dns: flags.dns, dnsSearch: flags.dnsSearch, hostResolv: readText('/etc/resolv.conf') }),
  };
}
