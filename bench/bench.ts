/**
 * tspod vs rootless podman, side by side in one run, as the non-root test
 * user against the same local registry. Prints a table with ratios; it is a
 * benchmark, not a test: it never fails. Run as root: `npm run bench`.
 *   run --rm latency     median wall time of `run --rm IMAGE true`, the two
 *                        tools in turn
 *   monitor memory       private memory (smaps_rollup) per detached container:
 *                        the monitor (both --network host), and everything the
 *                        user's host-side processes add per container on each
 *                        default network, the per-user stack running (tspod: the native monitor on the
 *                        per-user stack; podman: conmon and slirp4netns)
 *   50 x run -d          wall time of 50 parallel detached starts
 *   cold pull            median wall time of pulling a ~430 MB image of 4
 *                        layers (4 x 107 MB by default, BENCH_PULL_MB each)
 *                        into an empty store, BENCH_PULLS times, the two
 *                        tools in turn
 *   pull disk use        du of each store after that pull (tspod's store,
 *                        podman's --root)
 *   ps -a                median wall time of `ps -a` over 1000 stopped
 *                        containers (BENCH_PS_CONTAINERS), made by `create`
 *   published port       requests/s of busybox httpd behind -p, from the host's
 *                        loopback, and MB/s of a 256 MB download (tspod's
 *                        default bridge and slirp4netns; podman's default)
 * Container-start rows use --network host on both sides, so they measure
 * the runtimes, not the network stacks; network rows use each default.
 */
import fs from 'node:fs';
import http from 'node:http';
import { freePort } from '../test/fixtures/registry.ts';
import crypto from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { testEnv, skip, type Env } from '../test/e2e/harness.ts';
import { startRegistry, pushImage } from '../test/fixtures/registry.ts';
import { busyboxBase } from '../test/fixtures/oci-image.ts';

if (skip) {
  console.log(`bench skipped: ${skip}`);
  process.exit(0);
}

const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const PARALLEL = 50;
const env: Env = testEnv();
const reg = await startRegistry();
const small = `${reg.host}/bench/busybox:latest`;
const big = `${reg.host}/bench/big:latest`;
pushImage({ layers: [{ entries: busyboxBase('bench') }], config: { Cmd: ['/bin/sh'] } }, small);
const MB = Number(process.env.BENCH_PULL_MB ?? 107);
const PULL_LAYERS = 4;
const PULLS = Number(process.env.BENCH_PULLS ?? 3);
pushImage({
  layers: Array.from({ length: PULL_LAYERS }, (_, i) => ({ compression: 'gzip' as const, entries: [{ path: `blob${i}`, content: crypto.randomBytes(MB << 20) }] })),
  config: { Cmd: ['/bin/sh'] },
}, big);

const podmanAvailable = spawnSync('podman', ['--version']).status === 0;
const podmanBase = ['podman', '--cgroup-manager=cgroupfs', '--runtime=runc', '--events-backend=file', '--root', `${env.scratch}/podman-root`, '--runroot', `${env.scratch}/podman-run`];

const tspodArgv = (args: string[]) => env.argv(args);
const podmanArgv = (args: string[]) => env.asUser([...podmanBase, ...args]);

function runQuiet(argv: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(argv[0], argv.slice(1), { stdio: 'ignore' });
    c.on('close', (code) => resolve(code ?? 1));
    c.on('error', () => resolve(1));
  });
}

async function timed(argv: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  const code = await runQuiet(argv);
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function privateKb(pid: number): number {
  try {
    return fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').split('\n')
      .filter((l) => /^Private_(Clean|Dirty):/.test(l)).reduce((n, l) => n + Number(l.split(/\s+/)[1]), 0);
  } catch { return NaN; }
}

interface Row { what: string; tspod: number; podman: number; unit: string; higherIsBetter?: boolean }

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const BIG_MB = 256;
const SERVE = `mkdir -p /www && echo ok > /www/index.html && dd if=/dev/zero of=/www/big bs=1M count=${BIG_MB} 2>/dev/null && exec httpd -f -p 80 -h /www`;

function fetchBytes(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length)).on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

/** Starts the server container, then: requests/s with 16 clients, and one big download. */
async function publishedFigures(start: (port: number) => string[], stop: string[]): Promise<{ rps: number; mbps: number }> {
  const port = await freePort();
  try {
    await timed(start(port));
    for (let i = 0; ; i++) {
      try { await fetchBytes(port, '/big'); break; } catch (err) { if (i > 100) throw err; await new Promise((r) => setTimeout(r, 100)); }
    }
    let next = 0;
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 16 }, async () => { while (next++ < REQUESTS) await fetchBytes(port, '/index.html'); }));
    const rps = REQUESTS / ((Date.now() - t0) / 1000);
    const t1 = Date.now();
    const bytes = await fetchBytes(port, '/big');
    return { rps, mbps: bytes / (1 << 20) / ((Date.now() - t1) / 1000) };
  } catch (err) {
    console.error(`published port: ${(err as Error).message}`);
    return { rps: NaN, mbps: NaN };
  } finally {
    await runQuiet(stop);
  }
}
const rows: Row[] = [];
async function measure(what: string, unit: string, t: () => Promise<number>, p: () => Promise<number>): Promise<void> {
  let tv = NaN;
  let pv = NaN;
  try { tv = await t(); } catch (err) { console.error(`tspod ${what}: ${(err as Error).message}`); }
  if (podmanAvailable) try { pv = await p(); } catch (err) { console.error(`podman ${what}: ${(err as Error).message}`); }
  rows.push({ what, tspod: tv, podman: pv, unit });
}

/** Medians of RUNS runs of the same command by each tool, in turn (one warm-up each first). */
async function pairedRuns(what: string, args: string[]): Promise<void> {
  const t: number[] = [];
  const p: number[] = [];
  try {
    await timed(tspodArgv(args));
    if (podmanAvailable) await timed(podmanArgv(args));
    for (let i = 0; i < RUNS; i++) {
      t.push(await timed(tspodArgv(args)));
      if (podmanAvailable) p.push(await timed(podmanArgv(args)));
    }
  } catch (err) { console.error(`${what}: ${(err as Error).message}`); }
  rows.push({ what, tspod: t.length ? median(t) : NaN, podman: p.length ? median(p) : NaN, unit: 'ms' });
}

/** Disk used by a directory tree, in kB (read as root: layer files belong to subordinate ids). */
function duKb(dir: string): number {
  const r = spawnSync('du', ['-sk', dir], { encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.split(/\s+/)[0]) : NaN;
}

interface PullSide { pull: string[]; remove: string[]; root: string }

/**
 * Medians of `PULLS` pulls of `big` into a store emptied before each, the
 * two tools in turn (a noisy moment hits both); then each store's disk use.
 */
async function coldPulls(sides: PullSide[]): Promise<Array<{ ms: number; kb: number }>> {
  const xs: number[][] = sides.map(() => []);
  for (let i = 0; i < PULLS; i++) {
    for (const [k, side] of sides.entries()) {
      await runQuiet(side.remove);
      try { xs[k].push(await timed(side.pull)); } catch (err) { console.error(`cold pull: ${(err as Error).message}`); }
    }
  }
  return sides.map((side, k) => ({ ms: xs[k].length ? median(xs[k]) : NaN, kb: duKb(side.root) }));
}

try {
  {
    const pullRow = `cold pull, ${PULL_LAYERS} x ${MB} MB layers, median of ${PULLS} (goal: ratio >= 2.00)`;
    const diskRow = `disk used by the store after that pull (goal: ratio >= 1.00)`;
    const sides: PullSide[] = [{ pull: tspodArgv(['pull', big]), remove: tspodArgv(['rmi', big]), root: env.root }];
    if (podmanAvailable) sides.push({ pull: podmanArgv(['pull', '-q', '--tls-verify=false', big]), remove: podmanArgv(['rmi', big]), root: `${env.scratch}/podman-root` });
    const [t, p = { ms: NaN, kb: NaN }] = await coldPulls(sides);
    rows.push({ what: pullRow, tspod: t.ms, podman: p.ms, unit: 'ms' });
    rows.push({ what: diskRow, tspod: t.kb, podman: p.kb, unit: 'kB' });
  }
  await timed(tspodArgv(['pull', small]));
  if (podmanAvailable) await timed(podmanArgv(['pull', '-q', '--tls-verify=false', small]));

  await pairedRuns(`run --rm true, median of ${RUNS}`, ['run', '--rm', '--network', 'host', small, 'true']);

  await measure('private memory per detached container, both --network host (monitor + waiter; podman: conmon)', 'kB', async () => {
    for (let i = 0; i < 5; i++) await timed(tspodArgv(['run', '-d', '--network', 'host', '--name', `mem${i}`, small, 'sleep', '600']));
    await new Promise((r) => setTimeout(r, 1000));
    const per = fs.readdirSync(`${env.root}/containers`).map((id) => {
      // The monitor and the process parenting pid 1 (the native monitor is both).
      const live = JSON.parse(fs.readFileSync(`${env.run}/containers/${id}/live.json`, 'utf8'));
      const waiter = Number(fs.readFileSync(`/proc/${live.init.pid}/stat`, 'utf8').split(' ')[3]);
      return privateKb(live.monitor.pid) + (waiter === live.monitor.pid ? 0 : privateKb(waiter));
    });
    await timed(tspodArgv(['rm', '-f', ...Array.from({ length: 5 }, (_, i) => `mem${i}`)]));
    return median(per);
  }, async () => {
    for (let i = 0; i < 5; i++) await timed(podmanArgv(['run', '-d', '--network', 'host', '--name', `mem${i}`, small, 'sleep', '600']));
    await new Promise((r) => setTimeout(r, 1000));
    const pids = spawnSync('pgrep', ['-u', String(env.uid), 'conmon'], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number);
    const per = pids.map(privateKb);
    await timed(podmanArgv(['rm', '-f', '-t', '0', ...Array.from({ length: 5 }, (_, i) => `mem${i}`)]));
    return median(per);
  });

  // What the user's host-side processes (outside containers' pid namespaces) add per detached container
  // on each default network: the processes that appear with 5 more containers, once one container has
  // started what each tool keeps per user (tspod's network host and its one pasta, ~30 MB whatever the
  // number of containers; podman's pause process).
  const hostSide = (): Map<number, string> => {
    const hostNs = fs.readlinkSync('/proc/self/ns/pid');
    const out = new Map<number, string>();
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        if (fs.statSync(`/proc/${e}`).uid !== env.uid || fs.readlinkSync(`/proc/${e}/ns/pid`) !== hostNs) continue;
        out.set(Number(e), fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim());
      } catch { /* gone */ }
    }
    return out;
  };
  const perContainerOnDefault = async (argv: (a: string[]) => string[], rm: string[]) => {
    await timed(argv(['run', '-d', '--name', 'dmwarm', small, 'sleep', '600']));
    await new Promise((r) => setTimeout(r, 500));
    const before = hostSide();
    for (let i = 0; i < 5; i++) await timed(argv(['run', '-d', '--name', `dm${i}`, small, 'sleep', '600']));
    await new Promise((r) => setTimeout(r, 1000));
    const added = [...hostSide()].filter(([pid, comm]) => !before.has(pid) && !/^(tspod|node|podman)$/.test(comm));
    const kb = added.reduce((n, [pid]) => n + (privateKb(pid) || 0), 0) / 5;
    await timed(argv([...rm, 'dmwarm', ...Array.from({ length: 5 }, (_, i) => `dm${i}`)]));
    return kb;
  };
  await measure('private memory per detached container, default networks (host-side processes it adds, per-user stack running)', 'kB',
    () => perContainerOnDefault(tspodArgv, ['rm', '-f']), () => perContainerOnDefault(podmanArgv, ['rm', '-f', '-t', '0']));

  await measure(`${PARALLEL} parallel run -d`, 'ms', async () => {
    const t0 = Date.now();
    await Promise.all(Array.from({ length: PARALLEL }, (_, i) => timed(tspodArgv(['run', '-d', '--network', 'host', '--name', `p${i}`, small, 'sleep', '600']))));
    const took = Date.now() - t0;
    await timed(tspodArgv(['rm', '-f', ...Array.from({ length: PARALLEL }, (_, i) => `p${i}`)]));
    return took;
  }, async () => {
    const t0 = Date.now();
    await Promise.all(Array.from({ length: PARALLEL }, (_, i) => timed(podmanArgv(['run', '-d', '--network', 'host', '--name', `p${i}`, small, 'sleep', '600']))));
    const took = Date.now() - t0;
    await timed(podmanArgv(['rm', '-f', '-t', '0', ...Array.from({ length: PARALLEL }, (_, i) => `p${i}`)]));
    return took;
  });

  await pairedRuns(`run --rm true, default network, median of ${RUNS}`, ['run', '--rm', small, 'true']);

  for (const [label, tspodNet] of [['default bridge', []], ['slirp4netns', ['--network', 'slirp4netns']]] as const) {
    const rps = `requests/s through -p (tspod ${label}, podman default), ${REQUESTS} requests`;
    const mbps = `MB/s of a ${BIG_MB} MB download through -p (tspod ${label})`;
    const t = await publishedFigures((port) => tspodArgv(['run', '-d', '--name', 'srv', ...tspodNet, '-p', `127.0.0.1:${port}:80`, small, 'sh', '-c', SERVE]), tspodArgv(['rm', '-f', 'srv']));
    const p = podmanAvailable
      ? await publishedFigures((port) => podmanArgv(['run', '-d', '--name', 'srv', '-p', `127.0.0.1:${port}:80`, small, 'sh', '-c', SERVE]), podmanArgv(['rm', '-f', '-t', '0', 'srv']))
      : { rps: NaN, mbps: NaN };
    rows.push({ what: rps, tspod: t.rps, podman: p.rps, unit: 'req/s', higherIsBetter: true });
    rows.push({ what: mbps, tspod: t.mbps, podman: p.mbps, unit: 'MB/s', higherIsBetter: true });
  }

  // build: a realistic multi-stage Dockerfile over a base already pulled (podman needs a base whose
  // history matches its layers: tspod makes one FROM scratch and pushes it), cold (--no-cache) and warm.
  const BUILDS = Math.min(RUNS, 3);
  const ctx = `${env.scratch}/build-ctx`;
  const buildBase = `${reg.host}/bench/build-base:latest`;
  fs.mkdirSync(`${ctx}/base`, { recursive: true });
  fs.writeFileSync(`${ctx}/base/Dockerfile`, `FROM scratch\nCOPY --from=${small} / /\nCMD ["sh"]\n`);
  fs.mkdirSync(`${ctx}/app/src`, { recursive: true });
  fs.mkdirSync(`${ctx}/app/config`, { recursive: true });
  for (let i = 0; i < 200; i++) fs.writeFileSync(`${ctx}/app/src/f${i}.txt`, `line ${i}\n`.repeat(50));
  for (let i = 0; i < 5; i++) fs.writeFileSync(`${ctx}/app/config/c${i}.conf`, `key${i}=value\n`);
  fs.writeFileSync(`${ctx}/app/.dockerignore`, '*.tmp\n');
  fs.writeFileSync(`${ctx}/app/Dockerfile`, [
    `FROM ${buildBase} AS build`, 'ARG VERSION=1.0', 'WORKDIR /src', 'COPY src/ ./',
    'RUN mkdir -p /out && for f in *.txt; do wc -l "$f" >> /out/counts; done && cp *.txt /out/ && echo "$VERSION" > /out/VERSION',
    'RUN tar -cf /out/bundle.tar -C /src .',
    `FROM ${buildBase}`, 'ENV APP=/app', 'WORKDIR /app', 'COPY --from=build /out/ ./', 'COPY config/ /etc/app/',
    'RUN adduser -D -u 1000 app 2>/dev/null; chown -R 1000 /app', 'USER 1000', 'EXPOSE 8080', 'CMD ["sh", "-c", "cat /app/VERSION"]', '',
  ].join('\n'));
  spawnSync('chown', ['-R', String(env.uid), ctx]);
  try {
    await timed(tspodArgv(['build', '-q', '-t', buildBase, `${ctx}/base`]));
    await timed(tspodArgv(['push', buildBase]));
    if (podmanAvailable) await timed(podmanArgv(['pull', '-q', '--tls-verify=false', buildBase]));
  } catch (err) {
    console.error(`build base: ${(err as Error).message}`);
  }
  const tspodBuild = (extra: string[]) => timed(tspodArgv(['build', '-q', ...extra, '-t', 'bench/app', `${ctx}/app`]));
  const podmanBuild = (extra: string[]) => timed(podmanArgv(['build', '-q', '--tls-verify=false', '--format', 'docker', ...extra, '-t', 'bench/app', `${ctx}/app`]));
  const medianOf = async (f: () => Promise<number>) => { const xs = []; for (let i = 0; i < BUILDS; i++) xs.push(await f()); return median(xs); };
  await measure(`build: cold multi-stage (base pulled, --no-cache), median of ${BUILDS} (goal: ratio >= 1.43)`, 'ms',
    () => medianOf(() => tspodBuild(['--no-cache'])), () => medianOf(() => podmanBuild(['--no-cache'])));
  await measure(`build: warm rebuild, full cache hit, median of ${BUILDS} (goal: ratio >= 2.00)`, 'ms',
    () => medianOf(() => tspodBuild([])), () => medianOf(() => podmanBuild([])));

  // ps -a over many stopped containers: made the same way on both sides (parallel
  // batches of `create`), listed RUNS times, then removed.
  const STOPPED = Number(process.env.BENCH_PS_CONTAINERS ?? 1000);
  const psFigure = async (argv: (args: string[]) => string[], rmForce: string[]) => {
    const names = Array.from({ length: STOPPED }, (_, i) => `ps${i}`);
    try {
      for (let i = 0; i < STOPPED; i += 10) {
        await Promise.all(names.slice(i, i + 10).map((n) => timed(argv(['create', '--network', 'host', '--name', n, small, 'true']))));
      }
      const q = argv(['ps', '-aq']);
      const listed = spawnSync(q[0], q.slice(1), { encoding: 'utf8' }).stdout.trim().split('\n').length;
      if (listed !== STOPPED) throw new Error(`ps -aq listed ${listed} of ${STOPPED} containers`);
      const xs = [];
      for (let i = 0; i < RUNS; i++) xs.push(await timed(argv(['ps', '-a'])));
      return median(xs);
    } finally {
      await runQuiet(argv([...rmForce, ...names]));
    }
  };
  await measure(`ps -a with ${STOPPED} stopped containers, median of ${RUNS} (goal: ratio >= 2.00)`, 'ms',
    () => psFigure(tspodArgv, ['rm', '-f']), () => psFigure(podmanArgv, ['rm', '-f', '-t', '0']));
} finally {
  if (podmanAvailable) spawnSync(podmanArgv(['system', 'reset', '-f'])[0], podmanArgv(['system', 'reset', '-f']).slice(1), { stdio: 'ignore' });
  env.cleanup();
  reg.stop();
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
console.log(`\n${'benchmark'.padEnd(80)} ${'tspod'.padStart(9)} ${'podman'.padStart(9)}  ratio`);
for (const r of rows) {
  const ratio = Number.isFinite(r.tspod) && Number.isFinite(r.podman) ? (r.higherIsBetter ? r.tspod / r.podman : r.podman / r.tspod).toFixed(2) : 'n/a';
  console.log(`${`${r.what} [${r.unit}]`.padEnd(80)} ${fmt(r.tspod).padStart(9)} ${fmt(r.podman).padStart(9)}  ${ratio.padStart(6)}`);
}
console.log('(ratio above 1: tspod is faster, smaller, or serves more)');
