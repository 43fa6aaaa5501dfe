import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered, entrypointImage } from '../fixtures/images.ts';
import { noPodman, podman, skopeo, tspodBytes, tarList } from './image-helpers.ts';

const s = suite({ 'test/layered': layered, 'test/entry': entrypointImage }, { pull: ['test/layered', 'test/entry'] });
const file = (name: string) => path.join(s.env.scratch, name);
const layersNow = () => fs.readdirSync(path.join(s.env.root, 'layers')).sort();

/** The files of a container made from IMAGE, read with export (no runtime needed). */
async function filesOf(image: string, paths: string[]): Promise<Record<string, string>> {
  const c = await s.env.tspod(['create', '--network', 'none', image]);
  assert.equal(c.status, 0, c.stderr);
  const id = c.stdout.trim();
  const out = file(`export-${id.slice(0, 8)}.tar`);
  const e = await s.env.tspod(['export', '-o', out, id]);
  assert.equal(e.status, 0, e.stderr);
  await s.env.tspod(['rm', id]);
  // Extracted whole: a hard link's content is in whichever name came first.
  const dir = `${out}.d`;
  fs.mkdirSync(dir);
  const x = spawnSync('tar', ['-xf', out, '-C', dir], { encoding: 'utf8' });
  assert.equal(x.status, 0, x.stderr);
  const res: Record<string, string> = {};
  for (const p of paths) res[p] = fs.existsSync(path.join(dir, p)) ? fs.readFileSync(path.join(dir, p), 'utf8') : '<missing>';
  return res;
}

test('save -o with two images, rmi, load -i: same ids and names', { skip }, async () => {
  const out = file('two.tar');
  const r = await s.env.tspod(['save', '-o', out, s.ref('test/layered'), s.ref('test/entry')]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '');
  const names = tarList(out);
  for (const n of ['manifest.json', 'repositories', `${s.ids['test/layered'].slice(7)}.json`]) assert.ok(names.includes(n), names.join(' '));
  assert.equal(names.filter((n) => n.endsWith('.tar')).length, 4, 'three layers and one, each once');
  for (const ref of ['test/layered', 'test/entry']) assert.equal((await s.env.tspod(['rmi', s.ref(ref)])).status, 0);
  const load = await s.env.tspod(['load', '-i', out]);
  assert.equal(load.status, 0, load.stderr);
  assert.equal(load.stdout, `Loaded image: ${s.ref('test/layered')}:latest\nLoaded image: ${s.ref('test/entry')}:latest\n`);
  const ids = await s.env.tspod(['images', '--no-trunc', '--format', '{{.ID}}']);
  assert.deepEqual(ids.stdout.trim().split('\n').sort(), [s.ids['test/layered'], s.ids['test/entry']].sort());
  const long = 'a/very/long/directory/name/that/goes/past/the/one/hundred/byte/limit/of/ustar/headers/file.txt';
  const files = await filesOf(s.ref('test/layered'), ['data/target', 'opt/olddir/new.txt', 'data/owned.txt', long, 'etc/deleteme', 'opt/olddir/old.txt']);
  assert.deepEqual(files, {
    'data/target': 'linked content\n', 'opt/olddir/new.txt': 'new\n', 'data/owned.txt': 'owned by 2000:3000\n', [long]: 'long\n',
    'etc/deleteme': '<missing>', 'opt/olddir/old.txt': '<missing>',
  });
});

test('save > stdout and load < stdin, gzip and zstd compressed', { skip }, async () => {
  const saved = tspodBytes(s.env, ['save', s.ref('test/entry')]);
  assert.equal(saved.status, 0, saved.stderr);
  assert.ok(saved.stdout.length > 10_000);
  for (const [name, bytes] of [['plain', saved.stdout], ['gzip', zlib.gzipSync(saved.stdout)], ['zstd', (zlib as any).zstdCompressSync(saved.stdout)]] as const) {
    assert.equal((await s.env.tspod(['rmi', s.ref('test/entry')])).status, 0);
    const load = tspodBytes(s.env, ['load'], bytes);
    assert.equal(load.status, 0, `${name}: ${load.stderr}`);
    assert.equal(load.stdout.toString(), `Loaded image: ${s.ref('test/entry')}:latest\n`, name);
  }
  const id = await s.env.tspod(['image', 'inspect', '--format', '{{.Id}}', s.ref('test/entry')]);
  assert.equal(id.stdout.trim(), s.ids['test/entry']);
});

test('oci-archive and docker-dir formats; skopeo reads them', { skip }, async () => {
  const oci = file('oci.tar');
  const r = await s.env.tspod(['save', '--format', 'oci-archive', '-o', oci, s.ref('test/layered')]);
  assert.equal(r.status, 0, r.stderr);
  const inspect = skopeo(s.env, ['inspect', `oci-archive:${oci}`]);
  assert.equal(inspect.status, 0, inspect.stderr);
  assert.equal(JSON.parse(inspect.stdout).Layers.length, 3);
  const dir = file('dir-layout');
  const d = await s.env.tspod(['save', '--format', 'docker-dir', '-o', dir, s.ref('test/entry')]);
  assert.equal(d.status, 0, d.stderr);
  const dinspect = skopeo(s.env, ['inspect', `dir:${dir}`]);
  assert.equal(dinspect.status, 0, dinspect.stderr);
  assert.equal((await s.env.tspod(['rmi', s.ref('test/layered')])).status, 0);
  const load = await s.env.tspod(['load', '-i', oci]);
  assert.equal(load.status, 0, load.stderr);
  assert.equal(load.stdout, `Loaded image: ${s.ref('test/layered')}:latest\n`);
  assert.equal((await s.env.tspod(['image', 'inspect', '--format', '{{.Id}}', s.ref('test/layered')])).stdout.trim(), s.ids['test/layered']);
  const fromDir = await s.env.tspod(['load', '-i', dir]);
  assert.equal(fromDir.status, 0, fromDir.stderr);
  assert.equal(fromDir.stdout, `Loaded image ID: ${s.ids['test/entry']}\n`);
});

test('tspod save → podman load → podman run; podman save → tspod load', { skip: skip || noPodman }, async () => {
  const out = file('for-podman.tar');
  assert.equal((await s.env.tspod(['save', '-o', out, s.ref('test/layered')])).status, 0);
  const load = podman(s.env, ['load', '-i', out]);
  assert.equal(load.status, 0, load.stderr);
  const run = podman(s.env, ['run', '--rm', '--net=none', s.ref('test/layered'), 'cat', '/data/target', '/opt/olddir/new.txt']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout, 'linked content\nnew\n');
  // And back: podman's archive, of an image podman changed.
  const commit = podman(s.env, ['run', '--net=none', '--name', 'pc', s.ref('test/layered'), 'sh', '-c', 'echo from-podman > /made-by-podman; rm /opt/olddir/new.txt']);
  assert.equal(commit.status, 0, commit.stderr);
  assert.equal(podman(s.env, ['commit', '-q', 'pc', 'localhost/podman-made:1']).status, 0);
  for (const [fmt, name] of [['docker-archive', 'p.tar'], ['oci-archive', 'p-oci.tar']]) {
    const pf = file(name);
    const save = podman(s.env, ['save', '--format', fmt, '-o', pf, 'localhost/podman-made:1']);
    assert.equal(save.status, 0, save.stderr);
    const back = await s.env.tspod(['load', '-i', pf]);
    assert.equal(back.status, 0, `${fmt}: ${back.stderr}`);
    assert.match(back.stdout, /podman-made:1/);
    const files = await filesOf('localhost/podman-made:1', ['made-by-podman', 'opt/olddir/new.txt', 'data/target']);
    assert.equal(files['made-by-podman'], 'from-podman\n');
    assert.match(files['opt/olddir/new.txt'], /missing/);
    assert.equal(files['data/target'], 'linked content\n');
    assert.equal((await s.env.tspod(['rmi', 'localhost/podman-made:1'])).status, 0);
  }
});

test('export | import - with --change and --message; history shows it', { skip }, async () => {
  const c = await s.env.tspod(['create', '--name', 'exp', '--network', 'none', s.ref('test/layered')]);
  assert.equal(c.status, 0, c.stderr);
  const exp = tspodBytes(s.env, ['export', 'exp']);
  assert.equal(exp.status, 0, exp.stderr);
  const imp = tspodBytes(s.env, ['import', '--change', 'CMD ["/bin/cat", "/data/target"]', '-c', 'ENV A=b', '-m', 'flattened', '-', 'flat:1'], exp.stdout);
  assert.equal(imp.status, 0, imp.stderr);
  assert.match(imp.stdout.toString(), /^sha256:[0-9a-f]{64}\n$/);
  const cfg = await s.env.tspod(['image', 'inspect', '--format', '{{json .Config.Cmd}} {{json .Config.Env}} {{len .RootFS.Layers}}', 'flat:1']);
  assert.equal(cfg.stdout, '["/bin/cat","/data/target"] ["A=b"] 1\n', cfg.stderr);
  const h = await s.env.tspod(['history', '--format', '{{.ID}}|{{.CreatedBy}}|{{.Comment}}', 'flat:1']);
  assert.equal(h.status, 0, h.stderr);
  assert.equal(h.stdout, `${imp.stdout.toString().slice(7, 19)}|tspod import -|flattened\n`);
  const files = await filesOf('flat:1', ['data/target', 'etc/deleteme']);
  assert.equal(files['data/target'], 'linked content\n');
  assert.match(files['etc/deleteme'], /missing/);
  const tbl = await s.env.tspod(['history', s.ref('test/layered')]);
  assert.match(tbl.stdout, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT\n/);
  await s.env.tspod(['rm', 'exp']);
});

test('bad archives: one line, exit 125, nothing stored', { skip }, async () => {
  const before = layersNow();
  const imagesBefore = (await s.env.tspod(['images', '-q', '--no-trunc'])).stdout;
  const junk = file('junk.tar');
  fs.writeFileSync(junk, Buffer.alloc(4096, 7));
  const good = fs.readFileSync(file('two.tar'));
  const truncated = file('truncated.tar');
  fs.writeFileSync(truncated, good.subarray(0, good.length >> 1));
  const corruptLayer = file('corrupt-layer.tar');
  fs.chmodSync(s.env.scratch, 0o755);
  for (const f of [junk, truncated, corruptLayer]) if (fs.existsSync(f)) fs.chmodSync(f, 0o644);
  const cases: Array<[string[], Buffer | undefined]> = [
    [['load', '-i', file('no-such.tar')], undefined],
    [['load', '-i', junk], undefined],
    [['load', '-i', truncated], undefined],
    [['load'], Buffer.from('not a tar at all')],
    [['import', file('no-such.tar')], undefined],
    [['import', '-'], Buffer.alloc(2048, 1)],
    [['import', '--change', 'FROB x', '-', 'x:1'], good],
    [['save', '-o', file('none.tar'), 'no/such:image'], undefined],
    [['export', 'no-such-container'], undefined],
  ];
  for (const [args, input] of cases) {
    const r = tspodBytes(s.env, args, input);
    assert.equal(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
  }
  assert.ok(!fs.existsSync(file('none.tar')));
  assert.deepEqual(layersNow(), before);
  assert.equal((await s.env.tspod(['images', '-q', '--no-trunc'])).stdout, imagesBefore);
  assert.deepEqual(fs.readdirSync(path.join(s.env.root, 'tmp')), []);
});
