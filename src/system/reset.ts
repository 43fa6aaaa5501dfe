/** `system reset`: kill every container and delete the whole store, subordinate-owned files included. */
import { stopHolder } from '../network/holder.ts';
import fs from 'node:fs';
import { removeTrees } from '../userns/remove.ts';
import { listContainers, containerPids } from '../runtime/lifecycle.ts';
import { mark } from '../storage/state.ts';
import type { Store } from '../storage/store.ts';

export async function resetStore(store: Store): Promise<void> {
  await store.locked(() => {
    for (const c of listContainers(store)) {
      mark(c.layout.stopRequested);
      // Only verified processes: pids come from observedState, checked against /proc.
      for (const pid of [...containerPids(c), c.state.monitorPid]) if (pid) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
  stopHolder(store.paths.run);
  fs.rmSync(`${store.paths.run}/containers`, { recursive: true, force: true });
  await removeTrees(fs.readdirSync(store.root).filter((n) => n !== 'store.lock').map((n) => `${store.root}/${n}`));
  await removeTrees([store.root]);
}
