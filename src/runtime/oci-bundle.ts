/**
 * `--runtime runc|crun|PATH`: the same container on an installed OCI
 * runtime instead of tspod's own. The monitor runs it through the native
 * helper's `oci` job (native/oci.c), which joins the per-user user namespace
 * (where the user is root, so the runtime works as for root, with its
 * rootless cgroup manager) and, for `create`, mounts the root filesystem
 * from the layers. The runtime gets a bundle whose config.json is tspod's
 * spec without the user namespace and with the user resolved here (the
 * runtime knows no `io.tspod.*` annotation). `create`, the network steps,
 * then `start`: the command starts with its network in place.
 *
 * What only tspod's runtime does is refused in one line: a terminal (-t),
 * --userns=keep-id.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ContainerRecord } from '../model/container.ts';
import type { MonitorSpec } from '../model/monitor-spec.ts';
import type { ContainerLayout } from '../storage/layout.ts';
import { layerLink } from '../storage/layout.ts';
import { which } from '../sys/spawn.ts';
import { nativeHelper } from '../sys/native.ts';
import { TspodError, UsageError } from '../errors.ts';
import type { OciSpec } from './spec.ts';
import { resolveUser } from './user.ts';

/** The runtime a --runtime value names: undefined for tspod's own; one line when it cannot be used. */
export function parseRuntime(value: string | undefined, opts: { userns?: string }): string | undefined {
  if (value === undefined || value === '' || value === 'tspod') return undefined;
  if (!/^[\w./-]+$/.test(value) || !which(value)) throw new UsageError(`unknown or invalid runtime name: ${value}`);
  if (opts.userns === 'keep-id') throw new UsageError(`--runtime ${value}: --userns=keep-id needs tspod's own runtime`);
  return value;
}

/** /etc/passwd or /etc/group as the image has it (the topmost layer that has one). */
function imageFile(rec: ContainerRecord, storeRoot: string, name: string): string {
  for (const diffId of [...rec.layers].reverse()) {
    try { return fs.readFileSync(path.join(storeRoot, layerLink(diffId), 'etc', name), 'utf8'); } catch { /* not in this layer */ }
  }
  return '';
}

const STANDARD_DEVICES = new Set(['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty']);

/** config.json for the runtime: tspod's spec, the user namespace left out (the helper joins it), the user resolved. */
function bundleSpec(spec: OciSpec, rec: ContainerRecord, storeRoot: string): OciSpec {
  const wanted = spec.annotations['io.tspod.user'];
  const process = { ...spec.process, terminal: Boolean(rec.config.tty) };
  if (wanted) {
    const u = resolveUser(wanted, imageFile(rec, storeRoot, 'passwd'), imageFile(rec, storeRoot, 'group'));
    process.user = { ...process.user, uid: u.uid, gid: u.gid, additionalGids: [...new Set([...u.groups, ...(process.user.additionalGids ?? [])])] };
    if (!process.env.some((e) => e.startsWith('HOME='))) process.env = [...process.env, `HOME=${u.home}`];
  }
  // The runtime makes the standard devices itself (binding them in a user namespace): ours would be opened as ttys.
  const mounts = spec.mounts.filter((m) => !(m.type === 'bind' && STANDARD_DEVICES.has(m.destination) && m.source === m.destination));
  return { ...spec, process, mounts, linux: { ...spec.linux, namespaces: spec.linux.namespaces.filter((n) => n.type !== 'user') } };
}

/** Writes the bundle beside the spec; returns the runtime's commands for the monitor. */
export function runtimeCommands(rec: ContainerRecord, layout: ContainerLayout, spec: OciSpec, storeRoot: string): NonNullable<MonitorSpec['runtime']> {
  const runtime = which(rec.hostConfig.runtime!);
  if (!runtime) throw new TspodError('ERR_TSPOD_CONFIG', `the OCI runtime \`${rec.hostConfig.runtime}\` of container ${rec.name} is not installed`);
  const dir = path.join(layout.runDir, 'bundle');
  const state = path.join(layout.runDir, 'oci');
  const log = path.join(dir, 'runtime.log');
  const pidFile = path.join(dir, 'pid');
  // With -t the runtime sends the pty's master here (beside the attach socket: a short path).
  const consoleSocket = rec.config.tty ? path.join(path.dirname(layout.socket), `${rec.id.slice(0, 16)}.console`) : undefined;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(bundleSpec(spec, rec, storeRoot)));
  const run = (mount: boolean, ...args: string[]) => [nativeHelper(), 'oci', ...(mount ? ['--mount'] : []), layout.spec, runtime, '--root', state, '--log', log, '--log-format', 'json', ...args];
  return {
    create: run(true, 'create', '--bundle', dir, '--pid-file', pidFile, ...(consoleSocket ? ['--console-socket', consoleSocket] : []), rec.id),
    start: run(false, 'start', rec.id),
    delete: run(false, 'delete', '--force', rec.id),
    pidFile,
    log,
    ...(consoleSocket ? { consoleSocket } : {}),
  };
}
