/**
 * Where everything of one container lives. Two places, as podman's root and
 * runroot:
 * - the data dir (`<root>/containers/<id>/`) keeps what must survive a
 *   reboot: the record, the last exit status, the log, the rootfs layers and
 *   the files bind-mounted over /etc;
 * - the run dir (`<run>/containers/<id>/`, tmpfs, cleared on reboot) keeps
 *   what describes live processes: their pids with start times, the stop and
 *   pause markers; the attach socket sits in `<run>/s/` (sun_path is short).
 * Every other module asks this one for a container's paths.
 */
import path from 'node:path';

/** The folder holding every container's data dir (each named by its id). */
export function containersDir(storeRoot: string): string {
  return path.join(storeRoot, 'containers');
}

export class ContainerLayout {
  readonly id: string;
  /** The persistent directory. */
  readonly dir: string;
  /** The per-boot directory. */
  readonly runDir: string;
  private readonly runRoot: string;

  constructor(storeRoot: string, runRoot: string, id: string) {
    this.id = id;
    this.dir = path.join(storeRoot, 'containers', id);
    this.runRoot = runRoot;
    this.runDir = path.join(runRoot, 'containers', id);
  }
  // The names below are joined by hand: dir and runDir are already normalized
  // (path.join), and listings build thousands of these paths.

  // ---- persistent ----
  /** The container's record (ContainerRecord). */
  get record(): string { return `${this.dir}/container.json`; }
  /** The record renamed while the container is being removed. */
  get removing(): string { return `${this.dir}/container.json.removing`; }
  /** The record renamed by an attached `run --rm` that left the removal of the files to the monitor. */
  get leftToMonitor(): string { return `${this.dir}/container.json.left`; }
  /** Status, exit code and times: what `ps -a` shows after a reboot. */
  get state(): string { return `${this.dir}/state.json`; }
  /** k8s-file log. */
  get log(): string { return `${this.dir}/ctr.log`; }
  /** A file bind-mounted over /etc/<name> in the container (hosts, hostname, resolv.conf). */
  etc(name: 'hosts' | 'hostname' | 'resolv.conf'): string { return `${this.dir}/${name}`; }
  get merged(): string { return `${this.dir}/merged`; }
  get upper(): string { return `${this.dir}/upper`; }
  get work(): string { return `${this.dir}/work`; }
  /** An empty lower dir, for an image without layers. */
  get emptyLower(): string { return `${this.dir}/empty`; }
  /** Space the monitor sets aside, given up so the last exit status can be written on a full disk. */
  get spare(): string { return `${this.dir}/.spare`; }

  // ---- per boot ----
  /** The OCI runtime spec of the current start (docs/runtime.md). */
  get spec(): string { return `${this.runDir}/config.json`; }
  /** What the native monitor is given (src/model/monitor-spec.ts). */
  get monitorSpec(): string { return `${this.runDir}/monitor.json`; }
  /** Pids (with start times) of the monitor and the container's pid 1. */
  get live(): string { return `${this.runDir}/live.json`; }
  /** Left by stop/rm/kill: the monitor does not restart the container. */
  get stopRequested(): string { return `${this.runDir}/stop-requested`; }
  /** Present while the container is paused. */
  get paused(): string { return `${this.runDir}/paused`; }
  /** The monitor's attach socket. */
  get socket(): string { return path.join(this.runRoot, 's', `${this.id.slice(0, 16)}.sock`); }
}

/** The lowerdir name of an image layer, relative to the store root (kept short: mount options hold one page). */
export function layerLink(diffId: string): string {
  return `l/${diffId.replace(/^sha256:/, '').slice(0, 16)}`;
}
