/**
 * The per-user network host: one user namespace (the user's id map) with one
 * network namespace, pinned by a sleeping process. Every container's own
 * namespaces are created inside this user namespace, so the network host can
 * reach into them: it holds a bridge per user-defined network and plugs
 * containers in with veth pairs. Like podman's pause process it outlives
 * commands; `system reset` stops it. It costs one `sleep`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { enterNamespaces } from '../userns/trampoline.ts';
import { readJson, writeJsonVolatile } from '../storage/atomic.ts';
import { alive, procRef, sameProcess } from '../sys/proc.ts';
import type { ProcRef } from '../model/state.ts';
import { TspodError } from '../errors.ts';
import { run, which } from '../sys/spawn.ts';
import { startSharedStack } from '../slirp/usermode.ts';
import type { UserMode } from '../model/network.ts';
import { logger } from '../log.ts';

const debug = logger('net');

interface HolderState { pid: number; start: number; userns: string }

const dirOf = (runRoot: string) => path.join(runRoot, 'netns');
const userns = (pid: number) => { try { return fs.readlinkSync(`/proc/${pid}/ns/user`); } catch { return ''; } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The holder's pid if it still lives (same process, same namespace). */
export function currentHolder(runRoot: string): number | undefined {
  const s = readJson<HolderState | undefined>(path.join(dirOf(runRoot), 'holder.json'), undefined);
  const ref: ProcRef | undefined = s && { pid: s.pid, start: s.start };
  return s && sameProcess(ref) && userns(s.pid) === s.userns ? s.pid : undefined;
}

/**
 * A lock that needs no native code (the monitor does not load the addon): an
 * exclusively created file naming its owner; a dead owner's lock is taken over.
 */
async function withPidLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(file, 'utf8').trim() || 0);
      if (owner && !alive(owner)) { fs.rmSync(file, { force: true }); continue; }
      if (i > 3000) throw new TspodError('ERR_TSPOD_LOCKED', `waiting for lock \`${file}\`: timed out`);
      await sleep(5);
    }
  }
  try { return await fn(); } finally { fs.rmSync(file, { force: true }); }
}

/** The holder's pid, starting it first if there is none. */
export async function ensureHolder(runRoot: string): Promise<number> {
  const existing = currentHolder(runRoot);
  if (existing) return existing;
  const dir = dirOf(runRoot);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return withPidLock(path.join(dir, 'holder.lock'), async () => {
    const again = currentHolder(runRoot);
    if (again) return again;
    const { child, channel } = await enterNamespaces({
      namespaces: ['net'],
      argv: ['sh', '-c', 'exec 3<&-; ip link set lo up 2>/dev/null; exec sleep infinity'],
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    channel.destroy();
    child.unref();
    const ref = procRef(child.pid!);
    if (!ref) throw new TspodError('ERR_TSPOD_NETWORK', 'starting the network host: it exited at once');
    writeJsonVolatile(path.join(dir, 'holder.json'), { ...ref, userns: userns(child.pid!) } satisfies HolderState);
    debug('network host started as pid %d', child.pid);
    return child.pid!;
  });
}

/** `rules`: the version of the network host's routing rules in place (RULES). */
interface StackState { pid: number; start: number; mode: UserMode; holder: number; rules?: number }

/** Masquerading (1), the forwarder's transparent replies (3), no routes through bridges with no container (4). */
const RULES = 4;

/** The per-user stack if it runs for the current holder. */
function currentStack(runRoot: string, holderPid: number): StackState | undefined {
  const s = readJson<StackState | undefined>(path.join(dirOf(runRoot), 'stack.json'), undefined);
  return s && s.holder === holderPid && sameProcess({ pid: s.pid, start: s.start }) ? s : undefined;
}

/**
 * The network host with its per-user stack running (src/slirp/usermode.ts
 * startSharedStack): forwarding on, and what leaves through tap0
 * masqueraded, so containers on its bridges get out. Returns the holder's pid.
 */
export async function ensureSharedStack(runRoot: string, mode: UserMode): Promise<number> {
  const holder = await ensureHolder(runRoot);
  if (currentStack(runRoot, holder)?.rules === RULES) return holder;
  return withPidLock(path.join(dirOf(runRoot), 'stack.lock'), async () => {
    const running = currentStack(runRoot, holder);
    if (running?.rules === RULES) return holder;
    // iptables is in /usr/sbin, which a user's PATH often lacks.
    const sbin = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
    const iptables = which('iptables', sbin);
    const ip = which('ip', sbin) ?? 'ip';
    if (!iptables) throw new TspodError('ERR_TSPOD_NETWORK', 'setting up the network host\'s way out: iptables is not installed (Debian: apt-get install iptables)');
    try {
      // What leaves through tap0 is masqueraded. The port forwarder's transparent sockets (mark 1, the
      // client's address as source) get their replies: the mark is kept on the connection and taken off
      // the outgoing packet (rerouted then to the bridge, not to the local table), and put back on what
      // comes back from the bridges, which the local table then delivers to the socket.
      const rules = [
        '-t nat -%s POSTROUTING -o tap0 -j MASQUERADE',
        '-t mangle -%s OUTPUT -m mark --mark 0x1 -j CONNMARK --save-mark',
        '-t mangle -%s OUTPUT -m mark --mark 0x1 -j MARK --set-mark 0x0',
        '-t mangle -%s PREROUTING -i tsbr+ -j CONNMARK --restore-mark',
      ].map((r) => `{ ${iptables} ${r.replace('%s', 'C')} 2>/dev/null || ${iptables} ${r.replace('%s', 'A')}; }`);
      await run(['nsenter', '-t', String(holder), '--user', '--net', '--preserve-credentials', '--', 'sh', '-c', [
        'echo 1 > /proc/sys/net/ipv4/ip_forward',
        // A bridge left behind (its network's record wiped with the store) has no carrier: its route must not win.
        'echo 1 > /proc/sys/net/ipv4/conf/all/ignore_routes_with_linkdown', ...rules,
        `{ ${ip} rule del fwmark 0x1 lookup 100 2>/dev/null; ${ip} rule add fwmark 0x1 lookup 100; }`,
        `${ip} route replace local 0.0.0.0/0 dev lo table 100`,
      ].join(' && ')]);
    } catch (err) {
      throw new TspodError('ERR_TSPOD_NETWORK', `setting up the network host's way out (needs iptables): ${(err as Error).message}`);
    }
    // A stack started by an older tspod keeps running; only its rules are brought up to date.
    const ref = running ?? procRef(await startSharedStack(mode, holder, path.join(runRoot, 'net')));
    if (!ref) throw new TspodError('ERR_TSPOD_NETWORK', `starting the per-user ${mode}: it exited at once`);
    writeJsonVolatile(path.join(dirOf(runRoot), 'stack.json'), { pid: ref.pid, start: ref.start, mode: running?.mode ?? mode, holder, rules: RULES } satisfies StackState);
    debug('per-user %s running as pid %d', mode, ref.pid);
    return holder;
  });
}

/** Stops the holder (system reset): its bridges and its stack go with it. */
export function stopHolder(runRoot: string): void {
  const pid = currentHolder(runRoot);
  const stack = pid ? currentStack(runRoot, pid) : undefined;
  for (const p of [stack?.pid, pid]) if (p) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
  fs.rmSync(path.join(dirOf(runRoot), 'holder.json'), { force: true });
  fs.rmSync(path.join(dirOf(runRoot), 'stack.json'), { force: true });
}
