/**
 * Volumes with real servers (test/fixtures/servers.ts): redis declares
 * `VOLUME /data`, postgres `VOLUME /var/lib/postgresql/data`. The image's
 * volume is an anonymous volume filled from the image (owned by the server's
 * user: copy-up), gone with `rm -v`; a named volume keeps the data across
 * `rm` and a new container.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testEnv, skip, type Env } from './harness.ts';
import { pushImage, startRegistry, type Registry } from '../fixtures/registry.ts';
import { cachedLayout } from '../fixtures/debian-image.ts';
import { redis, postgres, serverImages } from '../fixtures/servers.ts';

const s = {} as { env: Env; reg: Registry };
const t = (...args: string[]) => s.env.tspod(args);
const img = (name: string) => `${s.reg.host}/servers/${name}:latest`;
const skipServers = skip || (process.getuid!() !== 0 && [redis, postgres].some((i) => !cachedLayout(i))
  ? 'the server images are not built yet: run `npx node --experimental-strip-types test/fixtures/servers.ts` as root' : false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (skipServers) return;
  s.env = testEnv();
  s.reg = await startRegistry();
  const layouts = serverImages();
  for (const name of ['redis', 'postgres']) {
    const layout = layouts[name];
    pushImage({ layout }, img(name));
    const pulled = await t('pull', '-q', img(name));
    if (pulled.status !== 0) throw new Error(`pulling ${name}: ${pulled.stderr}`);
  }
}, { timeout: 20 * 60_000 });
after(() => { s.env?.cleanup(); s.reg?.stop(); });

async function cli(name: string, ...args: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await t('exec', name, 'redis-cli', ...args);
    if (r.status === 0 && !/LOADING|Connection refused/.test(r.stdout + r.stderr)) return r.stdout;
    if (i > 100) assert.fail(`redis-cli ${args.join(' ')}: ${r.stdout}${r.stderr}`);
    await sleep(200);
  }
}

const volumes = async () => (await t('volume', 'ls', '-q')).stdout.split('\n').filter(Boolean);

test('redis: the image VOLUME /data is anonymous and the server\'s; a named volume keeps the data across rm and a new container', { skip: skipServers }, async () => {
  assert.equal((await t('run', '-d', '--name', 'r1', img('redis'))).status, 0);
  assert.equal(await cli('r1', 'ping'), 'PONG\n');
  assert.equal((await t('exec', 'r1', 'stat', '-c', '%U', '/data')).stdout, 'redis\n', 'copy-up kept the owner of /data');
  assert.equal((await volumes()).length, 1);
  assert.equal((await t('rm', '-f', '-v', 'r1')).status, 0);
  assert.deepEqual(await volumes(), [], 'rm -v removes the anonymous volume');

  assert.equal((await t('run', '-d', '--name', 'r2', '-v', 'rdata:/data', img('redis'))).status, 0);
  assert.equal(await cli('r2', 'set', 'k', 'survives rm'), 'OK\n');
  assert.equal(await cli('r2', 'save'), 'OK\n');
  assert.equal((await t('rm', '-f', 'r2')).status, 0);
  assert.deepEqual(await volumes(), ['rdata']);
  assert.equal((await t('run', '-d', '--name', 'r3', '-v', 'rdata:/data', img('redis'))).status, 0);
  assert.equal(await cli('r3', 'get', 'k'), 'survives rm\n');
  assert.equal((await t('rm', '-f', 'r3')).status, 0);
  assert.equal((await t('volume', 'rm', 'rdata')).status, 0);
});

test('postgres: a named volume on /var/lib/postgresql/data is initialised once and kept', { skip: skipServers }, async () => {
  const run = (name: string) => t('run', '-d', '--name', name, '-e', 'POSTGRES_PASSWORD=secret', '-v', 'pgdata:/var/lib/postgresql/data', img('postgres'));
  const psql = (name: string, sql: string) => t('exec', '-u', 'postgres', name, 'psql', '-qtAc', sql);
  async function until(name: string, sql: string): Promise<string> {
    for (let i = 0; ; i++) {
      const r = await psql(name, sql);
      if (r.status === 0) return r.stdout;
      if (i > 300) assert.fail(`${sql}: ${r.stderr}`);
      await sleep(200);
    }
  }
  assert.equal((await run('p1')).status, 0);
  assert.equal(await until('p1', 'create table kept (v text); insert into kept values (\'yes\'); select 1'), '1\n');
  assert.equal((await t('stop', 'p1')).status, 0);
  assert.equal((await t('rm', 'p1')).status, 0);
  assert.equal((await run('p2')).status, 0);
  assert.equal(await until('p2', 'select v from kept'), 'yes\n');
  assert.equal((await t('rm', '-f', 'p2')).status, 0);
  assert.equal((await t('volume', 'rm', 'pgdata')).status, 0);
});
