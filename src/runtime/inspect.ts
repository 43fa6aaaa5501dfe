/** docker's inspect JSON for containers and images (the fields scripts use). */
import type { Container } from './lifecycle.ts';
import type { ImageRecord } from '../storage/images.ts';
import { parseRestartPolicy } from '../monitor/restart.ts';
import { logFile } from '../monitor/state.ts';
import { dockerPortMap } from '../slirp/ports.ts';

export function inspectContainer(c: Container): Record<string, unknown> {
  const { rec, state } = c;
  const argv = [...rec.config.entrypoint, ...rec.config.cmd];
  const policy = parseRestartPolicy(rec.hostConfig.restartPolicy ?? 'no');
  const ports = rec.hostConfig.portBindings ?? [];
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
      Dead: state.status === 'dead',
      Pid: state.pid,
      ExitCode: state.exitCode,
      Error: state.error,
      StartedAt: state.startedAt,
      FinishedAt: state.finishedAt,
    },
    Image: rec.imageId,
    ResolvConfPath: `${c.dir}/resolv.conf`,
    HostnamePath: `${c.dir}/hostname`,
    HostsPath: `${c.dir}/hosts`,
    LogPath: logFile(c.dir),
    Name: `/${rec.name}`,
    RestartCount: state.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    HostConfig: {
      Binds: rec.hostConfig.mounts.map((m) => `${m.name ?? m.source}:${m.destination}${m.readOnly ? ':ro' : ''}`),
      NetworkMode: rec.hostConfig.networkMode,
      PortBindings: dockerPortMap(ports),
      Dns: rec.hostConfig.dns ?? [],
      DnsSearch: rec.hostConfig.dnsSearch ?? [],
      ExtraHosts: rec.hostConfig.extraHosts ?? [],
      Links: rec.hostConfig.links ?? null,
      RestartPolicy: { Name: policy.name, MaximumRetryCount: policy.name === 'on-failure' ? policy.maxRetries : 0 },
      AutoRemove: rec.hostConfig.autoRemove,
      ReadonlyRootfs: rec.hostConfig.readOnly,
    },
    NetworkSettings: {
      Ports: state.status === 'running' || state.status === 'paused' ? dockerPortMap(ports) : {},
    },
    Mounts: rec.hostConfig.mounts.map((m) => ({
      Type: m.type, ...(m.name ? { Name: m.name } : {}), Source: m.source, Destination: m.destination,
      Mode: m.readOnly ? 'ro' : '', RW: !m.readOnly, Propagation: 'rprivate',
    })),
    Config: {
      Hostname: rec.config.hostname,
      User: rec.config.user,
      AttachStdin: rec.config.openStdin,
      Tty: rec.config.tty,
      OpenStdin: rec.config.openStdin,
      Env: rec.config.env,
      Cmd: rec.config.cmd,
      Image: rec.image,
      WorkingDir: rec.config.workingDir,
      Entrypoint: rec.config.entrypoint.length ? rec.config.entrypoint : null,
      Labels: rec.config.labels,
      ...(rec.config.stopSignal ? { StopSignal: rec.config.stopSignal } : {}),
    },
  };
}

export function inspectImage(img: ImageRecord, config: Record<string, any>): Record<string, unknown> {
  return {
    Id: img.id,
    RepoTags: img.repoTags,
    RepoDigests: img.repoDigests,
    Created: img.created,
    Size: img.size,
    Architecture: config.architecture,
    Os: config.os,
    ...(config.variant ? { Variant: config.variant } : {}),
    Config: config.config ?? {},
    RootFS: { Type: 'layers', Layers: img.layers },
  };
}
