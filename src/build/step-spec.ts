/**
 * The OCI spec of one build step (a RUN): containerSpec's pieces over a
 * stand-in container record whose rootfs is the stage's layers with the
 * step's own upper dir (in a private build directory, not in the container
 * list). Build steps never need a terminal, ports or restarts.
 */
import path from 'node:path';
import { ContainerLayout } from '../storage/layout.ts';
import { containerSpec, type OciSpec } from '../runtime/spec.ts';
import type { ContainerRecord, Mount } from '../model/container.ts';

/** A container layout whose every path lives in `stepDir`. */
export class StepLayout extends ContainerLayout {
  private readonly stepDir: string;
  constructor(storeRoot: string, runRoot: string, id: string, stepDir: string) {
    super(storeRoot, runRoot, id);
    this.stepDir = stepDir;
  }
  override get merged(): string { return path.join(this.stepDir, 'merged'); }
  override get upper(): string { return path.join(this.stepDir, 'upper'); }
  override get work(): string { return path.join(this.stepDir, 'work'); }
  override get emptyLower(): string { return path.join(this.stepDir, 'empty'); }
  override etc(name: 'hosts' | 'hostname' | 'resolv.conf'): string { return path.join(this.stepDir, name); }
  override get spec(): string { return path.join(this.stepDir, 'config.json'); }
}

export interface StepProcess {
  id: string;
  /** diffIDs of the stage so far, base first. */
  layers: string[];
  args: string[];
  env: string[];
  workingDir: string;
  user: string;
  /** host, none, pasta or slirp4netns. */
  networkMode: string;
  mounts: Mount[];
}

/** The spec of a build step: docker's confinement, the stage's layers under the step's upper dir. */
export function stepSpec(p: StepProcess, layout: StepLayout, opts: { userNsPid: number; storeRoot: string }): OciSpec {
  const rec: ContainerRecord = {
    id: p.id,
    name: `build-${p.id.slice(0, 12)}`,
    created: new Date().toISOString(),
    image: '',
    imageId: '',
    layers: p.layers,
    config: {
      entrypoint: [], cmd: p.args, env: p.env, workingDir: p.workingDir, user: p.user,
      hostname: p.id.slice(0, 12), tty: false, openStdin: false, labels: {},
    },
    hostConfig: { autoRemove: false, readOnly: false, networkMode: p.networkMode, mounts: p.mounts, restartPolicy: 'no' },
  };
  // No copy backend: a step's changes must land in an upper dir to become its layer.
  return containerSpec(rec, layout, { userNsPid: opts.userNsPid, storeRoot: opts.storeRoot, backends: ['overlay', 'fuse-overlayfs'] });
}
