/**
 * Creating a container: resolve the image, combine its config with the
 * user's flags (docker's rules for entrypoint/cmd/env), prepare the container
 * directory and record it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { findContainer, newContainerId, randomName } from '../storage/containers.ts';
import { NAME_RE, type ContainerRecord, type Mount } from '../model/container.ts';
import type { ImageRecord } from '../model/image.ts';
import type { Store } from '../storage/store.ts';
import { mergeEnv, expandEnvArg, readEnvFile, DEFAULT_PATH, envValue } from './env.ts';
import { TspodError, UsageError } from '../errors.ts';
import { parseRestartPolicy, formatRestartPolicy } from '../monitor/restart.ts';
import { planNetwork, type NetworkFlags } from '../network/plan.ts';
import type { Limits } from '../cgroupv2/delegation.ts';
import { hostsFor, refreshHosts } from '../network/hosts.ts';
import { joinNetworks, plugIfRunning } from '../network/membership.ts';
import { collectLabels } from './labels.ts';

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
  volumes: string[];
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
  /** -l KEY=VALUE and --label-file: added to (over) the image's labels. */
  labels?: string[];
  labelFiles?: string[];
}

/** Parses -v HOST:CTR[:ro|rw], NAME:CTR[:opts] or CTR (anonymous volume). */
export function parseVolume(spec: string): { source: string; destination: string; readOnly: boolean; type: 'bind' | 'volume' } {
  const parts = spec.split(':');
  let source = '';
  let destination: string;
  let opts = '';
  if (parts.length === 1) destination = parts[0];
  else if (parts.length === 2) [source, destination] = parts;
  else if (parts.length === 3) [source, destination, opts] = parts;
  else throw new UsageError(`invalid volume specification \`${spec}\``);
  if (!destination.startsWith('/')) throw new UsageError(`invalid volume specification \`${spec}\`: container path must be absolute`);
  const flags = opts ? opts.split(',') : [];
  for (const f of flags) {
    if (!['ro', 'rw', 'z', 'Z', 'rbind', 'bind', 'private', 'rprivate', 'slave', 'rslave', 'shared', 'rshared', 'nocopy'].includes(f)) {
      throw new UsageError(`invalid volume specification \`${spec}\`: unknown option \`${f}\``);
    }
  }
  const isPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
  if (source && !isPath && !NAME_RE.test(source)) throw new UsageError(`invalid volume name \`${source}\``);
  return { source, destination: path.posix.normalize(destination), readOnly: flags.includes('ro'), type: isPath ? 'bind' : 'volume' };
}

function resolveMounts(store: Store, specs: string[], id: string): Mount[] {
  return specs.map((spec) => {
    const v = parseVolume(spec);
    if (v.type === 'bind') {
      const source = path.resolve(v.source.replace(/^~(?=\/|$)/, process.env.HOME ?? '~'));
      if (!fs.existsSync(source)) fs.mkdirSync(source, { recursive: true });
      return { type: 'bind', source, destination: v.destination, readOnly: v.readOnly };
    }
    const name = v.source || `${id.slice(0, 12)}${path.posix.basename(v.destination)}anon`;
    const data = path.join(store.root, 'volumes', name, '_data');
    fs.mkdirSync(data, { recursive: true });
    return { type: 'volume', name, source: data, destination: v.destination, readOnly: v.readOnly };
  });
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
  const net = await planNetwork(store.root, opts, cfg.ExposedPorts, (ref) => {
    return store.layout(findContainer(store.containers(), ref).id);
  }, warn);
  const mounts = resolveMounts(store, opts.volumes, id);
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
      tty: opts.tty,
      openStdin: opts.interactive,
      labels,
      stopSignal: cfg.StopSignal,
    },
    hostConfig: {
      autoRemove: opts.autoRemove, readOnly: opts.readOnly, networkMode: net.mode, portBindings: net.ports,
      dns: opts.dns, dnsSearch: opts.dnsSearch, extraHosts: net.extraHosts.map((e) => `${e.name}:${e.ip}`), outbound: net.outbound,
      mounts, restartPolicy: formatRestartPolicy(restart),
    },
  };
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
    const changed = joinNetworks(store, rec, all, net.network, { aliases: opts.networkAliases, ip: opts.ip, links: opts.links });
    const layout = store.layout(id);
    for (const d of [layout.upper, layout.work, layout.merged]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
    fs.chmodSync(layout.upper, 0o755);
    fs.writeFileSync(layout.etc('hostname'), `${hostname}\n`);
    fs.writeFileSync(layout.etc('hosts'), net.sharedHosts ?? hostsFor(rec, [...all, rec]));
    fs.writeFileSync(layout.etc('resolv.conf'), net.resolv);
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
