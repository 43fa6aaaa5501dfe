/** Removing containers: refuses running ones unless forced (then kills them). */
import fs from 'node:fs';
import { findContainer, type ContainerRecord } from '../storage/containers.ts';
import type { Store } from '../storage/store.ts';
import { removeTrees } from '../userns/trampoline.ts';
import { kill } from '../sys/libc.ts';
import { TspodError } from '../errors.ts';

/** The record's status corrected for a process that died without its CLI noticing. */
export function liveStatus(rec: ContainerRecord): ContainerRecord['state']['status'] {
  if (rec.state.status === 'running' && !(rec.state.pid > 0 && kill(rec.state.pid, 0))) return 'exited';
  return rec.state.status;
}

export interface RemoveContainerReport { query: string; id: string }

export async function removeContainer(store: Store, query: string, opts: { force: boolean; volumes: boolean }): Promise<RemoveContainerReport> {
  const rec = await store.locked(() => {
    const rec = findContainer(store.containers(), query);
    if (liveStatus(rec) === 'running') {
      if (!opts.force) {
        throw new TspodError('ERR_TSPOD_CONTAINER_RUNNING',
          `cannot remove container ${rec.id.slice(0, 12)}: container is running: stop the container before removing or force remove`);
      }
      kill(rec.state.pid, 9);
    }
    // Hide the record first so nobody else finds a half-removed container.
    fs.renameSync(`${store.containerDir(rec.id)}/container.json`, `${store.containerDir(rec.id)}/container.json.removing`);
    return rec;
  });
  const anonymous = opts.volumes ? rec.hostConfig.mounts.filter((m) => m.type === 'volume' && m.name?.endsWith('anon')) : [];
  await removeTrees([store.containerDir(rec.id), ...anonymous.map((m) => m.source.replace(/\/_data$/, ''))]);
  return { query, id: rec.id };
}
