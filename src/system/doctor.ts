/**
 * `doctor`: what a new user's host needs for rootless containers, each
 * finding OK / WARN / FAIL with the command that fixes it. Probes are real
 * (a user namespace is entered, an overlay is mounted), not guesses.
 */
import fs from 'node:fs';
import { probeDelegation, DELEGATE_FIX } from '../cgroupv2/delegation.ts';
import os from 'node:os';
import path from 'node:path';
import { run, which } from '../sys/spawn.ts';
import { parseSubIds } from '../userns/idmap.ts';
import { runInUserns } from '../userns/trampoline.ts';
import { networkFilesystem, type StorePaths } from '../storage/paths.ts';

export type Level = 'OK' | 'WARN' | 'FAIL';
export interface Finding { check: string; level: Level; detail: string; fix?: string }

const read = (f: string) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return undefined; } };

function userns(): Finding[] {
  const out: Finding[] = [];
  const max = Number(read('/proc/sys/user/max_user_namespaces') ?? '1');
  const debianKnob = read('/proc/sys/kernel/unprivileged_userns_clone');
  const apparmor = read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  if (max === 0) out.push({ check: 'user namespaces', level: 'FAIL', detail: 'user.max_user_namespaces is 0', fix: 'sudo sysctl -w user.max_user_namespaces=28633' });
  else if (debianKnob === '0') out.push({ check: 'user namespaces', level: 'FAIL', detail: 'kernel.unprivileged_userns_clone is 0', fix: 'sudo sysctl -w kernel.unprivileged_userns_clone=1' });
  else if (apparmor === '1') out.push({ check: 'user namespaces', level: 'FAIL', detail: 'AppArmor restricts unprivileged user namespaces', fix: 'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0' });
  else out.push({ check: 'user namespaces', level: 'OK', detail: `allowed (max ${max})` });
  return out;
}

function setuidHelper(name: string): Finding {
  const p = which(name);
  if (!p) return { check: name, level: 'FAIL', detail: 'not installed', fix: 'sudo apt-get install uidmap' };
  const st = fs.statSync(p);
  if (st.uid === 0 && st.mode & 0o4000) return { check: name, level: 'OK', detail: `${p} (setuid root)` };
  return { check: name, level: 'WARN', detail: `${p} is not setuid root (fine only if it has file capabilities)`, fix: `sudo chmod u+s ${p}` };
}

function subIds(file: string, me: os.UserInfo<string>): Finding {
  const ranges = parseSubIds(read(file) ?? '', me.username, me.uid);
  const total = ranges.reduce((n, r) => n + r.count, 0);
  const flag = file.endsWith('subuid') ? '--add-subuids' : '--add-subgids';
  const fix = `sudo usermod ${flag} 100000-165535 ${me.username}`;
  if (!total) return { check: file, level: 'WARN', detail: `no range for ${me.username}: containers run with a single id (images owned by other ids collapse to root)`, fix };
  if (total < 65536) return { check: file, level: 'WARN', detail: `${total} ids for ${me.username}; images may use ids up to 65535`, fix };
  return { check: file, level: 'OK', detail: `${total} ids for ${me.username}` };
}

async function overlayInUserns(scratch: string): Promise<Finding> {
  const dir = fs.mkdtempSync(path.join(scratch, 'doctor-'));
  try {
    for (const d of ['lower', 'upper', 'work', 'merged']) fs.mkdirSync(path.join(dir, d));
    await runInUserns('unshare --mount sh -c "mount -t overlay overlay -o lowerdir=$1/lower,upperdir=$1/upper,workdir=$1/work,userxattr $1/merged"', [dir]);
    return { check: 'native overlay in a user namespace', level: 'OK', detail: 'mounts (kernel >= 5.11)' };
  } catch (err) {
    return { check: 'native overlay in a user namespace', level: 'WARN', detail: `refused (${(err as Error).message.split('\n')[0].slice(0, 120)}); fuse-overlayfs or copies are used instead`, fix: 'use a kernel >= 5.11, or keep fuse-overlayfs usable (below)' };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function device(dev: string, tool: string[], what: string, pkg: string): Finding[] {
  const out: Finding[] = [];
  try {
    fs.accessSync(dev, fs.constants.R_OK | fs.constants.W_OK);
    out.push({ check: dev, level: 'OK', detail: `usable (${what})` });
  } catch {
    const exists = fs.existsSync(dev);
    const mode = exists ? (fs.statSync(dev).mode & 0o777).toString(8) : '';
    out.push({ check: dev, level: 'WARN', detail: exists ? `mode 0${mode}: not usable by you (${what} unavailable)` : 'missing', fix: exists ? `sudo chmod 666 ${dev}` : `sudo modprobe ${path.basename(dev)}` });
  }
  const found = tool.map((t) => which(t)).filter(Boolean);
  out.push(found.length
    ? { check: tool.join(' / '), level: 'OK', detail: found.join(', ') }
    : { check: tool.join(' / '), level: 'WARN', detail: 'not installed', fix: `sudo apt-get install ${pkg}` });
  return out;
}

function cgroups(): Finding {
  const d = probeDelegation();
  if (d.hierarchy !== 'v2') {
    return { check: 'cgroups', level: 'WARN', detail: `${d.hierarchy === 'hybrid' ? 'hybrid (v1 controllers)' : 'v1'}: limits (-m, --cpus, --pids-limit) cannot be enforced rootless`, fix: 'boot with systemd.unified_cgroup_hierarchy=1 (cgroup v2)' };
  }
  if (!d.controllers.includes('memory')) {
    return { check: 'cgroups', level: 'WARN', detail: `v2, controllers delegated to you: ${d.controllers.join(' ') || 'none'}`, fix: DELEGATE_FIX };
  }
  return { check: 'cgroups', level: 'OK', detail: `v2, delegated: ${d.controllers.join(' ')}` };
}

function runtimeDir(env: NodeJS.ProcessEnv, uid: number): Finding {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir) return { check: 'XDG_RUNTIME_DIR', level: 'WARN', detail: `unset: runtime state goes under ${os.tmpdir()}`, fix: 'log in through a session that sets it (systemd-logind), or export XDG_RUNTIME_DIR=/run/user/$(id -u)' };
  try {
    const st = fs.statSync(dir);
    if (st.uid !== uid) return { check: 'XDG_RUNTIME_DIR', level: 'FAIL', detail: `${dir} is not yours`, fix: 'export XDG_RUNTIME_DIR to a directory you own' };
    return { check: 'XDG_RUNTIME_DIR', level: 'OK', detail: dir };
  } catch {
    return { check: 'XDG_RUNTIME_DIR', level: 'FAIL', detail: `${dir} does not exist`, fix: `mkdir -m 700 -p ${dir}` };
  }
}

function storageFs(paths: StorePaths): Finding {
  const moved = paths.relocatedFrom;
  if (moved) return { check: 'storage filesystem', level: 'WARN', detail: `${moved.root} is on ${moved.filesystem}, which cannot hold overlay upper directories: using ${paths.root}`, fix: 'set XDG_DATA_HOME (or --root) to a local filesystem to choose the place' };
  const network = networkFilesystem(paths.root);
  if (network) return { check: 'storage filesystem', level: 'WARN', detail: `${paths.root} is on ${network}: it cannot hold overlay upper directories`, fix: 'set XDG_DATA_HOME (or --root) to a local filesystem' };
  return { check: 'storage filesystem', level: 'OK', detail: `${paths.root} (a local filesystem)` };
}

/** The per-user network host masquerades its bridges' traffic with iptables (one stack for all containers). */
function iptablesFinding(): Finding {
  if (which('iptables', `${process.env.PATH ?? ''}:/usr/sbin:/sbin`)) return { check: 'iptables', level: 'OK', detail: 'the per-user network host can route every container through one stack' };
  return { check: 'iptables', level: 'WARN', detail: 'not installed: each container on the default network gets a pasta of its own (more memory, slower starts)', fix: 'sudo apt-get install iptables' };
}

async function utilLinux(): Promise<Finding> {
  try {
    const v = /(\d+)\.(\d+)/.exec((await run(['unshare', '--version'])).stdout);
    const ok = v && (Number(v[1]) > 2 || Number(v[2]) >= 33);
    return { check: 'util-linux', level: ok ? 'OK' : 'WARN', detail: `unshare ${v?.[0] ?? '?'}${ok ? '' : ' (2.33 or newer recommended)'}`, ...(ok ? {} : { fix: 'sudo apt-get install util-linux' }) };
  } catch {
    return { check: 'util-linux', level: 'FAIL', detail: 'unshare not found', fix: 'sudo apt-get install util-linux' };
  }
}

export async function runDoctor(paths: StorePaths, env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const me = os.userInfo();
  const scratch = fs.existsSync(paths.root) ? paths.root : os.tmpdir();
  return [
    ...userns(),
    await utilLinux(),
    setuidHelper('newuidmap'),
    setuidHelper('newgidmap'),
    subIds('/etc/subuid', me),
    subIds('/etc/subgid', me),
    await overlayInUserns(scratch),
    ...device('/dev/fuse', ['fuse-overlayfs'], 'fuse-overlayfs fallback', 'fuse-overlayfs'),
    ...device('/dev/net/tun', ['pasta', 'slirp4netns'], 'user-mode networking', 'passt slirp4netns'),
    iptablesFinding(),
    cgroups(),
    runtimeDir(env, me.uid),
    storageFs(paths),
  ];
}
