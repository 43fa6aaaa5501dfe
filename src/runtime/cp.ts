/**
 * `cp` between a container and the host, docker's rules: into an existing
 * directory the source keeps its name; `SRC/.` copies a directory's contents.
 * The copy runs in a helper inside the container's user namespace (files of
 * subordinate ids are readable there); paths inside the container are
 * resolved as if its root were `/`, so no symlink leads out onto the host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { start, which } from '../sys/spawn.ts';
import { selfArgv } from '../sys/self.ts';
import { enterNamespaces, waitExit } from '../userns/trampoline.ts';
import { resolveInRoot } from './init.ts';
import { mountRootfs } from '../fuse-overlay/rootfs.ts';
import type { Container } from './lifecycle.ts';
import { ContainerLayout, layerLink } from '../storage/layout.ts';
import type { Store } from '../storage/store.ts';
import { TspodError } from '../errors.ts';

export interface CopyJob {
  direction: 'from-container' | 'to-container';
  containerPath: string;
  hostPath: string;
  /** The container root as a host path (/proc/PID/root), or how to mount it. */
  root?: string;
  mount?: { storeRoot: string; id: string; layers: string[] };
}

/** Splits `NAME:PATH`; undefined for a host path. */
export function splitContainerPath(arg: string): { container: string; path: string } | undefined {
  const i = arg.indexOf(':');
  if (i <= 0 || arg.startsWith('/') || arg.startsWith('.')) return undefined;
  return { container: arg.slice(0, i), path: arg.slice(i + 1) || '/' };
}

function copyTree(src: string, dest: string): void {
  const st = fs.lstatSync(src);
  if (st.isDirectory()) {
    if (!fs.existsSync(dest)) fs.mkdirSync(dest);
    for (const name of fs.readdirSync(src)) copyTree(path.join(src, name), path.join(dest, name));
  } else if (st.isSymbolicLink()) {
    fs.rmSync(dest, { force: true });
    fs.symlinkSync(fs.readlinkSync(src), dest);
    fs.lchownSync(dest, 0, 0);
    return;
  } else if (st.isFile()) {
    fs.copyFileSync(src, dest);
  } else {
    return; // devices, sockets, fifos are not copied
  }
  fs.lchownSync(dest, 0, 0); // the copier's ownership, as docker cp gives (libuv's copy keeps the source owner)
  fs.chmodSync(dest, st.mode & 0o7777);
  fs.utimesSync(dest, st.atime, st.mtime);
}

/** docker's destination rule; both paths are host paths (the container side already resolved). */
function place(src: string, dest: string, srcName: string): void {
  const contents = srcName === '.' || src.endsWith('/.');
  let st: fs.Stats | undefined;
  try { st = fs.statSync(dest); } catch { /* new */ }
  const srcStat = fs.lstatSync(src);
  if (st?.isDirectory() && !contents) copyTree(src, path.join(dest, path.basename(src)));
  else if (st && !st.isDirectory() && srcStat.isDirectory()) throw new TspodError('ERR_TSPOD_USAGE', 'cannot copy a directory to a file');
  else {
    if (!st && !fs.existsSync(path.dirname(dest))) throw new TspodError('ERR_TSPOD_USAGE', `destination directory \`${path.dirname(dest)}\` does not exist`);
    copyTree(src, dest);
  }
}

/** Runs inside the container's user namespace (the __cp helper). */
export function runCopyJob(job: CopyJob): void {
  let root = job.root;
  if (job.mount) {
    const layout = new ContainerLayout(job.mount.storeRoot, '', job.mount.id);
    const lowers = [...job.mount.layers].reverse().map(layerLink);
    mountRootfs({ lowers, cwd: job.mount.storeRoot, upper: layout.upper, work: layout.work, target: layout.merged });
    root = layout.merged;
  }
  if (!root) throw new TspodError('ERR_TSPOD_USAGE', 'no container root');
  const trailingDot = job.containerPath.endsWith('/.');
  const inside = (p: string) => {
    // Resolve the parent within the root; the last component itself is not followed.
    const parent = resolveInRoot(root!, path.posix.dirname(p));
    return path.join(parent, path.posix.basename(p));
  };
  if (job.direction === 'from-container') {
    const src = trailingDot ? resolveInRoot(root, job.containerPath.slice(0, -2)) : inside(job.containerPath);
    if (!fs.existsSync(src) && !isLink(src)) throw new TspodError('ERR_TSPOD_USAGE', `could not find the file ${job.containerPath} in container`);
    place(trailingDot ? `${src}/.` : src, job.hostPath, trailingDot ? '.' : path.basename(src));
  } else {
    let dest = resolveInRoot(root, job.containerPath);
    if (job.containerPath.endsWith('/') && !fs.existsSync(dest)) throw new TspodError('ERR_TSPOD_USAGE', `directory ${job.containerPath} does not exist in the container`);
    if (isLink(dest)) dest = resolveInRoot(root, job.containerPath);
    place(job.hostPath, dest, job.hostPath.endsWith('/.') ? '.' : path.basename(job.hostPath));
  }
}

function isLink(p: string): boolean {
  try { return fs.lstatSync(p).isSymbolicLink(); } catch { return false; }
}

export async function copy(store: Store, c: Container, direction: CopyJob['direction'], containerPath: string, hostPath: string): Promise<void> {
  const host = path.resolve(hostPath) + (hostPath.endsWith('/.') ? '/.' : '');
  if (direction === 'to-container' && !fs.existsSync(host.replace(/\/\.$/, ''))) {
    throw new TspodError('ERR_TSPOD_USAGE', `no such file or directory: ${hostPath}`);
  }
  const running = c.state.status === 'running' || c.state.status === 'paused';
  const job: CopyJob = running
    ? { direction, containerPath, hostPath: host, root: `/proc/${c.state.pid}/root` }
    : { direction, containerPath, hostPath: host, mount: { storeRoot: store.root, id: c.rec.id, layers: c.rec.layers } };
  const argv = [...selfArgv(), '__cp', JSON.stringify(job)];
  let child;
  if (running) {
    const nsenter = which('nsenter');
    if (!nsenter) throw new TspodError('ERR_TSPOD_SUBPROCESS', 'cp needs `nsenter` (util-linux)');
    child = start([nsenter, '-t', String(c.state.pid), '--user', '--', ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
  } else {
    child = (await enterNamespaces({ namespaces: ['mount'], argv, stdio: ['ignore', 'ignore', 'pipe'] })).child;
  }
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const code = await waitExit(child);
  if (code !== 0) throw new TspodError('ERR_TSPOD_USAGE', stderr.trim().replace(/^Error: /, '') || `copy failed with status ${code}`);
}
