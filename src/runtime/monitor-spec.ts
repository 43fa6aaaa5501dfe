/**
 * Everything a container's native monitor is given for one start
 * (src/model/monitor-spec.ts): the OCI runtime spec (written beside it), the
 * paths of its records, log and socket, the restart policy, the network
 * steps, the health check and, for --rm, the clean-up command. Decided here,
 * in the command that starts the container; the monitor only carries it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeJsonVolatile } from '../storage/atomic.ts';
import { observedState } from '../storage/state.ts';
import type { Store } from '../storage/store.ts';
import type { ContainerRecord } from '../model/container.ts';
import type { MonitorSpec } from '../model/monitor-spec.ts';
import { parseRestartPolicy } from '../model/restart-policy.ts';
import { parseNetworkMode } from '../network/mode.ts';
import { ensureHolder, ensureSharedStack } from '../network/holder.ts';
import { networkSteps } from '../network/steps.ts';
import { containerSpec, rootfsBackends } from './spec.ts';
import { hasHealthcheck, healthFile, healthInterval, STARTING } from './health.ts';
import { selfArgv } from '../sys/self.ts';
import { runtimeCommands } from './oci-bundle.ts';
import { TspodError } from '../errors.ts';

/** Host pid of a running container whose namespaces this one joins. */
function runningPid(store: Store, id: string): number {
  const s = observedState(store.layout(id));
  if (s.status !== 'running' || !s.pid) throw new TspodError('ERR_TSPOD_NOT_RUNNING', `container ${id.slice(0, 12)} (whose namespaces this one shares) is not running`);
  return s.pid;
}

/** Writes the OCI spec and monitor.json of `rec`'s next start; returns monitor.json's path. */
export async function prepareMonitor(store: Store, rec: ContainerRecord): Promise<string> {
  const layout = store.layout(rec.id);
  const { hostConfig, config } = rec;
  const network = parseNetworkMode(hostConfig.networkMode);
  // In the network host's user namespace, or the one of the container whose network this one shares.
  const netPid = network.kind === 'container' ? runningPid(store, network.ref) : undefined;
  const shared = rec.hostConfig.outboundShared && rec.hostConfig.outbound;
  const holderPid = netPid ?? (shared ? await ensureSharedStack(store.paths.run, shared) : await ensureHolder(store.paths.run));
  fs.mkdirSync(layout.runDir, { recursive: true, mode: 0o700 });
  fs.mkdirSync(path.dirname(layout.socket), { recursive: true, mode: 0o700 });
  const sharePids = Object.fromEntries(Object.entries(hostConfig.shareNs ?? {}).map(([type, id]) => [type, runningPid(store, id!)]));
  const oci = containerSpec(rec, layout, {
    userNsPid: holderPid, netNsPid: netPid, storeRoot: store.root, backends: rootfsBackends(), sharePids,
  });
  writeJsonVolatile(layout.spec, oci);
  const hook = (entry: string) => [...selfArgv(), entry, store.root, store.paths.run, rec.id];
  const lc = hostConfig.logConfig;
  const policy = parseRestartPolicy(hostConfig.restartPolicy ?? 'no');
  const hc = config.healthcheck;
  const spec: MonitorSpec = {
    id: rec.id,
    spec: layout.spec,
    record: layout.record,
    state: layout.state,
    live: layout.live,
    socket: layout.socket,
    spare: layout.spare,
    stopRequested: layout.stopRequested,
    paused: layout.paused,
    log: lc?.type === 'none' ? undefined : { path: layout.log, maxSize: lc?.maxSize, maxFile: lc?.maxFile },
    tty: Boolean(config.tty),
    openStdin: Boolean(config.openStdin),
    restart: { name: policy.name, maxRetries: policy.name === 'on-failure' ? policy.maxRetries : undefined },
    network: networkSteps(rec, { holderPid, storeRoot: store.root, runRoot: store.paths.run }),
    health: hasHealthcheck(hc) ? { argv: hook('__health'), intervalMs: healthInterval(hc), file: healthFile(layout), reset: JSON.stringify(STARTING) } : undefined,
    cleanup: hostConfig.autoRemove ? hook('__cleanup') : undefined,
    leftToMonitor: hostConfig.autoRemove ? { marker: layout.leftToMonitor, dirs: [layout.runDir, layout.dir] } : undefined,
    runtime: hostConfig.runtime ? runtimeCommands(rec, layout, oci, store.root) : undefined,
  };
  writeJsonVolatile(layout.monitorSpec, spec);
  return layout.monitorSpec;
}
