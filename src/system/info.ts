/** Facts about the host and the store, for `tspod info`. */
import fs from 'node:fs';
import os from 'node:os';
import { currentIdMaps } from '../userns/trampoline.ts';
import { listContainers } from '../runtime/lifecycle.ts';
import { isActive } from '../monitor/state.ts';
import type { Store } from '../storage/store.ts';

export { VERSION } from '../version.ts';
import { VERSION } from '../version.ts';

export interface InfoReport {
  version: string;
  host: { os: string; kernel: string; arch: string; cpus: number; memTotal: number; hostname: string; cgroupVersion: string };
  user: { uid: number; gid: number; uidMap: string; gidMap: string; singleId: boolean };
  store: { root: string; runRoot: string; images: number; layers: number; containers: { total: number; running: number; stopped: number } };
}

function cgroupVersion(): string {
  try {
    const fsType = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => / \/sys\/fs\/cgroup /.test(l));
    if (fsType?.includes(' - cgroup2 ')) return 'v2';
    return fsType ? 'v1 (hybrid)' : 'none';
  } catch { return 'unknown'; }
}

export function gatherInfo(store: Store): InfoReport {
  const maps = currentIdMaps();
  const containers = listContainers(store);
  const running = containers.filter((c) => isActive(c.state)).length;
  const fmt = (m: typeof maps.uid) => m.map((x) => `${x.inner}:${x.outer}:${x.count}`).join(',');
  return {
    version: VERSION,
    host: {
      os: 'linux', kernel: os.release(), arch: os.arch() === 'x64' ? 'amd64' : os.arch(), cpus: os.cpus().length,
      memTotal: os.totalmem(), hostname: os.hostname(), cgroupVersion: cgroupVersion(),
    },
    user: { uid: process.getuid!(), gid: process.getgid!(), uidMap: fmt(maps.uid), gidMap: fmt(maps.gid), singleId: maps.single },
    store: {
      root: store.root, runRoot: store.paths.run, images: store.images().length, layers: store.listLayers().length,
      containers: { total: containers.length, running, stopped: containers.length - running },
    },
  };
}
