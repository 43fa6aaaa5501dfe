/**
 * What docker's CLI says about tspod's verbs that their declarations do not
 * carry: the usage line, whether flags stop at the first argument (the
 * container's own command follows), the group a verb is listed under, what
 * its arguments name (for completion), and the type word of each flag value.
 * A verb missing here still works: its usage line is made from its declared arguments.
 */

/** Keyed by the verb's first path, words joined by a space. */
export interface VerbMeta {
  /** After `tspod VERB`, as docker writes it: `[OPTIONS] IMAGE [COMMAND] [ARG...]`. */
  synopsis?: string;
  /** Flags end at the first argument; the rest belong to the container's command (pflag's SetInterspersed(false)). */
  commandAfter?: boolean;
  /** What each argument names, the last one repeating: completion lists these from the store. */
  args?: NameKind[];
  /** Listed under "Common Commands" in `tspod --help`. */
  common?: boolean;
}

export type NameKind = 'container' | 'image' | 'network' | 'volume' | 'file' | 'none';

export const VERBS: Record<string, VerbMeta> = {
  run: { synopsis: '[OPTIONS] IMAGE [COMMAND] [ARG...]', commandAfter: true, args: ['image', 'file'], common: true },
  create: { synopsis: '[OPTIONS] IMAGE [COMMAND] [ARG...]', commandAfter: true, args: ['image', 'file'] },
  exec: { synopsis: '[OPTIONS] CONTAINER COMMAND [ARG...]', commandAfter: true, args: ['container', 'file'], common: true },
  top: { synopsis: 'CONTAINER [ps OPTIONS]', commandAfter: true, args: ['container', 'none'] },
  ps: { synopsis: '[OPTIONS]', args: ['none'], common: true },
  pull: { synopsis: '[OPTIONS] NAME[:TAG|@DIGEST]', args: ['image'], common: true },
  images: { synopsis: '[OPTIONS] [REPOSITORY[:TAG]]', args: ['image'], common: true },
  rmi: { synopsis: '[OPTIONS] IMAGE [IMAGE...]', args: ['image'] },
  start: { synopsis: '[OPTIONS] CONTAINER [CONTAINER...]', args: ['container'] },
  stop: { synopsis: '[OPTIONS] CONTAINER [CONTAINER...]', args: ['container'] },
  restart: { synopsis: '[OPTIONS] CONTAINER [CONTAINER...]', args: ['container'] },
  kill: { synopsis: '[OPTIONS] CONTAINER [CONTAINER...]', args: ['container'] },
  wait: { synopsis: 'CONTAINER [CONTAINER...]', args: ['container'] },
  attach: { synopsis: '[OPTIONS] CONTAINER', args: ['container', 'none'] },
  logs: { synopsis: '[OPTIONS] CONTAINER', args: ['container', 'none'], common: true },
  inspect: { synopsis: '[OPTIONS] NAME|ID [NAME|ID...]', args: ['container'] },
  rm: { synopsis: '[OPTIONS] CONTAINER [CONTAINER...]', args: ['container'] },
  rename: { synopsis: 'CONTAINER NEW_NAME', args: ['container', 'none'] },
  pause: { synopsis: 'CONTAINER [CONTAINER...]', args: ['container'] },
  unpause: { synopsis: 'CONTAINER [CONTAINER...]', args: ['container'] },
  port: { synopsis: 'CONTAINER [PRIVATE_PORT[/PROTO]]', args: ['container', 'none'] },
  cp: { synopsis: '[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\ttspod cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH', args: ['file'] },
  'container prune': { synopsis: '[OPTIONS]', args: ['none'] },
  info: { synopsis: '[OPTIONS]', args: ['none'], common: true },
  version: { synopsis: '[OPTIONS]', args: ['none'], common: true },
  doctor: { synopsis: '', args: ['none'] },
  'system reset': { synopsis: '[OPTIONS]', args: ['none'] },
  'generate systemd': { synopsis: '[OPTIONS] CONTAINER', args: ['container', 'none'] },
  'network create': { synopsis: '[OPTIONS] NETWORK', args: ['none'] },
  'network ls': { synopsis: '[OPTIONS]', args: ['none'] },
  'network inspect': { synopsis: '[OPTIONS] NETWORK [NETWORK...]', args: ['network'] },
  'network rm': { synopsis: '[OPTIONS] NETWORK [NETWORK...]', args: ['network'] },
  'network prune': { synopsis: '[OPTIONS]', args: ['none'] },
  'network connect': { synopsis: '[OPTIONS] NETWORK CONTAINER', args: ['network', 'container', 'none'] },
  'network disconnect': { synopsis: '[OPTIONS] NETWORK CONTAINER', args: ['network', 'container', 'none'] },
  'volume create': { synopsis: '[OPTIONS] [VOLUME]', args: ['none'] },
  'volume ls': { synopsis: '[OPTIONS]', args: ['none'] },
  'volume inspect': { synopsis: '[OPTIONS] VOLUME [VOLUME...]', args: ['volume'] },
  'volume rm': { synopsis: '[OPTIONS] VOLUME [VOLUME...]', args: ['volume'] },
  completion: { synopsis: 'bash|zsh|fish', args: ['none'] },
};

/** Management commands: the first word of a group of verbs, as `tspod --help` lists them. */
export const GROUPS: Record<string, string> = {
  container: 'Manage containers',
  image: 'Manage images',
  network: 'Manage networks',
  volume: 'Manage volumes',
  system: 'Manage tspod',
  generate: 'Generate structured data (systemd units)',
};

/** Names of flags whose values are names in the store. */
export const FLAG_NAMES: Record<string, NameKind> = {
  '--network': 'network', '--net': 'network', '--link': 'container', '--volumes-from': 'container',
  '--env-file': 'file', '--label-file': 'file', '--volume': 'file',
};

/**
 * docker's word for a flag's value in help (pflag's Value.Type()) where it is
 * not `string`, or `list` for a flag that repeats (src/cli/probe.ts finds those).
 */
export const FLAG_TYPES: Record<string, string> = {
  '--mount': 'mount', '--sysctl': 'map', '--opt': 'map', '--filter': 'filter',
  '--memory': 'bytes', '--memory-swap': 'bytes', '--memory-reservation': 'bytes', '--shm-size': 'bytes',
  '--time': 'int', '--last': 'int', '--pids-limit': 'int', '--stop-timeout': 'int', '--cpu-shares': 'int',
  '--cpus': 'decimal', '--health-interval': 'duration', '--health-timeout': 'duration', '--health-start-period': 'duration',
};
