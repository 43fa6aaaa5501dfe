/**
 * docker's inspect documents for containers, images and networks, built
 * from the records the store keeps (nothing here writes). Field names and
 * nesting follow docker's API types so `--format` templates and JSON
 * readers written for docker work; values tspod does not track are left
 * out or given docker's empty value.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasHealthcheck, readHealth } from './health.ts';
import type { Container } from './lifecycle.ts';
import type { ImageRecord } from '../model/image.ts';
import type { Store } from '../storage/store.ts';
import { parseRestartPolicy } from '../model/restart-policy.ts';
import { dockerPortMap } from '../network/ports.ts';
import { SLIRP } from '../slirp/usermode.ts';
import { endpointsOn, listNetworks } from '../network/networks.ts';
import { isModeNetwork, type ShownNetwork } from '../network/predefined.ts';

export interface InspectOptions {
  /** Compute SizeRw and SizeRootFs (walks the container's upper directory). */
  size?: boolean;
}

/** Bytes under `dir`, as far as this user can read (an upper dir may hold unreadable subuid-owned dirs). */
export function diskUsage(dir: string): number {
  let total = 0;
  const walk = (d: string) => {
    let names: fs.Dirent[];
    try { names = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of names) {
      const p = path.join(d, e.name);
      try {
        const st = fs.lstatSync(p);
        if (st.isDirectory()) walk(p);
        else total += st.size;
      } catch { /* gone or unreadable */ }
    }
  };
  walk(dir);
  return total;
}

function imageConfigOf(store: Store, imageId: string): Record<string, any> {
  try { return store.imageConfig({ id: imageId } as ImageRecord); } catch { return {}; }
}

function prefixLen(subnet: string): number {
  return Number(subnet.split('/')[1] ?? 0);
}

function endpoint(ip: string, gateway: string, bits: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', NetworkID: '', EndpointID: '', Gateway: gateway, IPAddress: ip,
    IPPrefixLen: bits, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null, ...extra,
  };
}

function networkSettings(store: Store, c: Container): Record<string, unknown> {
  const { rec, state } = c;
  const mode = rec.hostConfig.networkMode;
  const active = state.status === 'running' || state.status === 'paused';
  const networks: Record<string, unknown> = {};
  const joined = Object.entries(rec.hostConfig.networks ?? {});
  if (joined.length) {
    const records = new Map(listNetworks(store.root).map((n) => [n.name, n]));
    for (const [name, ep] of joined) {
      const n = records.get(name);
      networks[name] = endpoint(ep.ip, n?.gateway ?? '', n ? prefixLen(n.subnet) : 0, {
        Aliases: ep.aliases.length ? ep.aliases : null, NetworkID: n?.id ?? '',
        DNSNames: [rec.name, ...ep.aliases, rec.id.slice(0, 12)],
      });
    }
  } else if (mode === 'slirp4netns') {
    networks[mode] = endpoint(SLIRP.address, SLIRP.gateway, 24);
  } else if (!mode.startsWith('container:')) {
    networks[mode] = endpoint('', '', 0);
  }
  const primary = (networks[joined[0]?.[0] ?? mode] ?? {}) as Record<string, unknown>;
  return {
    SandboxID: '', SandboxKey: '',
    Ports: active ? dockerPortMap(rec.hostConfig.portBindings ?? []) : {},
    IPAddress: primary.IPAddress ?? '', IPPrefixLen: primary.IPPrefixLen ?? 0, Gateway: primary.Gateway ?? '', MacAddress: '',
    GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, IPv6Gateway: '', EndpointID: '',
    Networks: networks,
  };
}

export function inspectContainer(store: Store, c: Container, opts: InspectOptions = {}): Record<string, unknown> {
  const { rec, state } = c;
  const argv = [...rec.config.entrypoint, ...rec.config.cmd];
  const policy = parseRestartPolicy(rec.hostConfig.restartPolicy ?? 'no');
  const ports = rec.hostConfig.portBindings ?? [];
  const image = imageConfigOf(store, rec.imageId).config ?? {};
  const exposed: Record<string, object> = { ...(image.ExposedPorts ?? {}) };
  for (const b of ports) exposed[`${b.containerPort}/${b.protocol}`] = {};
  const mounts = rec.hostConfig.mounts;
  const binds = mounts.filter((m) => !m.anonymous && m.type !== 'tmpfs').map((m) => `${m.name ?? m.source}:${m.destination}${m.readOnly ? ':ro' : ''}`);
  const volumes = Object.fromEntries(mounts.filter((m) => m.anonymous).map((m) => [m.destination, {}]));
  const tmpfs = Object.fromEntries(mounts.filter((m) => m.type === 'tmpfs').map((m) => [m.destination, (m.options ?? []).join(',')]));
  const conf = rec.hostConfig.confinement ?? {};
  const sizes = opts.size ? (() => {
    const rw = diskUsage(c.layout.upper);
    const img = store.images().find((i) => i.id === rec.imageId);
    return { SizeRw: rw, SizeRootFs: rw + (img?.size ?? 0) };
  })() : {};
  return {
    Id: rec.id,
    Created: rec.created,
    Path: argv[0] ?? '',
    Args: argv.slice(1),
    State: {
      Status: state.status,
      Running: state.status === 'running' || state.status === 'paused',
      Paused: state.status === 'paused',
      Restarting: state.status === 'restarting',
      OOMKilled: false,
      Dead: false,
      Pid: state.pid,
      ExitCode: state.exitCode,
      Error: state.error,
      StartedAt: state.startedAt,
      FinishedAt: state.finishedAt,
      ...(hasHealthcheck(rec.config.healthcheck) ? { Health: readHealth(c.layout) ?? { Status: 'starting', FailingStreak: 0, Log: [] } } : {}),
    },
    Image: rec.imageId,
    ResolvConfPath: c.layout.etc('resolv.conf'),
    HostnamePath: c.layout.etc('hostname'),
    HostsPath: c.layout.etc('hosts'),
    LogPath: c.layout.log,
    Name: `/${rec.name}`,
    RestartCount: state.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: {
      Binds: binds.length ? binds : null,
      NetworkMode: rec.hostConfig.networkMode,
      Runtime: rec.hostConfig.runtime ?? 'tspod',
      PortBindings: dockerPortMap(ports),
      RestartPolicy: { Name: policy.name, MaximumRetryCount: policy.name === 'on-failure' ? policy.maxRetries : 0 },
      AutoRemove: rec.hostConfig.autoRemove,
      Dns: rec.hostConfig.dns ?? [],
      DnsSearch: rec.hostConfig.dnsSearch ?? [],
      ExtraHosts: rec.hostConfig.extraHosts?.length ? rec.hostConfig.extraHosts : null,
      Links: rec.hostConfig.links?.length
        ? rec.hostConfig.links.map((l) => { const [name, alias = name] = l.split(':'); return `/${name}:/${rec.name}/${alias}`; }) : null,
      ReadonlyRootfs: rec.hostConfig.readOnly,
      Tmpfs: Object.keys(tmpfs).length ? tmpfs : null,
      CapAdd: conf.capAdd ?? null,
      CapDrop: conf.capDrop ?? null,
      Privileged: conf.privileged ?? false,
      SecurityOpt: conf.securityOpt ?? null,
      Ulimits: conf.ulimits?.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard })) ?? null,
      ShmSize: conf.shmSize ?? 67108864,
      GroupAdd: conf.groupAdd?.map(String) ?? null,
      Init: rec.hostConfig.init ?? false,
      UsernsMode: rec.hostConfig.userns ?? '',
    },
    GraphDriver: {
      Name: 'overlay',
      Data: {
        LowerDir: [...rec.layers].reverse().map((l) => store.layerDiff(l)).join(':'),
        MergedDir: c.layout.merged,
        UpperDir: c.layout.upper,
        WorkDir: c.layout.work,
      },
    },
    ...sizes,
    Mounts: mounts.map((m) => ({
      Type: m.type, ...(m.name ? { Name: m.name } : {}), Source: m.source, Destination: m.destination,
      ...(m.type === 'volume' ? { Driver: 'local' } : {}), Mode: m.readOnly ? 'ro' : '', RW: !m.readOnly,
      Propagation: m.type === 'bind' ? (m.propagation ?? 'rprivate') : '',
    })),
    Config: {
      Hostname: rec.config.hostname,
      Domainname: rec.config.domainname ?? '',
      User: rec.config.user,
      AttachStdin: rec.config.openStdin,
      AttachStdout: false,
      AttachStderr: false,
      ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
      Tty: rec.config.tty,
      OpenStdin: rec.config.openStdin,
      StdinOnce: false,
      Env: rec.config.env,
      Cmd: rec.config.cmd.length ? rec.config.cmd : null,
      ...(image.Healthcheck ? { Healthcheck: image.Healthcheck } : {}),
      Image: rec.image,
      Volumes: Object.keys({ ...(image.Volumes ?? {}), ...volumes }).length ? { ...(image.Volumes ?? {}), ...volumes } : null,
      WorkingDir: rec.config.workingDir,
      Entrypoint: rec.config.entrypoint.length ? rec.config.entrypoint : null,
      OnBuild: null,
      Labels: rec.config.labels ?? {},
      ...(rec.config.stopSignal ? { StopSignal: rec.config.stopSignal } : {}),
      ...(rec.config.stopTimeout !== undefined ? { StopTimeout: rec.config.stopTimeout } : {}),
    },
    NetworkSettings: networkSettings(store, c),
  };
}

export function inspectImage(store: Store, img: ImageRecord): Record<string, unknown> {
  const config = imageConfigOf(store, img.id);
  const c = config.config ?? {};
  const layers = [...img.layers].reverse().map((l) => store.layerDiff(l));
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Parent: '',
    Comment: config.comment ?? '',
    Created: img.created,
    DockerVersion: config.docker_version ?? '',
    Author: config.author ?? '',
    Config: {
      Hostname: '', Domainname: '', User: c.User ?? '', AttachStdin: false, AttachStdout: false, AttachStderr: false,
      ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
      Tty: false, OpenStdin: false, StdinOnce: false, Env: c.Env ?? null, Cmd: c.Cmd ?? null,
      ...(c.Healthcheck ? { Healthcheck: c.Healthcheck } : {}),
      Image: '', Volumes: c.Volumes ?? null, WorkingDir: c.WorkingDir ?? '', Entrypoint: c.Entrypoint ?? null,
      OnBuild: c.OnBuild ?? null, Labels: c.Labels ?? {},
      ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    },
    Architecture: config.architecture ?? '',
    ...(config.variant ? { Variant: config.variant } : {}),
    Os: config.os ?? '',
    Size: img.size,
    GraphDriver: {
      Name: 'overlay',
      Data: layers.length > 1 ? { LowerDir: layers.slice(1).join(':'), UpperDir: layers[0] } : { UpperDir: layers[0] ?? '' },
    },
    RootFS: { Type: 'layers', Layers: img.layers },
    Metadata: { LastTagTime: img.stored },
  };
}

export function inspectNetwork(store: Store, n: ShownNetwork): Record<string, unknown> {
  const common = { Name: n.name, Id: n.id, Created: n.created, Scope: 'local', Driver: n.driver, EnableIPv6: false };
  const rest = { Attachable: false, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false };
  if (isModeNetwork(n)) {
    // host and none: the containers in that mode, with no address of their own.
    const members = store.containers().filter((c) => c.hostConfig.networkMode === n.name);
    return {
      ...common, IPAM: { Driver: 'default', Options: null, Config: [] }, Internal: false, ...rest,
      Containers: Object.fromEntries(members.map((c) => [c.id, { Name: c.name, EndpointID: '', MacAddress: '', IPv4Address: '', IPv6Address: '' }])),
      Options: {}, Labels: {},
    };
  }
  const bits = n.subnet.split('/')[1];
  const containers = Object.fromEntries(endpointsOn(store.containers(), n.name).map(({ rec, endpoint: ep }) => [rec.id, {
    Name: rec.name, EndpointID: '', MacAddress: '', IPv4Address: `${ep.ip}/${bits}`, IPv6Address: '',
  }]));
  return {
    ...common, IPAM: { Driver: 'default', Options: {}, Config: [{ Subnet: n.subnet, Gateway: n.gateway }] },
    Internal: n.internal, ...rest, Containers: containers, Options: {}, Labels: n.labels ?? {},
  };
}
