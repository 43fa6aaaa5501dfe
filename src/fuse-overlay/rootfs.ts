/**
 * Mounting a container's root filesystem from its image layers, inside the
 * container's mount namespace. Backends, tried in order: native overlayfs
 * (userxattr, kernel >= 5.11 in a user namespace), fuse-overlayfs, and a
 * plain copy of the layers (slow to create, but needs nothing of the host).
 */
import fs from 'node:fs';
import path from 'node:path';
import { mount, MS } from '../sys/libc.ts';
import { flattenLayers } from './flatten.ts';
import { SubprocessError, TspodError } from '../errors.ts';
import { runSync } from '../sys/spawn.ts';
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
    try {
      runSync(['fuse-overlayfs', '-o', data, spec.target], { cwd: spec.cwd });
    } catch (err) {
      const why = err instanceof SubprocessError ? err.stderr.trim() || `exit status ${err.status}` : (err as Error).message;
      throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `mounting fuse-overlayfs at \`${spec.target}\`: ${why}`, { cause: err });
    }
  },
};

/** The copy is made once per container, next to its upper dir, and kept across restarts. */
const copy: RootfsBackend = {
  name: 'copy',
  mount(spec) {
    const rootfs = path.join(path.dirname(spec.upper), 'rootfs');
    const done = path.join(path.dirname(spec.upper), 'rootfs.complete');
    if (!fs.existsSync(done)) {
      fs.rmSync(rootfs, { recursive: true, force: true });
      fs.mkdirSync(rootfs, { mode: 0o755 });
      flattenLayers([...spec.lowers].reverse().map((l) => path.resolve(spec.cwd, l)), rootfs);
      fs.writeFileSync(done, '');
    }
    mount(rootfs, spec.target, null, MS.BIND | MS.REC, null);
  },
};

export const BACKENDS: RootfsBackend[] = [native, fuse, copy];

/**
 * The backends to try: all in order, or only the one named by
 * TSPOD_ROOTFS_BACKEND (overlay, fuse-overlayfs, copy) for hosts and tests
 * that need a particular one.
 */
export function chosenBackends(env: NodeJS.ProcessEnv = process.env): RootfsBackend[] {
  const want = env.TSPOD_ROOTFS_BACKEND;
  if (!want) return BACKENDS;
  const b = BACKENDS.find((x) => x.name === want);
  if (!b) throw new TspodError('ERR_TSPOD_CONFIG', `TSPOD_ROOTFS_BACKEND=${want}: not one of ${BACKENDS.map((x) => x.name).join(', ')}`);
  return [b];
}

/** Mounts with the first backend that works; returns its name. */
export function mountRootfs(spec: RootfsSpec, backends: RootfsBackend[] = chosenBackends()): string {
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
