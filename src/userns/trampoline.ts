/**
 * Entering new namespaces. Node is multithreaded, so the kernel refuses it
 * unshare(CLONE_NEWUSER); util-linux `unshare` is the single-threaded
 * trampoline. The child's id maps are written by newuidmap/newgidmap (or
 * directly, for the single-id fallback) once unshare has created the user
 * namespace; then "go" is sent on fd 3.
 *
 * unshare execs its program at once, before the maps exist, and an execve by
 * an unmapped uid drops every capability. So unshare runs a `sh` that waits
 * for "go" and only then starts the real program, as mapped root with the
 * full capability set of the namespace. fd 3 stays open as the channel.
 */
import fs from 'node:fs';
import os from 'node:os';
import type { ChildProcess, StdioOptions } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { containerMap, mapArgs, parseSubIds, type IdMapping } from './idmap.ts';
import { collectAll, exitStatus, run, start, which } from '../sys/spawn.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('userns');

/** Containers are made by the native helper; tspod's own helpers need only these. */
export type Namespace = 'mount' | 'net';

export interface IdMaps { uid: IdMapping[]; gid: IdMapping[]; single: boolean }

/** The maps for the current user, read from /etc/subuid and /etc/subgid. */
export function currentIdMaps(): IdMaps {
  const me = os.userInfo();
  const read = (f: string) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };
  const subu = parseSubIds(read('/etc/subuid'), me.username, me.uid);
  const subg = parseSubIds(read('/etc/subgid'), me.username, me.uid);
  const single = subu.length === 0 || subg.length === 0 || !which('newuidmap') || !which('newgidmap');
  if (single) debug('no subordinate ids (or no newuidmap) for %s: mapping only uid %d', me.username, me.uid);
  return {
    uid: containerMap(me.uid, single ? [] : subu),
    gid: containerMap(me.gid, single ? [] : subg),
    single,
  };
}

export interface EnterOptions {
  namespaces: Namespace[];
  /** Program to run inside, started once the id maps are in place. */
  argv: string[];
  /** stdin, stdout, stderr of the entered program (fd 3 is added). */
  stdio: Array<'pipe' | 'ignore' | 'inherit' | number>;
  env?: NodeJS.ProcessEnv;
  maps?: IdMaps;
  /**
   * Join the user namespace of this process instead of creating one (its maps
   * are in place already), and with `net` its network namespace too.
   */
  join?: { pid: number; net: boolean };
  /** In a session of its own, to outlive the caller. */
  detached?: boolean;
}

export interface Entered {
  child: ChildProcess;
  /** fd 3 of the entered program: "go" was sent; it may write messages back. */
  channel: Duplex;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for "go", then becomes the program. */
const WAIT_THEN_EXEC = 'read -r _ <&3 && exec "$@"';

/** Waits until the child is in a namespace `ns` other than `ref`'s: the one unshare created. */
async function waitForNamespace(child: ChildProcess, ns: string, ref: number | 'self'): Promise<void> {
  const own = fs.readlinkSync(`/proc/${ref}/ns/${ns}`);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      if (fs.readlinkSync(`/proc/${child.pid}/ns/${ns}`) !== own) return;
    } catch { /* not there yet or gone */ }
    if (i > 5000) break;
    await sleep(i < 50 ? 0 : 2);
  }
  throw new TspodError('ERR_TSPOD_USERNS', 'creating a user namespace with `unshare`: it exited before creating one (are unprivileged user namespaces allowed? see `tspod doctor`)');
}

async function writeMaps(pid: number, maps: IdMaps): Promise<void> {
  if (maps.single) {
    fs.writeFileSync(`/proc/${pid}/uid_map`, `0 ${maps.uid[0].outer} 1\n`);
    fs.writeFileSync(`/proc/${pid}/setgroups`, 'deny\n');
    fs.writeFileSync(`/proc/${pid}/gid_map`, `0 ${maps.gid[0].outer} 1\n`);
    return;
  }
  await Promise.all([
    run(['newuidmap', String(pid), ...mapArgs(maps.uid)]),
    run(['newgidmap', String(pid), ...mapArgs(maps.gid)]),
  ]);
}

/** Starts argv in new namespaces with the user's id maps; resolves once "go" is sent. */
export async function enterNamespaces(opts: EnterOptions): Promise<Entered> {
  const { join } = opts;
  const enter = join ? ['nsenter', '-t', String(join.pid), '--user', ...(join.net ? ['--net'] : []), '--preserve-credentials', '--'] : [];
  const namespaces = opts.namespaces.filter((n) => !(join?.net && n === 'net'));
  const flags = [...(join ? [] : ['--user']), ...namespaces.map((n) => `--${n}`)];
  const stdio = [...opts.stdio.slice(0, 3), 'pipe'];
  const child = start([...enter, 'unshare', ...flags, '--', 'sh', '-c', WAIT_THEN_EXEC, 'tspod-wait', ...opts.argv],
    { stdio: stdio as StdioOptions, env: opts.env, detached: opts.detached });
  const spawnError = new Promise<never>((_, reject) => child.once('error', (err: NodeJS.ErrnoException) =>
    reject(new TspodError('ERR_TSPOD_USERNS', `running \`unshare\`: ${err.code ?? err.message}`))));
  const channel = child.stdio[3] as Duplex;
  // unshare creates all its namespaces in one call: seeing one is seeing them all.
  const [ns, ref] = join ? [namespaces[0] === 'mount' ? 'mnt' : namespaces[0], join.pid] : ['user', 'self' as const];
  await Promise.race([waitForNamespace(child, ns, ref), spawnError]);
  if (!join) await writeMaps(child.pid!, opts.maps ?? currentIdMaps());
  channel.write('go\n');
  debug('entered %o as pid %d', opts.namespaces, child.pid);
  return { child, channel };
}

/** Exit of a child as a shell would report it (kept here for its callers; the helper is src/sys/spawn.ts's). */
export const waitExit = exitStatus;

/**
 * Runs a shell command inside a user namespace with the container id map
 * (files owned by subordinate ids become manageable).
 */
export async function runInUserns(script: string, args: string[], maps?: IdMaps): Promise<void> {
  const { child, channel } = await enterNamespaces({
    namespaces: [],
    argv: ['sh', '-c', `exec 3<&- && ${script}`, 'sh', ...args],
    stdio: ['ignore', 'ignore', 'pipe'],
    maps,
  });
  const stderr = collectAll(child.stderr);
  channel.resume();
  const code = await exitStatus(child);
  if (code !== 0) throw new TspodError('ERR_TSPOD_USERNS', `running \`${script}\` in the user namespace: exit status ${code}: ${stderr().trim()}`);
}

/** Moved to ./remove.ts; re-exported until src/image/ imports the new path. */
export { removeTrees } from './remove.ts';
