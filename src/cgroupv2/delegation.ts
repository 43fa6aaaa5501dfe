/**
 * What cgroup v2 lets this user do: the hierarchy's kind and the controllers
 * delegated to the user's own cgroup. Resource limits need them; `doctor`
 * reports them and `run -m/--cpus/--pids-limit` refuses without them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TspodError } from '../errors.ts';

export interface Delegation {
  hierarchy: 'v2' | 'hybrid' | 'v1';
  /** Controllers usable below the user's cgroup ([] when it is not writable). */
  controllers: string[];
}

const read = (f: string) => { try { return fs.readFileSync(f, 'utf8'); } catch { return ''; } };

export function probeDelegation(): Delegation {
  const mounts = read('/proc/self/mountinfo').split('\n');
  const root = mounts.find((l) => / \/sys\/fs\/cgroup /.test(l));
  if (!root?.includes(' - cgroup2 ')) return { hierarchy: mounts.some((l) => / - cgroup2 /.test(l)) ? 'hybrid' : 'v1', controllers: [] };
  const rel = read('/proc/self/cgroup').split('\n').find((l) => l.startsWith('0::'))?.slice(3) ?? '/';
  const dir = path.join('/sys/fs/cgroup', rel);
  try {
    fs.accessSync(path.join(dir, 'cgroup.subtree_control'), fs.constants.W_OK);
  } catch {
    return { hierarchy: 'v2', controllers: [] };
  }
  return { hierarchy: 'v2', controllers: read(path.join(dir, 'cgroup.controllers')).trim().split(/\s+/).filter(Boolean) };
}

export const DELEGATE_FIX = 'sudo mkdir -p /etc/systemd/system/user@.service.d && printf "[Service]\\nDelegate=cpu cpuset io memory pids\\n" | sudo tee /etc/systemd/system/user@.service.d/delegate.conf && sudo systemctl daemon-reload';

export interface Limits { memory?: string; cpus?: string; pidsLimit?: number }

/**
 * Refuses resource limits this host cannot enforce for this user, naming the
 * flag and the reason. Enforcing them where they are delegated is not built
 * yet (no such host to test on here), so that is refused too, saying so.
 */
export function refuseLimits(limits: Limits, d: Delegation = probeDelegation()): void {
  const asked = [limits.memory && `-m ${limits.memory}`, limits.cpus && `--cpus ${limits.cpus}`, limits.pidsLimit !== undefined && `--pids-limit ${limits.pidsLimit}`].filter(Boolean);
  if (!asked.length) return;
  const what = asked.join(', ');
  if (d.hierarchy !== 'v2') {
    throw new TspodError('ERR_TSPOD_CGROUP', `cannot apply ${what}: this host uses ${d.hierarchy === 'hybrid' ? 'hybrid cgroups (v1 controllers)' : 'cgroup v1'}, and rootless limits need cgroup v2 (boot with systemd.unified_cgroup_hierarchy=1); run without the limit, see \`tspod doctor\``);
  }
  if (!d.controllers.length) {
    throw new TspodError('ERR_TSPOD_CGROUP', `cannot apply ${what}: no cgroup controllers are delegated to you; run without the limit, or as root: ${DELEGATE_FIX}`);
  }
  throw new TspodError('ERR_TSPOD_CGROUP', `cannot apply ${what}: enforcing limits through delegated cgroups (${d.controllers.join(' ')}) is not implemented yet; run without the limit`);
}
