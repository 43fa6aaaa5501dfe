/** ps and images filters, as docker matches them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilters, containerFilter, dockerMatch, matchLabels, CONTAINER_FILTERS } from '../../../src/runtime/filters.ts';
import { imageFilter, globRegExp, IMAGE_FILTERS } from '../../../src/runtime/image-filters.ts';
import type { Container } from '../../../src/runtime/lifecycle.ts';
import type { ImageRecord } from '../../../src/model/image.ts';

function ctr(name: string, created: string, over: { status?: string; exitCode?: number; labels?: Record<string, string>; image?: string; imageId?: string; mode?: string; networks?: string[]; mounts?: any[]; ports?: any[] } = {}): Container {
  return {
    rec: {
      id: `${name.padEnd(8, 'x')}${'0'.repeat(56)}`.replace(/[^0-9a-f]/g, 'a'), name, created, image: over.image ?? 'busybox', imageId: over.imageId ?? 'sha256:1111',
      config: { labels: over.labels ?? {} },
      hostConfig: { networkMode: over.mode ?? 'pasta', networks: Object.fromEntries((over.networks ?? []).map((n) => [n, { ip: '10.89.0.2', aliases: [] }])), mounts: over.mounts ?? [], portBindings: over.ports ?? [] },
    },
    state: { status: over.status ?? 'running', exitCode: over.exitCode ?? 0 },
  } as unknown as Container;
}

const all = [
  ctr('web', '2026-01-01T00:00:01Z', { labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'web', tier: 'front' }, ports: [{ containerPort: 80, protocol: 'tcp', hostIp: '', hostPort: 8080 }], mounts: [{ type: 'volume', name: 'data', source: '/v/data/_data', destination: '/data' }] }),
  ctr('db', '2026-01-01T00:00:02Z', { labels: { 'com.docker.compose.project': 'demo', 'com.docker.compose.service': 'db' }, mode: 'front', networks: ['front'], image: 'postgres', imageId: `sha256:2222${'0'.repeat(60)}` }),
  ctr('job', '2026-01-01T00:00:03Z', { status: 'exited', exitCode: 3, mode: 'none', ports: [{ containerPort: 53, protocol: 'udp', hostIp: '', hostPort: 5353 }] }),
];
const images = [{ id: `sha256:2222${'0'.repeat(60)}`, repoTags: ['docker.io/library/postgres:16'], repoDigests: [], layers: [], size: 1, created: '2026-01-01T00:00:00Z', stored: '' } as unknown as ImageRecord];
const names = (...specs: string[]) => {
  const match = containerFilter(parseFilters(specs, CONTAINER_FILTERS), { all, images, networks: [{ id: 'f00dfeed', name: 'front' } as any], healthOf: (c) => (c.rec.name === 'web' ? 'healthy' : 'none') });
  return all.filter(match).map((c) => c.rec.name);
};

test('parseFilters refuses unknown keys and specs without =', () => {
  assert.throws(() => parseFilters(['nope=1'], CONTAINER_FILTERS), (e: any) => e.code === 'ERR_TSPOD_USAGE' && e.message === "invalid filter 'nope'");
  assert.throws(() => parseFilters(['label'], CONTAINER_FILTERS), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => parseFilters(['reference=x'], CONTAINER_FILTERS), { code: 'ERR_TSPOD_USAGE' });
  assert.deepEqual([...parseFilters(['label=a=b', 'label=c', 'name=x'], CONTAINER_FILTERS)], [['label', ['a=b', 'c']], ['name', ['x']]]);
});

test('docker\'s Match and MatchKVList', () => {
  assert.ok(dockerMatch('web', 'web'));
  assert.ok(dockerMatch('^w', 'web'));
  assert.ok(dockerMatch('eb', 'web'), 'unanchored');
  assert.ok(!dockerMatch('[', 'web'), 'a bad expression matches nothing');
  assert.ok(matchLabels(['a', 'b=2'], { a: '', b: '2' }));
  assert.ok(!matchLabels(['a', 'b=3'], { a: '', b: '2' }), 'every one must match');
  assert.ok(!matchLabels(['a'], undefined));
});

test('ps filters: same key ORs, keys AND, labels all match', () => {
  assert.deepEqual(names('label=com.docker.compose.project=demo'), ['web', 'db']);
  assert.deepEqual(names('label=com.docker.compose.project=demo', 'label=com.docker.compose.service=db'), ['db']);
  assert.deepEqual(names('label=tier'), ['web']);
  assert.deepEqual(names('name=web', 'name=job'), ['web', 'job']);
  assert.deepEqual(names('name=^/?j'), ['job']);
  assert.deepEqual(names('status=running', 'label=tier'), ['web']);
  assert.deepEqual(names('status=exited'), ['job']);
  assert.deepEqual(names('exited=3'), ['job']);
  assert.deepEqual(names('exited=0'), []);
  assert.deepEqual(names('id=dbaa'), ['db']);
  assert.deepEqual(names('ancestor=postgres:16'), ['db']);
  assert.deepEqual(names('ancestor=busybox'), ['web', 'job']);
  assert.deepEqual(names('before=job'), ['web', 'db']);
  assert.deepEqual(names('since=web'), ['db', 'job']);
  assert.deepEqual(names('since=web', 'before=job'), ['db']);
  assert.deepEqual(names('network=front'), ['db']);
  assert.deepEqual(names('network=f00d'), ['db'], 'by network id prefix');
  assert.deepEqual(names('network=none'), ['job']);
  assert.deepEqual(names('volume=data'), ['web']);
  assert.deepEqual(names('volume=/data'), ['web']);
  assert.deepEqual(names('publish=80'), ['web']);
  assert.deepEqual(names('publish=80/udp'), []);
  assert.deepEqual(names('publish=50-60/udp'), ['job']);
  assert.deepEqual(names('health=none'), ['db', 'job']);
  assert.deepEqual(names('health=healthy'), ['web']);
});

test('ps filters: bad values are usage errors', () => {
  for (const spec of ['status=sleeping', 'health=fine', 'exited=x', 'publish=http']) {
    assert.throws(() => names(spec), (e: any) => e.code === 'ERR_TSPOD_USAGE' && e.message === `invalid filter '${spec}'`, spec);
  }
  assert.throws(() => names('before=ghost'), { code: 'ERR_TSPOD_NO_SUCH_CONTAINER' });
});

test('path.Match globs for reference=', () => {
  assert.ok(globRegExp('busy*').test('busybox'));
  assert.ok(!globRegExp('*').test('a/b'), '* stops at /');
  assert.ok(globRegExp('*/*:v?').test('repo/app:v1'));
  assert.ok(globRegExp('[a-c]at').test('bat'));
  assert.ok(!globRegExp('[^a-c]at').test('bat'));
  assert.ok(globRegExp('a\\*').test('a*'));
  assert.ok(!globRegExp('a.c').test('abc'), 'dots are literal');
});

test('images filters', () => {
  const img = (name: string | undefined, created: string, labels?: Record<string, string>) => ({ id: `sha256:${created}`, repoTags: name ? [name] : [], repoDigests: [], layers: [], size: 1, created, stored: created, labels } as unknown as ImageRecord & { labels?: Record<string, string> });
  const list = [
    img('docker.io/library/busybox:latest', '2026-01-01T00:00:00Z'),
    img('docker.io/library/busybox:1.36', '2026-01-02T00:00:00Z', { version: '1.36' }),
    img('127.0.0.1:5000/team/app:v1', '2026-01-03T00:00:00Z', { team: 'a' }),
    img(undefined, '2026-01-04T00:00:00Z'),
  ];
  const pick = (...specs: string[]) => {
    const f = imageFilter(parseFilters(specs, IMAGE_FILTERS), list, (i) => (i as any).labels);
    return list.filter((i) => f.image(i)).map((i) => i.repoTags.filter((t) => f.name(t)).join(',') || '<none>');
  };
  assert.deepEqual(pick('dangling=true'), ['<none>']);
  assert.deepEqual(pick('dangling=false').length, 3);
  assert.deepEqual(pick('reference=busybox'), ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1.36'], 'the familiar name');
  assert.deepEqual(pick('reference=busybox:1.*'), ['docker.io/library/busybox:1.36']);
  assert.deepEqual(pick('reference=*/team/*'), ['127.0.0.1:5000/team/app:v1']);
  assert.deepEqual(pick('label=team=a'), ['127.0.0.1:5000/team/app:v1']);
  assert.deepEqual(pick('label=version'), ['docker.io/library/busybox:1.36']);
  assert.deepEqual(pick('before=busybox:1.36'), ['docker.io/library/busybox:latest']);
  assert.deepEqual(pick('since=busybox:1.36'), ['127.0.0.1:5000/team/app:v1', '<none>']);
  assert.throws(() => pick('dangling=maybe'), { code: 'ERR_TSPOD_USAGE' });
  assert.throws(() => pick('since=nothere'), { code: 'ERR_TSPOD_NO_SUCH_IMAGE' });
  assert.throws(() => parseFilters(['status=x'], IMAGE_FILTERS), { code: 'ERR_TSPOD_USAGE' });
});
