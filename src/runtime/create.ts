/**
 * Creating a container: resolve the image, combine its config with the
 * user's flags (docker's rules for entrypoint/cmd/env), prepare the container
 * directory and record it.
 */
import fs from 'node:fs';
import { findContainer, newContainerId, randomName } from '../storage/containers.ts';
import { NAME_RE, type ContainerRecord } from '../model/container.ts';
import { parseMountFlags, resolveMounts } from '../volume/mounts.ts';
import type { ImageRecord } from '../model/image.ts';
import type { Store } from '../storage/store.ts';
import { mergeEnv, expandEnvArg, readEnvFile, DEFAULT_PATH, envValue } from './env.ts';
import { TspodError, UsageError } from '../errors.ts';
import { parseRestartPolicy, formatRestartPolicy } from '../model/restart-policy.ts';
import { planNetwork, type NetworkFlags } from '../network/plan.ts';
import { parseRuntime } from './oci-bundle.ts';
import type { Limits } from '../cgroupv2/delegation.ts';
import { hostsFor, refreshHosts } from '../network/hosts.ts';
import { defaultBridge, joinNetworks, plugIfRunning } from '../network/membership.ts';
import { collectLabels } from './labels.ts';
import { parseConfinement, parseDevice, parseExpose, parseLogConfig, parseShareNs, parseUserns, withDnsOptions, parseInteger, parseSignal, type ConfinementFlags } from './run-flags.ts';
import type { MountRequest } from '../volume/mounts.ts';
import type { HealthConfig, RunConfinement } from '../model/container.ts';
import { healthConfig, type HealthFlags } from './health.ts';

/** The flags that need parsing, parsed: a bad value is refused here, before any pull and before anything is created. */
export interface ParsedFlags {
  mounts: MountRequest[];
  confinement: RunConfinement;
  stopSignal?: string;
  stopTimeout?: number;
  devices: Array<{ source: string; destination: string; permissions: string }>;
  exposed: string[];
  userns?: 'keep-id';
  logConfig?: ContainerRecord['hostConfig']['logConfig'];
  /** Container names (resolved to ids at create). */
  shareNs: { pid?: string; ipc?: string; uts?: string };
  /** The --health-* flags over an empty check (the image's is merged at create). */
  health?: HealthConfig;
  /** --runtime, as given (tspod's own: undefined). */
  runtime?: string;
}

export function parseCreateFlags(opts: CreateOptions): ParsedFlags {
  parseRestartPolicy(opts.restart);
  return {
    mounts: parseMountFlags(opts),
    confinement: parseConfinement(opts.confinement ?? {}),
    stopSignal: opts.stopSignal === undefined ? undefined : parseSignal('--stop-signal', opts.stopSignal),
    stopTimeout: opts.stopTimeout === undefined ? undefined : parseInteger('--stop-timeout', opts.stopTimeout, -1),
    devices: (opts.devices ?? []).map(parseDevice),
    exposed: (opts.expose ?? []).flatMap(parseExpose),
    userns: parseUserns(opts.userns ?? ''),
    logConfig: parseLogConfig(opts.logDriver, opts.logOpts ?? []),
    shareNs: parseShareNs(opts),
    health: healthConfig(undefined, opts.health ?? {}),
    runtime: parseRuntime(opts.runtime, opts),
  };
}

/** The flags of create/run; the network ones (--network, -p, --dns...) are NetworkFlags. */
export interface CreateOptions extends NetworkFlags {
  name?: string;
  /** Command after the image name; empty means the image's Cmd. */
  command: string[];
  /** --entrypoint; '' clears the image's entrypoint. */
  entrypoint?: string;
  env: string[];
  envFiles: string[];
  workdir?: string;
  user?: string;
  hostname?: string;
  /** -v, --mount, --tmpfs, --volumes-from (src/volume/mounts.ts). */
  volumes: string[];
  /** --runtime (src/runtime/oci-bundle.ts). */
  runtime?: string;
  mounts?: string[];
  tmpfs?: string[];
  volumesFrom?: string[];
  tty: boolean;
  interactive: boolean;
  autoRemove: boolean;
  readOnly: boolean;
  /** --link NAME[:ALIAS]. */
  links: string[];
  /** -m, --cpus, --pids-limit. */
  limits?: Limits;
  /** Restart policy: no, always, unless-stopped, on-failure[:N]. */
  restart: string;
  /** --cap-add, --security-opt, --ulimit... as given (src/runtime/run-flags.ts parses them). */
  confinement?: ConfinementFlags;
  stopSignal?: string;
  stopTimeout?: string;
  /** --health-cmd, --health-interval, ..., --no-healthcheck. */
  health?: HealthFlags;
  domainname?: string;
  /** --pid, --ipc, --uts: container:NAME. */
  pid?: string;
  ipc?: string;
  uts?: string;
  /** --dns-option. */
  dnsOptions?: string[];
  /** --log-driver, --log-opt. */
  logDriver?: string;
  logOpts?: string[];
  /** --userns: keep-id ('' the default). */
  userns?: string;
  /** --init: a reaping pid 1. */
  init?: boolean;
  /** --device HOST[:CTR[:rwm]]. */
  devices?: string[];
  /** --expose PORT[-PORT][/PROTO]: added to the image's exposed ports (for -P). */
  expose?: string[];
  /** -l KEY=VALUE and --label-file: added to (over) the image's labels. */
  labels?: string[];
  labelFiles?: string[];
}

export function containerCommand(image: Record<string, any>, opts: Pick<CreateOptions, 'command' | 'entrypoint'>): { entrypoint: string[]; cmd: string[] } {
  const cfg = image.config ?? {};
  const entrypoint = opts.entrypoint !== undefined ? (opts.entrypoint ? [opts.entrypoint] : []) : (cfg.Entrypoint ?? []);
  const cmd = opts.command.length ? opts.command : opts.entrypoint !== undefined ? [] : (cfg.Cmd ?? []);
  if (!entrypoint.length && !cmd.length) throw new UsageError('no command specified');
  return { entrypoint, cmd };
}

export async function createContainer(store: Store, image: ImageRecord, imageName: string, opts: CreateOptions, warn: (msg: string) => void = () => {}): Promise<ContainerRecord> {
  if (opts.name !== undefined && !NAME_RE.test(opts.name)) {
    throw new UsageError(`invalid container name \`${opts.name}\`: only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  const restart = parseRestartPolicy(opts.restart);
  const flags = parseCreateFlags(opts);
  if (opts.autoRemove && restart.name !== 'no') throw new UsageError('conflicting options: --restart and --rm');
  const config = store.imageConfig(image);
  const cfg = config.config ?? {};
  const { entrypoint, cmd } = containerCommand(config, opts);
  const id = newContainerId();
  const hostname = opts.hostname ?? id.slice(0, 12);
  const labels = { ...(cfg.Labels ?? {}), ...collectLabels(opts.labelFiles ?? [], opts.labels ?? []) };
  const fileEnv = opts.envFiles.flatMap((f) => readEnvFile(f, process.env));
  const cliEnv = opts.env.flatMap((e) => expandEnvArg(e, process.env));
  let env = mergeEnv(cfg.Env ?? [], fileEnv, cliEnv);
  if (envValue(env, 'PATH') === undefined) env = [`PATH=${DEFAULT_PATH}`, ...env];
  env = mergeEnv([`HOSTNAME=${hostname}`], env, opts.tty ? [`TERM=${envValue(env, 'TERM') ?? 'xterm'}`] : []);
  const exposed = { ...(cfg.ExposedPorts ?? {}), ...Object.fromEntries(flags.exposed.map((p) => [p, {}])) };
  const net = await planNetwork(store.root, opts, exposed, (ref) => {
    return store.layout(findContainer(store.containers(), ref).id);
  }, warn);
  const mounts = resolveMounts(store, flags.mounts, opts.volumesFrom ?? [], Object.keys(cfg.Volumes ?? {}),
    (ref) => findContainer(store.containers(), ref));
  const now = new Date().toISOString();
  const rec: ContainerRecord = {
    id,
    name: opts.name ?? '',
    created: now,
    image: imageName,
    imageId: image.id,
    layers: image.layers,
    config: {
      entrypoint, cmd, env,
      workingDir: opts.workdir ?? (cfg.WorkingDir || '/'),
      user: opts.user ?? (cfg.User || ''),
      hostname,
      ...(opts.domainname ? { domainname: opts.domainname } : {}),
      tty: opts.tty,
      openStdin: opts.interactive,
      labels,
      stopSignal: flags.stopSignal ?? cfg.StopSignal,
      ...(flags.stopTimeout !== undefined ? { stopTimeout: flags.stopTimeout } : {}),
      ...(healthConfig(cfg.Healthcheck, opts.health ?? {}) ? { healthcheck: healthConfig(cfg.Healthcheck, opts.health ?? {}) } : {}),
    },
    hostConfig: {
      autoRemove: opts.autoRemove, readOnly: opts.readOnly, networkMode: net.mode, portBindings: net.ports,
      dns: opts.dns, dnsSearch: opts.dnsSearch, extraHosts: net.extraHosts.map((e) => `${e.name}:${e.ip}`), outbound: net.outbound,
      ...(net.sharedOutbound ? { outboundShared: true } : {}),
      mounts, restartPolicy: formatRestartPolicy(restart),
      ...(Object.keys(flags.confinement).length ? { confinement: flags.confinement } : {}),
      ...(flags.devices.length ? { devices: flags.devices } : {}),
      ...(opts.init ? { init: true } : {}),
      ...(flags.runtime ? { runtime: flags.runtime } : {}),
      ...(flags.userns ? { userns: flags.userns } : {}),
      ...(flags.logConfig ? { logConfig: flags.logConfig } : {}),
      ...(Object.keys(flags.shareNs).length
        ? { shareNs: Object.fromEntries(Object.entries(flags.shareNs).map(([k, ref]) => [k, findContainer(store.containers(), ref!).id])) } : {}),
      ...(opts.dnsOptions?.length ? { dnsOptions: opts.dnsOptions } : {}),
    },
  };
  if (mounts.some((m) => m.chown) && rec.config.user && !/^\d+(:\d+)?$/.test(rec.config.user)) {
    throw new UsageError(`-v ...:U gives the files to the container's user: it needs a numeric --user (uid[:gid]), not \`${rec.config.user}\``);
  }
  if (!rec.config.workingDir.startsWith('/')) throw new UsageError(`working directory \`${rec.config.workingDir}\` is not absolute`);
  const linked = await store.locked(() => {
    const all = store.containers();
    const taken = new Set(all.map((c) => c.name));
    if (opts.name !== undefined && taken.has(opts.name)) {
      const other = findContainer(all, opts.name);
      throw new TspodError('ERR_TSPOD_NAME_IN_USE',
        `the container name "/${opts.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name`);
    }
    if (!rec.name) rec.name = randomName(taken);
    const changed = joinNetworks(store, rec, all, net.bridge ? defaultBridge(store) : net.network, { aliases: opts.networkAliases, ip: opts.ip, links: opts.links });
    const layout = store.layout(id);
    for (const d of [layout.upper, layout.work, layout.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    fs.chmodSync(layout.upper, 0o755);
    fs.writeFileSync(layout.etc('hostname'), `${hostname}\n`);
    fs.writeFileSync(layout.etc('hosts'), net.sharedHosts ?? hostsFor(rec, [...all, rec]));
    fs.writeFileSync(layout.etc('resolv.conf'), withDnsOptions(net.resolv, opts.dnsOptions ?? []));
    store.writeContainer(rec);
    for (const c of changed) store.writeContainer(c.rec);
    // joinNetworks updated the linked records in `all` itself.
    refreshHosts(() => [...all, rec], Object.keys(rec.hostConfig.networks ?? {}), (id) => store.layout(id));
    return changed;
  });
  for (const c of linked) await plugIfRunning(store, c.rec, c.network);
  return rec;
}

export async function renameContainer(store: Store, query: string, newName: string): Promise<void> {
  if (!NAME_RE.test(newName)) throw new UsageError(`invalid container name \`${newName}\``);
  await store.locked(() => {
    const all = store.containers();
    const rec = findContainer(all, query);
    const other = all.find((c) => c.name === newName && c.id !== rec.id);
    if (other) throw new TspodError('ERR_TSPOD_NAME_IN_USE', `the container name "/${newName}" is already in use by container "${other.id}"`);
    store.writeContainer({ ...rec, name: newName });
  });
}
