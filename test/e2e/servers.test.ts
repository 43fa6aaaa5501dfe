/**
 * Real server software, as the official images ship it (built from Debian's
 * packages: test/fixtures/servers.ts), run by tspod as the non-root user and
 * reached with the servers' own clients from the host: curl, redis-cli, psql.
 * Each server: published port, its log lines in `tspod logs`, a clean stop
 * with the image's STOPSIGNAL and exit status 0, `start` again with its data
 * kept; and clients in containers reaching servers by name on a user network.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { testEnv, skip, type Env } from './harness.ts';
import { freePort, pushImage, startRegistry, type Registry } from '../fixtures/registry.ts';
import { cachedLayout } from '../fixtures/debian-image.ts';
import { servers, serverImages } from '../fixtures/servers.ts';

// Not suite(): the images are built (or taken from the cache) in the same hook, after the registry is up.
const s = {} as { env: Env; reg: Registry };
const t = (...args: string[]) => s.env.tspod(args);
const img = (name: keyof typeof servers) => `${s.reg.host}/servers/${name}:latest`;

/** Building the images needs root; a non-root developer can run the tests once root has filled the cache. */
const skipServers = skip || (process.getuid!() !== 0 && Object.values(servers).some((i) => !cachedLayout(i))
  ? 'the server images are not built yet: run `npx node --experimental-strip-types test/fixtures/servers.ts` as root' : false);

before(async () => {
  if (skipServers) return;
  s.env = testEnv();
  s.reg = await startRegistry();
  for (const [name, layout] of Object.entries(serverImages())) {
    pushImage({ layout }, img(name as keyof typeof servers));
    const r = await t('pull', '-q', img(name as keyof typeof servers));
    if (r.status !== 0) throw new Error(`pulling ${name}: ${r.stderr}`);
  }
}, { timeout: 20 * 60_000 });
after(() => { s.env?.cleanup(); s.reg?.stop(); });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Out { status: number; stdout: string; stderr: string }

/** A host command (a server's real client); never throws on a non-zero exit. */
function host(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Retries fn until it returns a result that passes, for servers that take a moment to listen. */
async function until<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  do {
    last = await fn();
    if (ok(last)) return last;
    await sleep(200);
  } while (Date.now() < end);
  assert.fail(`timed out waiting for ${what}: ${JSON.stringify(last)}`);
}

const curl = (port: number, urlPath = '/') => host('curl', ['-sS', '--max-time', '5', '-o', '-', '-w', '\n%{http_code}', `http://127.0.0.1:${port}${urlPath}`]);
const redisCli = (port: number, ...args: string[]) => host('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args]);
const psql = (port: number, sql: string, password = 'secret') => host('psql',
  ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'app', '-v', 'ON_ERROR_STOP=1', '-qtAc', sql],
  { PGPASSWORD: password, PGCONNECT_TIMEOUT: '5' });

const state = async (name: string) => (await t('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', name)).stdout.trim();

/** `tspod stop` with the image's own stop signal (SIGTERM if it has none): the server shuts down by itself (status 0), long before the 10 s SIGKILL. */
async function cleanStop(name: string, signal: string | undefined): Promise<void> {
  if (signal) assert.equal((await t('inspect', '-f', '{{.Config.StopSignal}}', name)).stdout.trim(), signal);
  const began = Date.now();
  const r = await t('stop', name);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await state(name), 'exited 0');
  assert.ok(Date.now() - began < 9000, `${name} stopped on ${signal}, not on the SIGKILL after the timeout`);
}

async function logsUntil(name: string, what: RegExp, stream: 'stdout' | 'stderr'): Promise<Out> {
  return until(`${what} in the ${stream} of tspod logs ${name}`, () => t('logs', name), (l) => what.test(l[stream]), 15_000);
}

test('nginx: serves on a published port, access log on stdout, error log on stderr, SIGQUIT stops it', { skip: skipServers }, async () => {
  const port = await freePort();
  try {
    const r = await t('run', '-d', '--name', 'nginx', '-p', `127.0.0.1:${port}:80`, img('nginx'));
    assert.equal(r.status, 0, r.stderr);
    const page = await until('nginx to answer', () => curl(port), (c) => c.status === 0);
    assert.match(page.stdout, /<title>Welcome to nginx!<\/title>[\s\S]*\n200$/);
    assert.match((await curl(port, '/missing')).stdout, /\n404$/);
    // access.log -> /dev/stdout, error.log -> /dev/stderr, opened by nginx itself
    const logs = await logsUntil('nginx', /"GET \/missing HTTP\/1\.1" 404 /, 'stdout');
    assert.match(logs.stdout, /^\S+ - - \[[^\]]+\] "GET \/ HTTP\/1\.1" 200 \d+ "-" "curl\/[\d.]+"$/m);
    assert.match(logs.stderr, /\[notice\] \d+#\d+: start worker processes/);
    assert.doesNotMatch(logs.stdout, /\[notice\]/);

    await cleanStop('nginx', 'SIGQUIT');
    assert.match((await t('logs', 'nginx')).stderr, /signal 3 \(SIGQUIT\) received(?: from \d+)?, shutting down[\s\S]*\[notice\] 1#1: exit\n$/);
    const again = await t('start', 'nginx');
    assert.equal(again.status, 0, again.stderr);
    assert.match((await until('nginx to answer after start', () => curl(port), (c) => c.status === 0)).stdout, /Welcome to nginx!/);
  } finally {
    await t('rm', '-f', 'nginx');
  }
});

test('apache httpd: serves on a published port, logs through /dev/stdout and /dev/stderr, SIGWINCH stops it gracefully', { skip: skipServers }, async () => {
  const port = await freePort();
  try {
    const r = await t('run', '-d', '--name', 'apache', '-p', `127.0.0.1:${port}:80`, img('apache'));
    assert.equal(r.status, 0, r.stderr);
    const page = await until('apache to answer', () => curl(port), (c) => c.status === 0);
    assert.match(page.stdout, /<title>Apache2 Debian Default Page: It works<\/title>[\s\S]*\n200$/);
    const logs = await logsUntil('apache', /"GET \/ HTTP\/1\.1" 200 \d+ "-" "curl\/[\d.]+"/, 'stdout');
    assert.match(logs.stderr, /\[mpm_event:notice\] .*AH00489: Apache\/[\d.]+ \(Debian\) configured -- resuming normal operations/);
    // the server runs as pid 1 (exec from apache2-foreground), children as www-data
    assert.equal((await t('exec', 'apache', 'sh', '-c', 'tr "\\0" " " < /proc/1/cmdline')).stdout, 'apache2 -DFOREGROUND ');

    await cleanStop('apache', 'SIGWINCH');
    assert.match((await t('logs', 'apache')).stderr, /AH00492: caught SIGWINCH, shutting down gracefully/);
    const again = await t('start', 'apache');
    assert.equal(again.status, 0, again.stderr);
    assert.match((await until('apache to answer after start', () => curl(port), (c) => c.status === 0)).stdout, /It works/);
  } finally {
    await t('rm', '-f', 'apache');
  }
});

test('redis: runs as redis in /data, redis-cli from the host, SIGTERM saves and exits 0, the data survives start', { skip: skipServers }, async () => {
  const port = await freePort();
  try {
    const r = await t('run', '-d', '--name', 'redis', '-p', `127.0.0.1:${port}:6379`, img('redis'), '--appendonly', 'yes');
    assert.equal(r.status, 0, r.stderr);
    assert.equal((await until('redis to answer', () => redisCli(port, 'ping'), (c) => c.status === 0 && c.stdout === 'PONG\n')).stdout, 'PONG\n');
    assert.equal((await redisCli(port, 'set', 'greeting', 'kept across stop and start')).stdout, 'OK\n');
    assert.equal((await redisCli(port, 'config', 'get', 'appendonly')).stdout, 'appendonly\nyes\n');
    await logsUntil('redis', /Ready to accept connections/, 'stdout');
    // USER redis, WORKDIR /data: the server's files are redis's
    const who = await t('exec', 'redis', 'sh', '-c', 'id -un; pwd; stat -c %U appendonlydir');
    assert.equal(who.stdout, 'redis\n/data\nredis\n', who.stderr);

    await cleanStop('redis', undefined); // no STOPSIGNAL: SIGTERM, as docker
    assert.match((await t('logs', 'redis')).stdout, /Received SIGTERM scheduling shutdown[\s\S]*Redis is now ready to exit, bye bye/);
    const again = await t('start', 'redis');
    assert.equal(again.status, 0, again.stderr);
    await until('redis to answer after start', () => redisCli(port, 'ping'), (c) => c.stdout === 'PONG\n');
    assert.equal((await redisCli(port, 'get', 'greeting')).stdout, 'kept across stop and start\n');
  } finally {
    await t('rm', '-f', 'redis');
  }
});

test('postgres: initdb on first start with POSTGRES_PASSWORD, psql from the host, SIGINT fast shutdown, a table survives start', { skip: skipServers }, async () => {
  const port = await freePort();
  try {
    const r = await t('run', '-d', '--name', 'pg', '-e', 'POSTGRES_PASSWORD=secret', '-e', 'POSTGRES_DB=app', '-p', `127.0.0.1:${port}:5432`, img('postgres'));
    assert.equal(r.status, 0, r.stderr);
    await until('postgres to answer', () => psql(port, 'select 1'), (c) => c.status === 0);
    const made = await psql(port, "create table kept (note text); insert into kept values ('survives stop and start'); select current_user, current_database()");
    assert.equal(made.stdout, 'postgres|app\n', made.stderr);
    // the host's connection is not a local one: pg_hba asks for the password
    const wrong = await psql(port, 'select 1', 'wrong');
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /password authentication failed for user "postgres"/);
    const logs = await logsUntil('pg', /database system is ready to accept connections/, 'stderr');
    assert.match(logs.stdout, /PostgreSQL init process complete; ready for start up\./);
    assert.equal((await t('exec', 'pg', 'sh', '-c', 'stat -c %U "$PGDATA/PG_VERSION"; tail -1 "$PGDATA/pg_hba.conf"')).stdout,
      'postgres\nhost all all all scram-sha-256\n');

    await cleanStop('pg', 'SIGINT');
    assert.match((await t('logs', 'pg')).stderr, /received fast shutdown request[\s\S]*database system is shut down/);
    const again = await t('start', 'pg');
    assert.equal(again.status, 0, again.stderr);
    const kept = await until('postgres to answer after start', () => psql(port, 'select note from kept'), (c) => c.status === 0);
    assert.equal(kept.stdout, 'survives stop and start\n');
    assert.match((await t('logs', 'pg')).stdout, /Skipping initialization/);
  } finally {
    await t('rm', '-f', 'pg');
  }
});

test('clients in containers reach redis and postgres by name on a user network', { skip: skipServers }, async () => {
  try {
    assert.equal((await t('network', 'create', 'backend')).status, 0);
    const db = await t('run', '-d', '--network', 'backend', '--name', 'db', img('redis'));
    assert.equal(db.status, 0, db.stderr);
    const pg = await t('run', '-d', '--network', 'backend', '--name', 'sql', '-e', 'POSTGRES_PASSWORD=secret', img('postgres'));
    assert.equal(pg.status, 0, pg.stderr);

    const ping = await until('redis-cli -h db ping', () => t('run', '--rm', '--network', 'backend', img('redis'), 'redis-cli', '-h', 'db', 'ping'),
      (c) => c.stdout === 'PONG\n');
    assert.equal(ping.status, 0);
    assert.equal((await t('run', '--rm', '--network', 'backend', img('redis'), 'redis-cli', '-h', 'db', 'set', 'from', 'a container')).stdout, 'OK\n');
    assert.equal((await t('exec', 'db', 'redis-cli', 'get', 'from')).stdout, 'a container\n');

    const client = (password: string) => t('run', '--rm', '--network', 'backend', '-e', `PGPASSWORD=${password}`, '-e', 'PGCONNECT_TIMEOUT=5',
      img('postgres'), 'psql', '-h', 'sql', '-U', 'postgres', '-tAc', 'select inet_server_port(), 6 * 7');
    const answer = await until('psql -h sql', () => client('secret'), (c) => c.status === 0);
    assert.equal(answer.stdout, '5432|42\n');
    const denied = await client('wrong');
    assert.equal(denied.status, 2);
    assert.match(denied.stderr, /password authentication failed for user "postgres"/);
  } finally {
    await t('rm', '-f', 'db', 'sql');
    await t('network', 'rm', 'backend');
  }
});
