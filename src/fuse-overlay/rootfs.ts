/**
 * Mounting a container's root filesystem from its image layers, inside the
 * container's mount namespace. Backends, tried in order: native overlayfs
 * (userxattr, kernel >= 5.11 in a user namespace), then fuse-overlayfs.
 */
import { spawnSync } from 'node:child_process';
import { mount, MS } from '../sys/libc.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('overlay');

export interface RootfsSpec {
  /** Lower layers as paths relative to `cwd`, topmost first (short links keep the option short). */
  lowers: string[];
  cwd: string;
  upper: string;
  work: string;
  target: string;
}

export interface RootfsBackend {
  readonly name: string;
  /** Mounts the rootfs at spec.target; throws if this backend cannot. */
  mount(spec: RootfsSpec): void;
}

const native: RootfsBackend = {
  name: 'overlay',
  mount(spec) {
    process.chdir(spec.cwd);
    const data = `lowerdir=${spec.lowers.join(':')},upperdir=${spec.upper},workdir=${spec.work},userxattr`;
    mount('overlay', spec.target, 'overlay', 0, data);
  },
};

const fuse: RootfsBackend = {
  name: 'fuse-overlayfs',
  mount(spec) {
    const data = `lowerdir=${spec.lowers.join(':')},upperdir=${spec.upper},workdir=${spec.work}`;
    const r = spawnSync('fuse-overlayfs', ['-o', data, spec.target], { cwd: spec.cwd, encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `mounting fuse-overlayfs at \`${spec.target}\`: ${r.error?.message ?? r.stderr.trim()}`);
    }
  },
};

export const BACKENDS: RootfsBackend[] = [native, fuse];

/** Mounts with the first backend that works; returns its name. */
export function mountRootfs(spec: RootfsSpec, backends: RootfsBackend[] = BACKENDS): string {
  const errors: string[] = [];
  for (const b of backends) {
    try {
      b.mount(spec);
      debug('rootfs mounted with %s', b.name);
      return b.name;
    } catch (err) {
      errors.push((err as Error).message);
      debug('%s failed: %s', b.name, (err as Error).message);
    }
  }
  throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `mounting the container's root filesystem: ${errors.join('; ')}`);
}
