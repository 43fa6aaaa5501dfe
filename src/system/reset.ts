/** `system reset`: kill every container and delete the whole store, subordinate-owned files included. */
import fs from 'node:fs';
import { removeTrees } from '../userns/trampoline.ts';
import { liveStatus } from '../runtime/remove.ts';
import { kill } from '../sys/libc.ts';
import type { Store } from '../storage/store.ts';

export async function resetStore(store: Store): Promise<void> {
  await store.locked(() => {
    for (const c of store.containers()) if (liveStatus(c) === 'running') kill(c.state.pid, 9);
  });
  await removeTrees(fs.readdirSync(store.root).filter((n) => n !== 'store.lock').map((n) => `${store.root}/${n}`));
  await removeTrees([store.root]);
}
