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

const enter = (pid: number) => ['nsenter', '-t', String(pid), '--user', '--net', '--preserve-credentials', '--'];

/** The host side of a container's veth: unique per container and network. */
const vethName = (containerId: string, n: NetworkRecord) => `ve${containerId.slice(0, 7)}${n.id.slice(0, 5)}`;

/** Creates the bridge if needed, and the pair with its inner end `ifname` inside the container. */
export async function attachEndpoint(opts: { holderPid: number; containerId: string; containerPid: number; network: NetworkRecord; endpoint: Endpoint; ifname: string }): Promise<void> {
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
    `ip addr add ${e.ip}/${prefix} dev ${opts.ifname}`,
    `ip link set ${opts.ifname} up`,
    'ip link set lo up',
  ].join(' && ');
  try {
    await run([...enter(opts.holderPid), 'sh', '-c', host]);
    await run([...enter(opts.containerPid), 'sh', '-c', inner]);
  } catch (err) {
    throw new TspodError('ERR_TSPOD_NETWORK', `connecting to network ${n.name}: ${(err as Error).message}`);
  }
}

/** Removes the container's end from a network while it runs (network disconnect). */
export async function detachEndpoint(opts: { holderPid: number; containerId: string; network: NetworkRecord }): Promise<void> {
  await run([...enter(opts.holderPid), 'ip', 'link', 'del', vethName(opts.containerId, opts.network)]).catch(() => { /* already gone */ });
}

/** Deletes a network's bridge (network rm). */
export async function removeBridge(holderPid: number, n: NetworkRecord): Promise<void> {
  await run([...enter(holderPid), 'ip', 'link', 'del', bridgeName(n)]).catch(() => { /* never created */ });
}

/** The interface names of a container's networks, in order: eth0 is the user-mode stack's unless on a user network. */
export function ifnameFor(rec: ContainerRecord, network: string): string {
  const base = parseNetworkMode(rec.hostConfig.networkMode).kind === 'network' ? 0 : 1;
  return `eth${base + Object.keys(rec.hostConfig.networks ?? {}).indexOf(network)}`;
}
