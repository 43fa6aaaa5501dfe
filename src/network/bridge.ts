/**
 * Plugging a container into a network: a veth pair between the network's
 * bridge in the network host and the container's network namespace, both
 * inside the network host's user namespace, made with rtnetlink by the
 * native helper (native/veth.c); removals with iproute2 through nsenter.
 */
import { run } from '../sys/spawn.ts';
import { TspodError } from '../errors.ts';
import { bridgeName } from './networks.ts';
import type { Endpoint, NetworkRecord } from '../model/network.ts';
import { MTU } from '../slirp/usermode.ts';
import { parseNetworkMode } from './mode.ts';
import type { ContainerRecord } from '../model/container.ts';
import type { NetStep, VethSpec } from '../model/monitor-spec.ts';
import { nativeHelper } from '../sys/native.ts';

const enter = (pid: string) => ['nsenter', '-t', pid, '--user', '--net', '--preserve-credentials', '--'];

/** The host side of a container's veth: unique per container and network. */
const vethName = (containerId: string, n: NetworkRecord) => `ve${containerId.slice(0, 7)}${n.id.slice(0, 5)}`;

/** What the native helper needs to plug a container into a network's bridge (native/veth.c). */
function vethSpec(opts: { holderPid: number; containerId: string; network: NetworkRecord; endpoint: Endpoint; ifname: string; defaultRoute?: boolean }): VethSpec {
  const n = opts.network;
  return {
    holder: opts.holderPid, bridge: bridgeName(n), gateway: n.gateway, prefix: Number(n.subnet.split('/')[1]),
    host: vethName(opts.containerId, n), ifname: opts.ifname, address: opts.endpoint.ip, mtu: MTU, defaultRoute: Boolean(opts.defaultRoute),
  };
}

/** Creates the bridge if needed, and the pair with its inner end `ifname` inside the running container `containerPid`. */
export async function attachEndpoint(opts: { holderPid: number; containerId: string; containerPid: number; network: NetworkRecord; endpoint: Endpoint; ifname: string }): Promise<void> {
  try {
    await run([nativeHelper(), 'veth', JSON.stringify({ ...vethSpec(opts), container: opts.containerPid })]);
  } catch (err) {
    throw new TspodError('ERR_TSPOD_NETWORK', `connecting to network ${opts.network.name}: ${(err as Error).message}`);
  }
}

/** The same as a step of the native monitor, for the container's pid 1 (the way out via the gateway when `defaultRoute`). */
export function endpointSteps(opts: { holderPid: number; containerId: string; network: NetworkRecord; endpoint: Endpoint; ifname: string; defaultRoute?: boolean }): NetStep[] {
  return [{ what: `connecting to network ${opts.network.name}`, ready: 'veth', veth: vethSpec(opts) }];
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
