/** Facts about the host and the store, for `tspod info`. */
import fs from 'node:fs';
import os from 'node:os';
import { currentIdMaps } from '../userns/trampoline.ts';
import { listContainers } from '../runtime/lifecycle.ts';
import { isActive } from '../storage/state.ts';
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

const goArch = (a: string) => (a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a);
const unameArch = (a: string) => ({ x64: 'x86_64', arm64: 'aarch64', ia32: 'i686' } as Record<string, string>)[a] ?? a;

/** docker's API version tspod answers to, for `version`. */
export const API_VERSION = '1.41';

/**
 * `tspod version` as docker's template data: `.Client.Version`,
 * `.Server.Version` (daemonless: the server is this same engine).
 */
export function versionDocument(): Record<string, unknown> {
  const common = { Version: VERSION, ApiVersion: API_VERSION, GitCommit: '', GoVersion: `node${process.versions.node}`, Os: 'linux', Arch: goArch(process.arch), BuildTime: '' };
  return {
    Client: { Platform: { Name: 'tspod' }, ...common, DefaultAPIVersion: API_VERSION, Context: 'default' },
    Server: {
      Platform: { Name: 'tspod' },
      Components: [{ Name: 'Engine', Version: VERSION, Details: { ApiVersion: API_VERSION, Arch: common.Arch, Os: 'linux', KernelVersion: os.release(), MinAPIVersion: '1.24' } }],
      ...common, MinAPIVersion: '1.24', KernelVersion: os.release(),
    },
  };
}

/** The OS of the host, from /etc/os-release (docker's OperatingSystem). */
function operatingSystem(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(fs.readFileSync('/etc/os-release', 'utf8'));
    if (m) return m[1];
  } catch { /* none */ }
  return 'linux';
}

/**
 * `tspod info` as template data: docker's top-level fields (ServerVersion,
 * Driver, OperatingSystem, Containers, NCPU, MemTotal, ...) and podman's
 * sections (`.Host.Arch`, `.Store.GraphRoot`, `.Version.Version`).
 */
export function infoDocument(i: InfoReport): Record<string, unknown> {
  const cgroup = i.host.cgroupVersion.startsWith('v2') ? '2' : i.host.cgroupVersion.startsWith('v1') ? '1' : '';
  const c = i.store.containers;
  return {
    ID: '', Containers: c.total, ContainersRunning: c.running, ContainersPaused: 0, ContainersStopped: c.stopped, Images: i.store.images,
    Driver: 'overlay', DriverStatus: [['Backing Filesystem', 'overlay (native in a user namespace, fuse-overlayfs fallback)']],
    MemoryLimit: false, SwapLimit: false, CpuCfsPeriod: false, CpuCfsQuota: false, CPUShares: false, PidsLimit: false,
    CgroupDriver: 'cgroupfs', CgroupVersion: cgroup, KernelVersion: i.host.kernel, OperatingSystem: operatingSystem(), OSType: 'linux',
    Architecture: unameArch(os.arch()), NCPU: i.host.cpus, MemTotal: i.host.memTotal, DockerRootDir: i.store.root, Name: i.host.hostname,
    Labels: [], ServerVersion: i.version, SecurityOptions: ['name=rootless'],
    Host: {
      Arch: i.host.arch, OS: 'linux', Kernel: i.host.kernel, Hostname: i.host.hostname, CPUs: i.host.cpus, MemTotal: i.host.memTotal,
      CgroupVersion: cgroup ? `v${cgroup}` : i.host.cgroupVersion, CgroupManager: 'cgroupfs', Distribution: { Distribution: operatingSystem() },
      IDMappings: { UIDMap: i.user.uidMap, GIDMap: i.user.gidMap }, Security: { Rootless: true }, SingleIdMode: i.user.singleId,
    },
    Store: {
      GraphRoot: i.store.root, RunRoot: i.store.runRoot, GraphDriverName: 'overlay', ImageStore: { Number: i.store.images },
      ContainerStore: { Number: c.total, Running: c.running, Paused: 0, Stopped: c.stopped }, Layers: i.store.layers,
    },
    Version: { Version: i.version, APIVersion: API_VERSION, GoVersion: `node${process.versions.node}`, OsArch: `linux/${i.host.arch}` },
  };
}
