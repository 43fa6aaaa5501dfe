/**
 * Health checks run by the container's monitor (no daemon, no timer unit):
 * the image's HEALTHCHECK and --health-*, State.Health in inspect, ps's
 * "(healthy)" and --filter health=, `healthcheck run`, --no-healthcheck.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';
import { busyboxBase } from '../fixtures/oci-image.ts';

const s = suite({
  'test/layered': layered,
  'test/checked': {
    layers: [{ entries: [...busyboxBase()] }],
    // The fixture's config type lists no Healthcheck: it goes into the image config as it is.
    config: { Cmd: ['sleep', '1000'], ...{ Healthcheck: { Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 300e6, Timeout: 2e9, Retries: 2 } } },
  },
}, { pull: ['test/layered', 'test/checked'] });
const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthOf(name: string): Promise<string> {
  return (await t('inspect', '--format', '{{.State.Health.Status}}', name)).stdout.trim();
}

async function until(name: string, want: string): Promise<string> {
  let got = '';
  for (let i = 0; i < 60 && got !== want; i++) { got = await healthOf(name); if (got !== want) await sleep(200); }
  return got;
}

test('the image HEALTHCHECK: starting, unhealthy after Retries failures, healthy; ps and filters show it', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'hc', s.ref('test/checked'))).status, 0);
  assert.equal(await healthOf('hc'), 'starting');
  assert.match((await t('ps', '--format', '{{.Status}}')).stdout, /^Up .* \(health: starting\)\n$/);
  assert.equal(await until('hc', 'unhealthy'), 'unhealthy');
  const ins = JSON.parse((await t('inspect', 'hc')).stdout)[0].State.Health;
  assert.ok(ins.FailingStreak >= 2 && ins.Log.length >= 2 && ins.Log[0].ExitCode === 1, JSON.stringify(ins));
  assert.equal((await t('healthcheck', 'run', 'hc')).status, 1);
  assert.equal((await t('exec', 'hc', 'touch', '/tmp/ok')).status, 0);
  assert.equal(await until('hc', 'healthy'), 'healthy');
  assert.match((await t('ps', '--format', '{{.Status}}')).stdout, /^Up .* \(healthy\)\n$/);
  assert.equal((await t('ps', '-q', '--filter', 'health=healthy')).stdout.length > 0, true);
  assert.equal((await t('ps', '-q', '--filter', 'health=unhealthy')).stdout, '');
  assert.equal((await t('healthcheck', 'run', 'hc')).status, 0);
  await t('rm', '-f', 'hc');
});

test('--health-cmd and friends over the image, --no-healthcheck, bad durations refused', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'hc2', '--health-cmd', 'true', '--health-interval', '200ms', '--health-retries', '1', s.ref('test/layered'), 'sleep', '100')).status, 0);
  assert.equal(await until('hc2', 'healthy'), 'healthy');
  assert.equal((await t('run', '-d', '--name', 'hc3', '--no-healthcheck', s.ref('test/checked'))).status, 0);
  assert.equal((await t('inspect', '--format', '{{.State.Health}}', 'hc3')).stdout.trim(), '<no value>');
  assert.match((await t('ps', '-q', '--filter', 'health=none')).stdout, /\w/);
  const bad = await t('run', '--rm', '--health-interval', 'soon', s.ref('test/layered'), 'true');
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /"soon" for "--health-interval"/);
  await t('rm', '-f', 'hc2', 'hc3');
});
