/** Shared by the image-*.test.ts files: podman and skopeo as the independent clients, as the test user. */
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { after } from 'node:test';
import type { Env } from './harness.ts';

/** podman's rootless pause processes these tests started: ended after the file, so nothing outlives the tests. */
const pausePids = new Set<number>();
after(() => {
  for (const pid of pausePids) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
});

/** Why podman tests are skipped here, or false. */
export const noPodman = spawnSync('podman', ['--version']).status === 0 ? false : 'podman is not installed (test/setup/host.sh installs it)';

/** Runs a command as the test user; returns status and output. */
export function asUser(env: Env, cmd: string[], input?: string | Buffer): { status: number; stdout: string; stderr: string } {
  const a = env.asUser(cmd);
  const r = spawnSync(a[0], a.slice(1), { input, encoding: 'utf8', cwd: '/', timeout: 180_000, maxBuffer: 256 << 20 });
  return { status: r.status ?? 128, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** podman as the test user, with the flags that work on this host and a store in the scratch dir. */
export function podman(env: Env, args: string[], input?: string): { status: number; stdout: string; stderr: string } {
  fs.mkdirSync(`${env.scratch}/podman-conf`, { recursive: true });
  const r = asUser(env, ['podman', '--cgroup-manager=cgroupfs', '--runtime=runc', '--events-backend=file', '--storage-driver=overlay',
    '--root', `${env.scratch}/podman-root`, '--runroot', `${env.scratch}/podman-run`, ...args], input);
  try { pausePids.add(Number(fs.readFileSync(`${env.vars.XDG_RUNTIME_DIR}/libpod/tmp/pause.pid`, 'utf8'))); } catch { /* none */ }
  return r;
}

export function skopeo(env: Env, args: string[]): { status: number; stdout: string; stderr: string } {
  return asUser(env, ['skopeo', ...args]);
}

/** tspod as the test user with binary stdin/stdout. */
export function tspodBytes(env: Env, args: string[], input?: Buffer): { status: number; stdout: Buffer; stderr: string } {
  const a = env.argv(args);
  const r = spawnSync(a[0], a.slice(1), { input, cwd: '/', timeout: 180_000, maxBuffer: 512 << 20 });
  return { status: r.status ?? 128, stdout: r.stdout ?? Buffer.alloc(0), stderr: r.stderr?.toString() ?? '' };
}

/** Names of a tar's entries (GNU tar's listing). */
export function tarList(file: string): string[] {
  const r = spawnSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tar -tf ${file}: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}
