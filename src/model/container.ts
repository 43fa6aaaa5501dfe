/** A container's record (container.json): what it was created as. Values only; imports nothing of tspod. */
import type { Endpoint, PortBinding } from './network.ts';

/** Names users give containers and networks (docker's rule). */
export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export interface Mount {
  /** tmpfs: `source` is unused. Records before tmpfs had only bind and volume. */
  type: 'bind' | 'volume' | 'tmpfs';
  /** The host path bound (a volume's data directory, or the device of a bind-type local volume). */
  source: string;
  destination: string;
  readOnly: boolean;
  /** The volume's name (type volume). */
  name?: string;
  /** The volume is the container's own (removed by `rm -v` and `--rm`). */
  anonymous?: boolean;
  /** nocopy: an empty volume is not filled from the image. */
  noCopy?: boolean;
  /** U: the volume's files are given to the container's user at start. */
  chown?: boolean;
  /** bind-propagation: private, rprivate, shared, rshared, slave, rslave. */
  propagation?: string;
  /** Other mount options: tmpfs size=/mode=, a tmpfs-type volume's `o`. */
  options?: string[];
}

export interface Ulimit { name: string; soft: number; hard: number }

/** --cap-add, --cap-drop, --privileged, --security-opt, --ulimit, --shm-size, --group-add, parsed (src/runtime/run-flags.ts). */
export interface RunConfinement {
  /** Capability names with CAP_, or ALL. */
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  noNewPrivileges?: boolean;
  /** 'unconfined', or the OCI seccomp profile read from the file given. */
  seccomp?: 'unconfined' | { defaultAction: string; [key: string]: unknown };
  securityOpt?: string[];
  ulimits?: Ulimit[];
  /** Bytes of /dev/shm. */
  shmSize?: number;
  groupAdd?: number[];
}

/** docker's Healthcheck (image config or --health-* flags); durations in nanoseconds. Test ['NONE'] disables. */
export interface HealthConfig {
  Test: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

export interface ContainerRecord {
  /** Set (never stored) on the stand-in for a record that could not be read: why. */
  damaged?: string;
  id: string;
  name: string;
  created: string;
  /** The image as the user named it, and its id. */
  image: string;
  imageId: string;
  /** diffIDs of the image, base first. */
  layers: string[];
  config: {
    /** argv the container runs (entrypoint + cmd resolved). */
    entrypoint: string[];
    cmd: string[];
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    /** --domainname (NIS domain of the uts namespace). */
    domainname?: string;
    tty: boolean;
    openStdin: boolean;
    labels: Record<string, string>;
    stopSignal?: string;
    /** The image's HEALTHCHECK changed by --health-* (absent: none). */
    healthcheck?: HealthConfig;
    /** --stop-timeout: seconds `stop` waits before SIGKILL. */
    stopTimeout?: number;
  };
  hostConfig: {
    autoRemove: boolean;
    readOnly: boolean;
    /** pasta, slirp4netns, host, none, container:ID, or a user-defined network's name. */
    networkMode: string;
    /** Published ports, host ports already chosen. */
    portBindings?: PortBinding[];
    dns?: string[];
    dnsSearch?: string[];
    /** --add-host entries as NAME:IP (host-gateway already resolved). */
    extraHosts?: string[];
    /** The user-mode stack of a container on user-defined networks (its way out). */
    outbound?: 'pasta' | 'slirp4netns';
    /** --runtime: an installed OCI runtime (runc, crun, a path) instead of tspod's own; absent: tspod's. */
    runtime?: string;
    /** The way out is the per-user stack in the network host (one for all containers), not a stack of its own. */
    outboundShared?: boolean;
    /** User-defined networks the container is on (its NetworkMode is the first), with its address there. */
    networks?: Record<string, Endpoint>;
    /** --link NAME:ALIAS, NAME being the linked container's name when created. */
    links?: string[];
    mounts: Mount[];
    confinement?: RunConfinement;
    /** --pid, --ipc, --uts container:ID: namespaces shared with another container (by id). */
    shareNs?: { pid?: string; ipc?: string; uts?: string };
    /** --dns-option: `options` of /etc/resolv.conf. */
    dnsOptions?: string[];
    /** --log-driver and --log-opt (k8s-file and json-file both write tspod's log file; none writes nothing). */
    logConfig?: { type: 'k8s-file' | 'json-file' | 'none'; maxSize?: number; maxFile?: number };
    /** --userns=keep-id: the user's own uid/gid are the same inside (a nested user namespace). */
    userns?: 'keep-id';
    /** --init: the helper is the container's pid 1 (reaps, passes signals on). */
    init?: boolean;
    /** --device HOST[:CTR[:rwm]]: host device files bound in (no m: mknod is never possible rootless). */
    devices?: Array<{ source: string; destination: string; permissions: string }>;
    /** no, always, unless-stopped, on-failure[:N]. */
    restartPolicy: string;
  };
}
