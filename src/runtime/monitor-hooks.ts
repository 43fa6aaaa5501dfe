/**
 * What a container's native monitor hands back to the engine, as internal
 * entries of tspod (podman's conmon does the same with `podman container
 * cleanup` and `podman healthcheck run`):
 *   __health ROOT RUNROOT ID    one health check, recorded (every interval)
 *   __cleanup ROOT RUNROOT ID   --rm: removes the container after its last
 *                               exit (the monitor becomes this process)
 */
import { defaultPaths } from '../storage/paths.ts';
import { Store } from '../storage/store.ts';
import { lookup } from './lifecycle.ts';
import { runHealthcheck } from './health.ts';
import { removeContainer, removeContainerFiles } from './remove.ts';
import fs from 'node:fs';

const storeOf = (root: string, runroot: string) => new Store(defaultPaths({ root, runroot }));

export async function healthHook(root: string, runroot: string, id: string): Promise<void> {
  await runHealthcheck(lookup(storeOf(root, runroot), id));
}

export async function cleanupHook(root: string, runroot: string, id: string): Promise<void> {
  const store = storeOf(root, runroot);
  const layout = store.layout(id);
  // The files left to the monitor that it could not remove itself (owned by the container's other users).
  if (!fs.existsSync(layout.record) && fs.existsSync(layout.dir)) {
    await removeContainerFiles(layout);
    return;
  }
  await removeContainer(store, id, { force: true, volumes: true }).catch(() => { /* removed meanwhile */ });
}
