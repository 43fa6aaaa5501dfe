/**
 * Volumes and mounts as the non-root user: the volume verbs, docker's
 * copy-up (owners, modes, xattrs, symlinks, hard links kept; nocopy; a
 * volume with content never overwritten), anonymous volumes (-v /path, the
 * image's VOLUME) removed by rm -v and --rm only, --volumes-from, --mount,
 * --tmpfs, and bad values refused before anything is created.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';
import { busyboxBase } from '../fixtures/oci-image.ts';

const s = suite({
  'test/layered': layered,
  'test/owned': {
    layers: [{
      entries: [
        ...busyboxBase(),
        { path: 'srv', type: 'dir' },
        { path: 'srv/owned', type: 'dir', uid: 2000, gid: 3000, mode: 0o750 },
        { path: 'srv/owned/file', content: 'image data\n', uid: 2000, gid: 3000, mode: 0o640, xattrs: { 'user.tag': 'kept' } },
        { path: 'srv/owned/link', linkpath: 'file', uid: 2000, gid: 3000 },
        { path: 'srv/owned/hard', type: 'hardlink', linkpath: 'srv/owned/file' },
        { path: 'srv/owned/sub', type: 'dir', uid: 2001, gid: 3001, mode: 0o700 },
        { path: 'srv/owned/sub/deep', content: 'deep\n', uid: 2001, gid: 3001, mode: 0o600 },
        { path: 'vol', type: 'dir' },
        { path: 'vol/seed', content: 'seeded\n', xattrs: { 'user.tag': 'kept' } },
      ],
    }],
    config: { Cmd: ['sh'], Volumes: { '/vol': {} } },
  },
}, { pull: ['test/layered', 'test/owned'] });
const img = () => s.ref('test/layered');
const owned = () => s.ref('test/owned');
const t = (...args: string[]) => s.env.tspod(args);
const lines = (out: string) => out.split('\n').filter(Boolean);

test('volume create, ls, inspect, rm, prune', { skip }, async () => {
  assert.equal((await t('volume', 'create', '--label', 'team=a', 'v-one')).stdout, 'v-one\n');
  const anon = await t('volume', 'create');
  assert.equal(anon.status, 0, anon.stderr);
  assert.match(anon.stdout, /^[0-9a-f]{64}\n$/);
  assert.equal((await t('volume', 'create', '--opt', 'type=tmpfs', '--opt', 'o=size=1m', 'v-tmp')).status, 0);
  const ins = JSON.parse((await t('volume', 'inspect', 'v-one')).stdout);
  assert.equal(ins.length, 1);
  assert.deepEqual(Object.keys(ins[0]).sort(), ['CreatedAt', 'Driver', 'Labels', 'Mountpoint', 'Name', 'Options', 'Scope']);
  assert.deepEqual([ins[0].Name, ins[0].Driver, ins[0].Scope, ins[0].Labels], ['v-one', 'local', 'local', { team: 'a' }]);
  assert.equal(ins[0].Mountpoint, path.join(s.env.root, 'volumes', 'v-one', '_data'));
  assert.equal((await t('volume', 'inspect', '--format', '{{.Name}} {{.Options.type}}', 'v-tmp')).stdout, 'v-tmp tmpfs\n');
  assert.deepEqual(lines((await t('volume', 'ls', '-q', '--filter', 'label=team=a')).stdout), ['v-one']);
  assert.deepEqual(lines((await t('volume', 'ls', '-q', '--filter', 'name=v-')).stdout).sort(), ['v-one', 'v-tmp']);
  assert.match((await t('volume', 'ls')).stdout, /^DRIVER\s+VOLUME NAME\nlocal\s+/);

  assert.equal((await t('create', '--name', 'user1', '-v', 'v-one:/data', img(), 'true')).status, 0);
  assert.deepEqual(lines((await t('volume', 'ls', '-q', '--filter', 'dangling=false')).stdout), ['v-one']);
  const busy = await t('volume', 'rm', 'v-one');
  assert.equal(busy.status, 1, 'docker: one item failed');
  assert.match(busy.stderr, /volume is in use/);
  assert.equal(lines(busy.stderr).length, 1);
  const missing = await t('volume', 'rm', 'nosuchvol');
  assert.equal(missing.status, 1);
  assert.equal((await t('volume', 'rm', '-f', 'nosuchvol')).status, 0, 'rm -f of a missing volume is no failure');

  // prune: anonymous unused ones; --all the named too, never one in use.
  const pruned = await t('volume', 'prune', '-f');
  assert.equal(pruned.status, 0, pruned.stderr);
  assert.equal(pruned.stdout, '', 'the anonymous one of `volume create` is a named volume to docker too');
  const all = await t('volume', 'prune', '-f', '--all');
  assert.deepEqual(lines(all.stdout).slice(1).sort(), [anon.stdout.trim(), 'v-tmp'].sort());
  assert.deepEqual(lines((await t('volume', 'ls', '-q')).stdout), ['v-one']);
  assert.equal((await t('rm', 'user1')).status, 0);
  assert.equal((await t('volume', 'rm', 'v-one')).status, 0);
  assert.equal((await t('volume', 'ls', '-q')).stdout, '');
});

const STAT = 'cd /m && stat -c "%n %u:%g %a %h" . file hard link sub sub/deep && readlink link && cat file sub/deep';

test('copy-up: a new volume gets the image content, owners, modes, xattrs, links; data outlives the container', { skip }, async () => {
  const first = await t('run', '--name', 'cu1', '-v', 'data:/srv/owned', owned(), 'sh', '-c', 'echo mine > /srv/owned/added');
  assert.equal(first.status, 0, first.stderr);
  assert.equal((await t('rm', '-v', 'cu1')).status, 0);
  // A second container, at another path: the volume (not empty) is never overwritten by the image.
  const r = await t('run', '--rm', '-v', 'data:/m', owned(), 'sh', '-c', `${STAT}; cat /m/added`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, [
    '. 2000:3000 750 3', 'file 2000:3000 640 2', 'hard 2000:3000 640 2', 'link 2000:3000 777 1', 'sub 2001:3001 700 2', 'sub/deep 2001:3001 600 1',
    'file', 'image data', 'deep', 'mine', '',
  ].join('\n'));

  // An existing volume with content mounted on an image path keeps its content.
  const kept = await t('run', '--rm', '-v', 'data:/vol', owned(), 'sh', '-c', 'ls /vol');
  assert.equal(kept.stdout, 'added\nfile\nhard\nlink\nsub\n', kept.stderr);
  // nocopy: a new volume stays empty.
  const nocopy = await t('run', '--rm', '-v', 'empty:/srv/owned:nocopy', owned(), 'sh', '-c', 'ls -A /srv/owned | wc -l');
  assert.equal(nocopy.stdout.trim(), '0', nocopy.stderr);
  const nocopy2 = await t('run', '--rm', '--mount', 'source=empty2,target=/srv/owned,volume-nocopy', owned(), 'sh', '-c', 'ls -A /srv/owned | wc -l');
  assert.equal(nocopy2.stdout.trim(), '0', nocopy2.stderr);
  assert.equal((await t('volume', 'rm', 'data', 'empty', 'empty2')).status, 0);
});

test('anonymous volumes: -v /path and the image VOLUME, filled, listed; rm -v and --rm remove them, rm keeps them', { skip }, async () => {
  const anonNames = async () => lines((await t('volume', 'ls', '-q')).stdout);
  assert.deepEqual(await anonNames(), []);
  const r = await t('run', '--name', 'an1', '-v', '/scratch', owned(), 'sh', '-c', 'cat /vol/seed; echo x > /scratch/f');
  assert.equal(r.stdout, 'seeded\n', r.stderr);
  assert.equal((await anonNames()).length, 2, 'one for /scratch, one for the image VOLUME /vol');
  const ins = JSON.parse((await t('inspect', 'an1')).stdout)[0];
  assert.deepEqual(ins.Mounts.map((m: { Destination: string; Type: string }) => `${m.Type} ${m.Destination}`).sort(), ['volume /scratch', 'volume /vol']);
  // The copy kept the image file's xattr (seen from the host, on the volume's directory).
  const vol = ins.Mounts.find((m: { Destination: string }) => m.Destination === '/vol').Source;
  const argv = s.env.asUser(['getfattr', '--only-values', '-n', 'user.tag', `${vol}/seed`]);
  const x = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  assert.equal(x.stdout, 'kept', x.stderr);
  // --volumes-from, read-only.
  const from = await t('run', '--rm', '--volumes-from', 'an1:ro', img(), 'sh', '-c', 'cat /scratch/f; touch /vol/no 2>/dev/null || echo ro');
  assert.equal(from.stdout, 'x\nro\n', from.stderr);
  assert.equal((await t('rm', 'an1')).status, 0);
  assert.equal((await anonNames()).length, 2, 'plain rm keeps anonymous volumes');
  assert.equal((await t('volume', 'prune', '-f')).status, 0);
  assert.deepEqual(await anonNames(), [], 'prune removes unused anonymous volumes');

  assert.equal((await t('run', '--name', 'an2', owned(), 'true')).status, 0);
  assert.equal((await anonNames()).length, 1);
  assert.equal((await t('rm', '-v', 'an2')).status, 0);
  assert.deepEqual(await anonNames(), [], 'rm -v removes them');

  assert.equal((await t('run', '--rm', '-v', '/x', owned(), 'true')).status, 0);
  for (let i = 0; i < 50 && (await anonNames()).length; i++) await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(await anonNames(), [], '--rm removes them');
  // A named volume survives --rm.
  assert.equal((await t('run', '--rm', '-v', 'keepme:/vol', owned(), 'true')).status, 0);
  await new Promise((res) => setTimeout(res, 500));
  assert.deepEqual(await anonNames(), ['keepme']);
  assert.equal((await t('volume', 'rm', 'keepme')).status, 0);
});

test('--mount bind/volume/tmpfs, --tmpfs, -v bind options', { skip }, async () => {
  const host = path.join(s.env.scratch, 'hostdir');
  const made = path.join(s.env.scratch, 'made', 'by', 'v');
  const r = await t('run', '--rm', '-v', `${made}:/made`, '--mount', `type=bind,source=${s.env.scratch},target=/h,readonly`,
    '--mount', 'type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770', '--tmpfs', '/run2:size=2m,mode=700',
    '--mount', 'type=volume,source=mvol,target=/mv', '-v', `${s.env.scratch}:/z:rw,z,rslave`, img(), 'sh', '-c',
    'touch /made/ok && echo made; touch /h/x 2>/dev/null || echo h-ro; stat -c %a /t /run2; grep -E " /(t|run2) " /proc/mounts | grep -o "size=[0-9]*k"; touch /mv/ok && echo mv');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'made\nh-ro\n1770\n700\nsize=1024k\nsize=2048k\nmv\n');
  assert.ok(fs.existsSync(path.join(made, 'ok')), '-v creates a missing host path');
  const missing = await t('run', '--rm', '--mount', `type=bind,source=${host}/nope,target=/x`, img(), 'true');
  assert.equal(missing.status, 125);
  assert.match(missing.stderr, /bind source path does not exist/);
  assert.equal((await t('volume', 'rm', 'mvol')).status, 0);
});

test('bad values: one line naming the flag and the value, exit 125, nothing created', { skip }, async () => {
  for (const args of [
    ['--ulimit', 'nofile=abc'], ['--mount', 'type=bogus,target=/x'], ['-v', ':/x'], ['--pids-limit', 'abc'], ['--tmpfs', 'rel'],
    ['--mount', 'type=tmpfs,target=/t,tmpfs-size=big'], ['-v', 'v:/x:bogus'], ['--volumes-from', 'a:rx'], ['--cap-add', 'NOPE'],
    ['--security-opt', 'seccomp=/nonexistent.json'], ['--shm-size', 'huge'], ['--stop-signal', 'SIGNOPE'], ['--stop-timeout', 'x'],
  ]) {
    const r = await t('run', '--rm', ...args, 'nosuch.example/never/pulled', 'true');
    assert.equal(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(lines(r.stderr).length, 1, r.stderr);
    assert.ok(r.stderr.includes(args[1]) && r.stderr.includes(args[0].replace(/^-v$/, '--volume')), r.stderr);
    assert.doesNotMatch(r.stderr, /Unable to find image|NaN/);
  }
  assert.equal((await t('ps', '-aq')).stdout, '');
  assert.equal((await t('volume', 'ls', '-q')).stdout, '');
});

test('-v ...:U gives the volume or bind to the container user', { skip }, async () => {
  const r = await t('run', '--rm', '-u', '1234:5678', '-v', 'uvol:/u:U', img(), 'sh', '-c', 'touch /u/f && stat -c "%u:%g" /u /u/f');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '1234:5678\n1234:5678\n');
  const named = await t('run', '--rm', '-u', 'appuser', '-v', 'uvol:/u:U', img(), 'true');
  assert.equal(named.status, 125);
  assert.equal((await t('volume', 'rm', 'uvol')).status, 0);
});
