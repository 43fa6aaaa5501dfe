/**
 * A container's network as steps for its native monitor
 * (src/model/monitor-spec.ts): a user-mode stack of its own (only for
 * --network pasta|slirp4netns: on a bridge the way out is the per-user
 * stack), its networks (veth pairs into the network host's bridges), then
 * the port forwarder (TCP and UDP), which needs the container's address in
 * place. The monitor runs them once pid 1 exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../model/container.ts';
import type { NetStep } from '../model/monitor-spec.ts';
import { parseNetworkMode, waitsForNetwork } from './mode.ts';
import { outboundOf } from './hosts.ts';
import { endpointSteps, ifnameFor } from './bridge.ts';
import { findNetwork } from './networks.ts';
import { userModeSteps } from '../slirp/usermode.ts';
import { forwarderStep } from '../slirp/forwarder.ts';

export function networkSteps(rec: ContainerRecord, opts: { holderPid: number; storeRoot: string; runRoot: string }): NetStep[] {
  if (!waitsForNetwork(rec.hostConfig)) return [];
  const outbound = outboundOf(rec);
  const onNetwork = parseNetworkMode(rec.hostConfig.networkMode).kind === 'network';
  const ports = rec.hostConfig.portBindings ?? [];
  const runDir = path.join(opts.runRoot, 'net');
  fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });

  const shared = Boolean(outbound && rec.hostConfig.outboundShared);
  const names = Object.keys(rec.hostConfig.networks ?? {});
  return [
    // Published ports, TCP and UDP, all go through the forwarder: the stack publishes none.
    ...(outbound && !shared ? userModeSteps({ mode: outbound, ports: [], runDir, ifname: onNetwork ? 'tap0' : undefined }, rec.id.slice(0, 12)) : []),
    ...Object.entries(rec.hostConfig.networks ?? {}).flatMap(([name, endpoint]) => endpointSteps({
      holderPid: opts.holderPid, containerId: rec.id, network: findNetwork(opts.storeRoot, name), endpoint, ifname: ifnameFor(rec, name),
      defaultRoute: shared && name === names[0],
    })),
    // On a bridge with the per-user stack: from the network host to the bridge address, the client's address kept.
    ...(ports.length ? [forwarderStep(ports, shared ? { holderPid: opts.holderPid, address: rec.hostConfig.networks![names[0]].ip } : undefined)] : []),
  ];
}
