/**
 * What the engine hands the native monitor (`tspod-rt monitor MONITOR.json`,
 * native/mspec.h): everything about one container's resident process,
 * decided here, executed there. Values only.
 */

/** Stands for the container's pid 1 in a network step's argv (known only once it exists). */
export const PID1 = '{pid}';

/**
 * One step of a container's network, run in order once pid 1 exists:
 * `exit` runs to completion (must exit 0); `pidfile`, `fd3` and `stdout`
 * start a process that stays beside the container and is ready once its pid
 * file is written, it writes on fd 3, or it prints "ready"; `api` sends one
 * JSON request to a unix socket (no "error" in the reply); `veth` plugs the
 * container into a bridge of the network host (rtnetlink, no command).
 */
export interface NetStep {
  /** Names it in messages: "pasta", "connecting to network front". */
  what: string;
  /** tspod's error code when it fails (default ERR_TSPOD_NETWORK). */
  code?: string;
  argv?: string[];
  ready: 'exit' | 'pidfile' | 'fd3' | 'stdout' | 'api' | 'veth';
  pidfile?: string;
  api?: string;
  request?: string;
  /** `veth`: no command; the monitor plugs pid 1 into a bridge of the network host itself. */
  veth?: VethSpec;
}

/** A container's end of a network (native/veth.h). */
export interface VethSpec {
  /** The network host's pid. */
  holder: number;
  bridge: string;
  gateway: string;
  prefix: number;
  /** The host end's name, and the container end's. */
  host: string;
  ifname: string;
  address: string;
  mtu: number;
  /** The container's way out: a default route via the gateway. */
  defaultRoute: boolean;
}

export interface MonitorSpec {
  id: string;
  /** The OCI runtime spec the monitor starts with `tspod-rt init --hand-over`. */
  spec: string;
  /** container.json: once renamed away, a command is removing the container. */
  record: string;
  state: string;
  live: string;
  socket: string;
  spare: string;
  stopRequested: string;
  paused: string;
  /** Absent: --log-driver none. */
  log?: { path: string; maxSize?: number; maxFile?: number };
  tty: boolean;
  openStdin: boolean;
  restart: { name: string; maxRetries?: number };
  network: NetStep[];
  /** The check command run every intervalMs while the container runs, and the record reset at each start. */
  health?: { argv: string[]; intervalMs: number; file: string; reset: string };
  /** Run in place of the monitor after the last exit (--rm), unless a client took the removal on. */
  cleanup?: string[];
  /**
   * --rm: once an attached client renamed the record to `marker`, the
   * monitor removes `dirs` itself after the client is gone (and runs
   * `cleanup` if they resist).
   */
  leftToMonitor?: { marker: string; dirs: string[] };
  /** --runtime: the installed runtime's create (makes pid 1, writes pidFile), start and delete; its JSON log. */
  runtime?: { create: string[]; start: string[]; delete: string[]; pidFile: string; log: string; consoleSocket?: string };
}
