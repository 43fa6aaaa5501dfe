/**
 * Plugging a container into a user-defined network: a veth pair between the
 * network's bridge in the network host and the container's network
 * namespace, both inside the network host's user namespace, configured with
 * iproute2 through nsenter.
 */
import { run } from '../sys/spawn.ts';
import { TspodError } from '../errors.ts';
import { bridgeName } from './networks.ts';
import type { Endpoint, NetworkRecord } from '../model/network.ts';
import { MTU } from '../slirp/usermode.ts';
import { parseNetworkMode } from './mode.ts';
import type { ContainerRecord } from '../model/container.ts';
import { PID1, type NetStep } from '../model/monitor-spec.ts';

const enter = (pid: string) => ['nsenter', '-t', pid, '--user', '--net', '--preserve-credentials', '--'];

/** The host side of a container's veth: unique per container and network. */
const vethName = (containerId: string, n: NetworkRecord) => `ve${containerId.slice(0, 7)}${n.id.slice(0, 5)}`;

/** The two commands that plug `containerPid` (a pid, or PID1) in: the host side in the network host, then the container's side. */
function endpointCommands(opts: { holderPid: number; containerId: string; containerPid: string; network: NetworkRecord; endpoint: Endpoint; ifname: string; defaultRoute?: boolean }): [string[], string[]] {
  const { network: n, endpoint: e } = opts;
  const prefix = n.subnet.split('/')[1];
  const br = bridgeName(n);
  const veth = vethName(opts.containerId, n);
  // Several containers may create the same bridge at once: only "exists" may fail.
  const host = [
    `ip link add ${br} mtu ${MTU} type bridge 2>/dev/null; ip addr add ${n.gateway}/${prefix} dev ${br} 2>/dev/null; ip link set ${br} up`,
    `ip link add ${veth} mtu ${MTU} type veth peer name ${opts.ifname} netns ${opts.containerPid}`,
    `ip link set ${veth} master ${br} up`,
  ].join(' && ');
  const inner = [
    `ip link set ${opts.ifname} mtu ${MTU}`,
    `ip addr add ${e.ip}/${prefix} dev ${opts.ifname}`,
    `ip link set ${opts.ifname} up`,
    'ip link set lo up',
    // The way out through the per-user stack: the network host routes (and masquerades) for the container.
    ...(opts.defaultRoute ? [`ip route add default via ${n.gateway}`] : []),
  ].join(' && ');
  return [[...enter(String(opts.holderPid)), 'sh', '-c', host], [...enter(opts.containerPid), 'sh', '-c', inner]];
}

/** Creates the bridge if needed, and the pair with its inner end `ifname` inside the container. */
export async function attachEndpoint(opts: { holderPid: number; containerId: string; containerPid: number; network: NetworkRecord; endpoint: Endpoint; ifname: string }): Promise<void> {
  try {
    for (const argv of endpointCommands({ ...opts, containerPid: String(opts.containerPid) })) await run(argv);
  } catch (err) {
    throw new TspodError('ERR_TSPOD_NETWORK', `connecting to network ${opts.network.name}: ${(err as Error).message}`);
  }
}

/** The same as steps of the native monitor, for the container's pid 1. */
export function endpointSteps(opts: { holderPid: number; containerId: string; network: NetworkRecord; endpoint: Endpoint; ifname: string; defaultRoute?: boolean }): NetStep[] {
  return endpointCommands({ ...opts, containerPid: PID1 }).map((argv) => ({ what: `connecting to network ${opts.network.name}`, argv, ready: 'exit' }));
}

/** Removes the container's end from a network while it runs (network disconnect). */
export async function detachEndpoint(opts: { holderPid: number; containerId: string; network: NetworkRecord }): Promise<void> {
  await run([...enter(String(opts.holderPid)), 'ip', 'link', 'del', vethName(opts.containerId, opts.network)]).catch(() => { /* already gone */ });
}

/** Deletes a network's bridge (network rm). */
export async function removeBridge(holderPid: number, n: NetworkRecord): Promise<void> {
  await run([...enter(String(holderPid)), 'ip', 'link', 'del', bridgeName(n)]).catch(() => { /* never created */ });
}

/** The interface names of a container's networks, in order: eth0 is the user-mode stack's unless on a user network. */
export function ifnameFor(rec: ContainerRecord, network: string): string {
  const base = parseNetworkMode(rec.hostConfig.networkMode).kind === 'network' ? 0 : 1;
  return `eth${base + Object.keys(rec.hostConfig.networks ?? {}).indexOf(network)}`;
}
