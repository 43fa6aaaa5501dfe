/**
 * End-to-end harness: runs the built tspod as a NON-root user (the one
 * test/setup/host.sh creates, with subuid/subgid ranges) against a real
 * registry. As root it switches to that user with setpriv; as a non-root
 * developer with subordinate ids it runs as that developer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { before, after } from 'node:test';
import { startRegistry, pushImage, type Registry } from '../fixtures/registry.ts';
import type { FixtureImage } from '../fixtures/oci-image.ts';

const repo = path.resolve(import.meta.dirname, '..', '..');
export const TEST_USER = process.env.TSPOD_TEST_USER ?? 'tspodtest';
export const SOLO_USER = process.env.TSPOD_TEST_SOLO_USER ?? 'tspodsolo';

interface Identity { uid: number; gid: number; name: string; home: string }

function userIdentity(name: string): Identity | { skip: string } {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  if (r.status !== 0) return { skip: `test user ${name} missing: run test/setup/host.sh as root first` };
  const uid = Number(r.stdout.trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid, name, home: `/home/${name}` };
}

function identity(): Identity | { skip: string } {
  if (process.getuid!() !== 0) {
    const me = os.userInfo();
    const sub = fs.existsSync('/etc/subuid') ? fs.readFileSync('/etc/subuid', 'utf8') : '';
    if (!sub.split('\n').some((l) => l.startsWith(`${me.username}:`))) return { skip: `user ${me.username} has no /etc/subuid range; run bash .ci/run as root` };
    return { uid: me.uid, gid: me.gid, name: me.username, home: me.homedir };
  }
  return userIdentity(TEST_USER);
}

export const who = identity();
export const skip = 'skip' in who ? who.skip : false;
/** The single-id user exists only where root could create it. */
const solo = process.getuid!() === 0 ? userIdentity(SOLO_USER) : { skip: 'the single-id user needs root to switch to' };
export const skipSolo = 'skip' in solo ? solo.skip : false;

/** Where a copy of tspod the test user can read goes (one per concurrent suite run). */
const BIN_DIR = process.env.TSPOD_E2E_BIN_DIR ?? '/tmp/tspod-e2e-bin';

function readableBy(id: Identity, file: string): boolean {
  return process.getuid!() !== 0 || spawnSync('setpriv', ['--reuid', String(id.uid), '--regid', String(id.gid), '--clear-groups',
    'sh', '-c', 'test -r "$0"', file]).status === 0;
}

/** `file` itself if the test user can read it, else a copy in /tmp/tspod-e2e-bin (replaced when it changed). */
function readableCopy(id: Identity, file: string, name: string): string {
  if (readableBy(id, file)) return file;
  fs.mkdirSync(BIN_DIR, { recursive: true, mode: 0o755 });
  const copy = path.join(BIN_DIR, name);
  const st = fs.statSync(file);
  if (!fs.existsSync(copy) || fs.statSync(copy).size !== st.size || fs.statSync(copy).mtimeMs < st.mtimeMs) {
    fs.copyFileSync(file, `${copy}.tmp`);
    fs.chmodSync(`${copy}.tmp`, 0o755);
    fs.renameSync(`${copy}.tmp`, copy);
  }
  return copy;
}

/**
 * How the test user runs tspod: the single executable dist/tspod, copied
 * alone to another directory when the checkout is not readable to that user
 * (as a user would copy it onto a host); TSPOD_E2E_BUNDLE=1 runs
 * `node dist/tspod.cjs` instead.
 */
function binaries(id: Identity): string[] {
  if (process.env.TSPOD_E2E_BUNDLE) {
    const bundle = path.join(repo, 'dist', 'tspod.cjs');
    if (!fs.existsSync(bundle)) throw new Error('dist/tspod.cjs missing: run npm run build first');
    if (readableBy(id, bundle)) return [process.execPath, bundle];
    fs.cpSync(path.join(repo, 'dist'), path.join(BIN_DIR, 'dist'), { recursive: true, filter: (f) => path.basename(f) !== 'tspod' });
    execFileSync('chmod', ['-R', 'a+rX', BIN_DIR]);
    return [readableCopy(id, process.execPath, 'node'), path.join(BIN_DIR, 'dist', 'tspod.cjs')];
  }
  const exe = path.join(repo, 'dist', 'tspod');
  if (!fs.existsSync(exe)) throw new Error('dist/tspod missing: run npm run build first');
  return [readableCopy(id, exe, 'tspod')];
}

/** A Node binary the test user can run (a tool some tests put into containers, not tspod). */
export function nodeForTestUser(): string {
  if ('skip' in who) throw new Error(who.skip);
  return readableCopy(who, process.execPath, 'node');
}

export interface Result { status: number; stdout: string; stderr: string }

export interface Env {
  /** Runs tspod with args as the test user; never throws on a non-zero exit. */
  tspod(args: string[], opts?: { input?: string; env?: Record<string, string>; unset?: string[]; timeoutMs?: number }): Promise<Result>;
  /** argv that runs tspod as the test user (for tmux, spawn with a pty...). */
  argv(args: string[]): string[];
  /** argv that runs any command as the test user, with the same environment. */
  asUser(cmd: string[]): string[];
  /** The user's store root. */
  root: string;
  /** The user's per-boot dir (tspod's runroot). */
  run: string;
  /** Environment variables the test user runs with. */
  vars: Record<string, string>;
  /** A scratch dir the test user owns. */
  scratch: string;
  uid: number;
  cleanup(): void;
}

/** A fresh store and runtime dir for one test file, as the test user (or the single-id user). */
export function testEnv(opts: { solo?: boolean } = {}): Env {
  const chosen = opts.solo ? solo : who;
  if ('skip' in chosen) throw new Error(chosen.skip);
  const id = chosen;
  const tspod = binaries(id);
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-e2e-'));
  fs.chmodSync(base, 0o755);
  const dirs = { data: path.join(base, 'data'), run: path.join(base, 'run'), config: path.join(base, 'config'), scratch: path.join(base, 'scratch') };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { mode: 0o700 });
  if (process.getuid!() === 0) for (const d of [base, ...Object.values(dirs)]) fs.chownSync(d, id.uid, id.gid);
  const env: Record<string, string> = {
    HOME: id.home, USER: id.name, LOGNAME: id.name, PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin',
    XDG_DATA_HOME: dirs.data, XDG_RUNTIME_DIR: dirs.run, XDG_CONFIG_HOME: dirs.config, LANG: 'C.UTF-8',
  };
  const asUser = (cmd: string[], extra: Record<string, string> = {}, unset: string[] = []) => {
    const vars = Object.entries({ ...env, ...extra }).filter(([k]) => !unset.includes(k)).map(([k, v]) => `${k}=${v}`);
    const switchUser = process.getuid!() === 0 ? ['setpriv', '--reuid', String(id.uid), '--regid', String(id.gid), '--init-groups'] : [];
    return [...switchUser, 'env', '-i', ...vars, ...cmd];
  };
  const argv = (args: string[], extra: Record<string, string> = {}, unset: string[] = []) => asUser([...tspod, ...args], extra, unset);
  return {
    root: path.join(dirs.data, 'tspod'),
    run: path.join(dirs.run, 'tspod'),
    vars: env,
    scratch: dirs.scratch,
    uid: id.uid,
    argv: (args) => argv(args),
    asUser: (cmd) => asUser(cmd),
    tspod(args, opts = {}) {
      const a = argv(args, opts.env, opts.unset);
      return new Promise((resolve, reject) => {
        const child = spawn(a[0], a.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: '/' });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
        child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
        child.on('error', reject);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ status: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout, stderr });
        });
        // A command that exits before reading its input (a usage error) closes the pipe: not the test's failure.
        child.stdin.on('error', () => {});
        child.stdin.end(opts.input ?? '');
      });
    },
    cleanup() {
      // Layer files belong to subordinate ids: let tspod itself remove what it can, then the rest as root.
      const reset = argv(['system', 'reset', '-f']);
      spawnSync(reset[0], reset.slice(1));
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

export interface Suite {
  /** The store and user of this test file (set before the first test). */
  env: Env;
  /** The registry the images were pushed to. */
  reg: Registry;
  /** Full reference of a pushed repository, e.g. ref('test/layered'). */
  ref(repo: string): string;
  /** Config digest (image id) of each pushed image, by the key it was given. */
  ids: Record<string, string>;
}

/**
 * One test file's world: a fresh store as the test user (or the single-id
 * user), a registry with `images` pushed (as REPO:latest unless a tag is
 * given), the `pull` ones already pulled; all torn down after the file.
 */
export function suite(images: Record<string, FixtureImage>, opts: { pull?: string[]; solo?: boolean } = {}): Suite {
  const s = { ref: (repo: string) => `${s.reg.host}/${repo}`, ids: {} } as Suite;
  before(async () => {
    if (opts.solo ? skipSolo : skip) return;
    s.env = testEnv({ solo: opts.solo });
    s.reg = await startRegistry();
    for (const [repo, image] of Object.entries(images)) s.ids[repo] = pushImage(image, s.ref(repo.includes(':') ? repo : `${repo}:latest`));
    for (const repo of opts.pull ?? []) {
      const r = await s.env.tspod(['pull', s.ref(repo)]);
      if (r.status !== 0) throw new Error(`pulling ${repo}: ${r.stderr}`);
    }
  });
  after(() => { s.env?.cleanup(); s.reg?.stop(); });
  return s;
}
