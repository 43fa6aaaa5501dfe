/** Removing containers: refuses running ones unless forced (then stops them without restart first). */
import fs from 'node:fs';
import path from 'node:path';
import { removeTrees } from '../userns/remove.ts';
import { isActive, observedState, mark } from '../storage/state.ts';
import { stoppedParentsOutside } from '../sys/proc.ts';
import { lookup, listContainers, containerPids, type Container } from './lifecycle.ts';
import { collectGarbage } from '../image/remove.ts';
import type { Store } from '../storage/store.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import type { ContainerRecord } from '../model/container.ts';
import { refreshHosts } from '../network/hosts.ts';
import { DEFAULT_BRIDGE } from '../network/mode.ts';
import { TspodError } from '../errors.ts';
import { ownedVolumeDirs } from '../volume/records.ts';

export interface RemoveContainerReport { query: string; id: string }

/**
 * Kills the container's processes until it is stopped and its monitor gone.
 * Killing once is not enough: a container whose monitor is still starting it
 * gets its pid 1 only later, and must not live on once its record is removed.
 */
async function killUntilGone(c: Container, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 100)) {
    const state = observedState(c.layout);
    if (!isActive(state) && !state.monitorPid) return;
    const pids = containerPids({ ...c, state });
    for (const pid of pids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    // An exec's nsenter stopped with a paused container would never see its child die.
    for (const pid of stoppedParentsOutside(pids, state.pidNs)) try { process.kill(pid, 'SIGCONT'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, delay));
  }
}

export async function removeContainer(store: Store, query: string, opts: { force: boolean; volumes: boolean }): Promise<RemoveContainerReport> {
  const c = await store.locked(() => {
    const c = lookup(store, query, { damagedOk: true });
    if (isActive(c.state) && !opts.force) {
      throw new TspodError('ERR_TSPOD_CONTAINER_RUNNING',
        `cannot remove container ${c.rec.id.slice(0, 12)}: container is ${c.state.status}: stop the container before removing or force remove`);
    }
    return c;
  });
  if (isActive(c.state) || c.state.monitorPid) {
    mark(c.layout.stopRequested);
    await killUntilGone(c, 15_000);
  }
  // Hide the record first so nobody finds a half-removed container; a monitor removing it (--rm) wins.
  await store.locked(() => { claimRemoval(c.layout); });
  await finishRemoval(store, c.rec, opts);
  return { query, id: c.rec.id };
}

/** Hides a container's record: the removal is under way. False when someone else took it on first. */
export function claimRemoval(layout: ContainerLayout): boolean {
  try {
    fs.renameSync(layout.record, layout.removing);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (a while at most) for a removal somebody else claimed to finish:
 * the monitor's clean-up hook when the attached `run --rm` was too slow to
 * claim it. docker's `run --rm` returns with the container gone.
 */
export async function awaitRemoval(layout: ContainerLayout, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(layout.record) && fs.existsSync(layout.dir) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Networks whose other members list this container in their hosts files. */
const namedNetworks = (rec: ContainerRecord) => Object.keys(rec.hostConfig.networks ?? {}).filter((n) => n !== DEFAULT_BRIDGE);
const hasAnonymousVolumes = (rec: ContainerRecord) => (rec.hostConfig.mounts ?? []).some((m) => m.type === 'volume' && m.anonymous);

/**
 * An attached `run --rm` whose container left nothing but its own files
 * (no anonymous volume to remove, no peer's hosts file to rewrite) hides the
 * record and leaves the files to the monitor, which removes them once the
 * command is gone: the command returns with the container gone from every
 * listing and its name free, without waiting for the files. False when that
 * does not apply or someone else took the removal on.
 */
export function leaveRemoval(layout: ContainerLayout, rec: ContainerRecord): boolean {
  if (namedNetworks(rec).length || hasAnonymousVolumes(rec)) return false;
  try {
    fs.renameSync(layout.record, layout.leftToMonitor);
    return true;
  } catch {
    return false;
  }
}

/** A hidden container's files (its per-boot dir, then its dir, inside the user namespace if they resist), and `more` trees. */
export async function removeContainerFiles(layout: ContainerLayout, more: string[] = []): Promise<void> {
  fs.rmSync(layout.runDir, { recursive: true, force: true });
  await removeTrees([layout.dir, ...more]);
}

/** The rest of a removal, once the record is hidden: the peers' hosts files, then its files (and anonymous volumes). */
export async function finishRemoval(store: Store, rec: ContainerRecord, opts: { volumes: boolean }): Promise<void> {
  const layout = store.layout(rec.id);
  const networks = namedNetworks(rec);
  if (networks.length) {
    await store.locked(() => {
      refreshHosts(() => store.containers(), networks, (id) => store.layout(id));
    });
  }
  const volumes = opts.volumes && hasAnonymousVolumes(rec) ? ownedVolumeDirs(store.root, rec, store.containers()) : [];
  await removeContainerFiles(layout, volumes);
}

/** One container of a prune: removed, or why not. */
export interface PruneContainerReport { id: string; error?: unknown }

/**
 * Removes every container that is not running, going on past a failure, then
 * the layers nothing uses any more. One report per container, in list order.
 */
export async function pruneContainers(store: Store): Promise<PruneContainerReport[]> {
  const reports: PruneContainerReport[] = [];
  for (const c of listContainers(store).filter((c) => !isActive(c.state))) {
    try {
      await removeContainer(store, c.rec.id, { force: false, volumes: false });
      reports.push({ id: c.rec.id });
    } catch (error) {
      reports.push({ id: c.rec.id, error });
    }
  }
  await removeAbandoned(store);
  await collectGarbage(store);
  return reports;
}

/**
 * The files of containers whose removal was begun and never finished: a
 * record renamed away (by `rm`, or by `run --rm` for its monitor) with
 * nobody left to remove the rest (the command or monitor was killed). They
 * are in no listing; prune takes them once their monitor is gone and the
 * removal is a minute old (one under way takes seconds).
 */
export async function removeAbandoned(store: Store): Promise<void> {
  for (const id of fs.readdirSync(path.join(store.root, 'containers'))) {
    const layout = store.layout(id);
    const marker = [layout.leftToMonitor, layout.removing].find((f) => fs.existsSync(f));
    if (!marker || fs.existsSync(layout.record) || observedState(layout).monitorPid) continue;
    try {
      if (Date.now() - fs.statSync(marker).mtimeMs < 60_000) continue;
    } catch { continue; /* finished meanwhile */ }
    await removeContainerFiles(layout).catch(() => { /* the next prune tries again */ });
  }
}
