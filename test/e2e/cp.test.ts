/**
 * `cp` never writes (or reads) outside the container (issue "Trust", item 2),
 * tar streams in and out (`cp -`), and docker's destination rules. Symlinks in
 * the container point at files of the test user on the host, by absolute and
 * relative paths, as the last component and as a directory on the way: the
 * host files must stay as they were, and the copy must land in the container.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { suite, skip, type Result } from './harness.ts';
import { layered } from '../fixtures/images.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });
const img = () => s.ref('test/layered');
const t = (...args: string[]) => s.env.tspod(args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asRoot = process.getuid!() === 0;

/** Files made by the test runner belong to the test user, as if the user had made them. */
function own(p: string): void {
  if (asRoot) spawnSync('chown', ['-R', `${s.env.uid}:${s.env.uid}`, p]);
}

/** tspod with a file as stdin and/or stdout (tar streams are bytes, not text). */
function tspodIO(args: string[], io: { stdin?: string; stdout?: string }): Promise<Result> {
  const argv = s.env.argv(args);
  const stdin = io.stdin ? fs.openSync(io.stdin, 'r') : 'ignore';
  const stdout = io.stdout ? fs.openSync(io.stdout, 'w') : 'pipe';
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: [stdin, stdout, 'pipe'], cwd: '/' });
    let out = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (d) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const fd of [stdin, stdout]) if (typeof fd === 'number') fs.closeSync(fd);
      resolve({ status: code ?? 128 + (signal ? os.constants.signals[signal] : 0), stdout: out, stderr });
    });
  });
}

/** Every file and link under dir with its content (or target), mode and mtime. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    const what = st.isSymbolicLink() ? `-> ${fs.readlinkSync(p)}` : st.isFile() ? fs.readFileSync(p, 'utf8') : 'dir';
    out[path.relative(dir, p) || '.'] = `${what} ${(st.mode & 0o7777).toString(8)} ${st.uid} ${st.mtimeMs}`;
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
  };
  walk(dir);
  return out;
}

/** From `/dN` back to `/` whatever the depth, then down to `p`: a relative link that would climb out if resolved on the host. */
const climb = (p: string) => '../'.repeat(24) + p.slice(1);

/**
 * A host dir of the test user (victims v1..v4, vdir/ with secret and
 * hostonly), the payload to copy, and the container-side script: the same
 * paths exist in the container with other contents, and /d1../d6 hold
 * symlinks to them.
 */
function world(name: string) {
  const base = path.join(s.env.scratch, name);
  const host = path.join(base, 'host');
  const vdir = path.join(host, 'vdir');
  fs.mkdirSync(vdir, { recursive: true });
  for (const v of ['v1', 'v2', 'v3', 'v4']) {
    fs.writeFileSync(path.join(host, v), 'victim\n');
    fs.chmodSync(path.join(host, v), 0o640);
  }
  fs.writeFileSync(path.join(vdir, 'secret'), 'host secret\n');
  fs.writeFileSync(path.join(vdir, 'hostonly'), 'only on the host\n');
  const src = path.join(base, 'src');
  fs.mkdirSync(path.join(src, 'tree', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(src, 'f.txt'), 'payload\n');
  fs.chmodSync(path.join(src, 'f.txt'), 0o755);
  fs.writeFileSync(path.join(src, 'tree', 'sub', 'deep'), 'deep\n');
  own(base);
  const setup = [
    `mkdir -p ${vdir} /d1 /d2 /d3 /d4 /d5 /d6`,
    ...['v1', 'v2', 'v3', 'v4'].map((v) => `echo inside > ${host}/${v}`),
    `echo inside secret > ${vdir}/secret`,
    `ln -s ${host}/v1 /d1/f.txt`,
    `ln -s ${climb(`${host}/v2`)} /d2/f.txt`,
    `ln -s ${host}/v3 /d3/link`,
    `ln -s ${climb(`${host}/v4`)} /d4/link`,
    `ln -s ${vdir} /d5/sub`,
    `ln -s ${climb(vdir)} /d6/sub`,
    'touch /ready',
  ].join(' && ');
  return { host, vdir, src, base, setup };
}

async function copiesStayInside(name: string, state: 'running' | 'stopped'): Promise<void> {
  const w = world(name);
  if (state === 'running') {
    assert.equal((await t('run', '-d', '--name', name, img(), 'sh', '-c', `${w.setup} && exec sleep 1000`)).status, 0);
    for (let i = 0; (await t('exec', name, 'test', '-e', '/ready')).status !== 0; i++) {
      assert.ok(i < 100, 'the container set itself up');
      await sleep(100);
    }
  } else {
    // Sets up on its first run and exits; sleeps when started again, to be looked into.
    const r = await t('run', '--name', name, img(), 'sh', '-c', `if [ -e /ready ]; then exec sleep 1000; fi; ${w.setup}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match((await t('inspect', '-f', '{{.State.Status}}', name)).stdout, /exited/);
  }
  const before = snapshot(w.host);
  const f = path.join(w.src, 'f.txt');
  const cp = async (...args: string[]) => {
    const r = await t('cp', ...args);
    assert.equal(r.status, 0, `cp ${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '', 'cp prints nothing on stdout');
  };
  // Into a directory holding a link of the same name (absolute, relative): the link is replaced.
  await cp(f, `${name}:/d1/`);
  await cp(f, `${name}:/d2/`);
  // Onto the link itself: followed, inside the container.
  await cp(f, `${name}:/d3/link`);
  await cp(f, `${name}:/d4/link`);
  // Through a link to a directory (absolute, relative).
  await cp(f, `${name}:/d5/sub/`);
  await cp(f, `${name}:/d6/sub/new.txt`);
  await cp(path.join(w.src, 'tree'), `${name}:/d5/sub`);
  assert.deepEqual(snapshot(w.host), before, 'no host file was written, replaced or chmod-ed');
  // Out of the container: its own view, never the host's files behind the same names.
  const out = path.join(w.base, 'out');
  fs.mkdirSync(out);
  own(out);
  await cp(`${name}:/d6/sub/secret`, path.join(out, 'secret'));
  assert.equal(fs.readFileSync(path.join(out, 'secret'), 'utf8'), 'inside secret\n');
  await cp(`${name}:/d5/sub/`, path.join(out, 'viadir'));
  assert.equal(fs.readFileSync(path.join(out, 'viadir', 'secret'), 'utf8'), 'inside secret\n');
  assert.ok(!fs.existsSync(path.join(out, 'viadir', 'hostonly')));
  await cp(`${name}:/d3/link`, path.join(out, 'link'));
  assert.equal(fs.readlinkSync(path.join(out, 'link')), `${w.host}/v3`, 'a link is copied as a link, as docker does');
  const hostOnly = await t('cp', `${name}:/d5/sub/hostonly`, path.join(out, 'hostonly'));
  assert.equal(hostOnly.status, 125, 'a file only the host has is not found in the container');
  assert.ok(!fs.existsSync(path.join(out, 'hostonly')));

  assert.deepEqual(snapshot(w.host), before, 'copying out changed nothing on the host either');

  if (state === 'stopped') {
    assert.equal((await t('start', name)).status, 0);
  }
  const look = await t('exec', name, 'sh', '-c', [
    'for f in /d1/f.txt /d2/f.txt; do test -L $f && echo "$f still a link"; cat $f; done',
    `cat ${w.host}/v1 ${w.host}/v2 ${w.host}/v3 ${w.host}/v4 ${w.vdir}/f.txt ${w.vdir}/new.txt ${w.vdir}/tree/sub/deep`,
    `stat -c '%a %u' /d1/f.txt ${w.host}/v3`,
  ].join('; '));
  assert.equal(look.stdout, [
    'payload', 'payload', // d1, d2: the links replaced by the file
    'inside', 'inside', 'payload', 'payload', // v1, v2 untouched; v3, v4 written through the links inside the container
    'payload', 'payload', 'deep',
    '755 0', '755 0',
  ].join('\n') + '\n', look.stderr);
  assert.equal((await t('rm', '-f', name)).status, 0);
}

test('cp into a running container never writes outside it, through absolute or relative links', { skip }, async () => {
  await copiesStayInside('live', 'running');
});

test('cp into a stopped container never writes outside it, through absolute or relative links', { skip }, async () => {
  await copiesStayInside('dead', 'stopped');
});

test('cp sees a running container\'s mounts: /etc/hostname is the container\'s', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'named', '--hostname', 'inbox', img(), 'sleep', '1000')).status, 0);
  const out = path.join(s.env.scratch, 'hostname');
  assert.equal((await t('cp', 'named:/etc/hostname', out)).status, 0);
  assert.equal(fs.readFileSync(out, 'utf8').trim(), 'inbox');
  await t('rm', '-f', 'named');
});

test('tar streams: cp - CTR:DIR extracts stdin, cp CTR:PATH - writes a tar; both round-trip with the system tar', { skip }, async () => {
  const base = path.join(s.env.scratch, 'streams');
  fs.mkdirSync(path.join(base, 'in', 'b'), { recursive: true });
  fs.writeFileSync(path.join(base, 'in', 'a'), 'A\n');
  fs.chmodSync(path.join(base, 'in', 'a'), 0o741);
  fs.writeFileSync(path.join(base, 'in', 'b', 'c'), 'C\n');
  fs.symlinkSync('b/c', path.join(base, 'in', 'l'));
  const archive = path.join(base, 'archive.tar');
  assert.equal(spawnSync('tar', ['-cf', archive, '-C', path.join(base, 'in'), 'a', 'b', 'l']).status, 0);
  own(base);
  assert.equal((await t('run', '-d', '--name', 'streams', img(), 'sh', '-c', 'mkdir -p /dest && echo file > /afile && exec sleep 1000')).status, 0);
  for (let i = 0; (await t('exec', 'streams', 'test', '-d', '/dest')).status !== 0; i++) assert.ok(i < 100);

  const put = await tspodIO(['cp', '-', 'streams:/dest'], { stdin: archive });
  assert.equal(put.status, 0, put.stderr);
  const inside = await t('exec', 'streams', 'sh', '-c', 'cd /dest && stat -c "%a %u %n" a b b/c && cat a b/c && readlink l');
  assert.equal(inside.stdout, '741 0 a\n755 0 b\n644 0 b/c\nA\nC\nb/c\n');

  for (const [dest, why] of [['streams:/nosuch', 'a missing directory'], ['streams:/afile', 'a file']]) {
    const r = await tspodIO(['cp', '-', dest], { stdin: archive });
    assert.equal(r.status, 125, `a tar stream into ${why}`);
    assert.match(r.stderr, /^Error: .*\n$/);
  }
  const garbage = path.join(base, 'garbage');
  fs.writeFileSync(garbage, 'not a tar archive\n'.repeat(100));
  assert.equal((await tspodIO(['cp', '-', 'streams:/dest'], { stdin: garbage })).status, 125);

  const outTar = path.join(base, 'out.tar');
  const get = await tspodIO(['cp', 'streams:/dest', '-'], { stdout: outTar });
  assert.equal(get.status, 0, get.stderr);
  const listing = spawnSync('tar', ['-tvf', outTar], { encoding: 'utf8' });
  assert.equal(listing.status, 0, listing.stderr);
  const lines = listing.stdout.trim().split('\n');
  assert.deepEqual(lines.map((l) => l.split(/\s+/).slice(5).join(' ')).sort(), ['dest/', 'dest/a', 'dest/b/', 'dest/b/c', 'dest/l -> b/c']);
  assert.match(lines.find((l) => l.endsWith(' dest/a'))!, /^-rwxr----x 0\/0 /, 'mode and the container\'s owner (root) in the archive');
  const unpacked = path.join(base, 'unpacked');
  fs.mkdirSync(unpacked);
  assert.equal(spawnSync('tar', ['-xf', outTar, '-C', unpacked]).status, 0);
  assert.equal(fs.readFileSync(path.join(unpacked, 'dest', 'b', 'c'), 'utf8'), 'C\n');

  const contents = path.join(base, 'contents.tar');
  assert.equal((await tspodIO(['cp', 'streams:/dest/.', '-'], { stdout: contents })).status, 0);
  assert.match(spawnSync('tar', ['-tf', contents], { encoding: 'utf8' }).stdout, /^\.\/\n\.\/a\n/m);
  const missing = await tspodIO(['cp', 'streams:/nosuch', '-'], { stdout: path.join(base, 'missing.tar') });
  assert.equal(missing.status, 125);
  assert.equal(fs.statSync(path.join(base, 'missing.tar')).size, 0, 'nothing on stdout when the source is missing');

  // A stopped container streams too.
  await t('stop', '-t', '0', 'streams');
  const stopped = path.join(base, 'stopped.tar');
  assert.equal((await tspodIO(['cp', 'streams:/dest/b/c', '-'], { stdout: stopped })).status, 0);
  assert.equal(spawnSync('tar', ['-xOf', stopped, 'c'], { encoding: 'utf8' }).stdout, 'C\n');
  // Into the root itself, a stopped container's.
  const rootArchive = path.join(base, 'root.tar');
  fs.writeFileSync(path.join(base, 'in', 'at-root'), 'R\n');
  assert.equal(spawnSync('tar', ['-cf', rootArchive, '-C', path.join(base, 'in'), 'at-root']).status, 0);
  own(base);
  const toRoot = await tspodIO(['cp', '-', 'streams:/'], { stdin: rootArchive });
  assert.equal(toRoot.status, 0, toRoot.stderr);
  assert.equal((await t('start', 'streams')).status, 0);
  assert.equal((await t('exec', 'streams', 'cat', '/at-root')).stdout, 'R\n');
  await t('rm', '-f', 'streams');
});

test('docker\'s destination rules, into a container and out of it', { skip }, async () => {
  const base = path.join(s.env.scratch, 'rules');
  fs.mkdirSync(path.join(base, 'dir', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(base, 'dir', 'sub', 'x'), 'x\n');
  fs.writeFileSync(path.join(base, 'f'), 'f\n');
  fs.chmodSync(path.join(base, 'f'), 0o750);
  own(base);
  assert.equal((await t('run', '-d', '--name', 'rules', img(), 'sh', '-c',
    'mkdir -p /ex /ex2 && echo keep > /ex2/keep && echo old > /exf && chmod 600 /exf && exec sleep 1000')).status, 0);
  for (let i = 0; (await t('exec', 'rules', 'test', '-e', '/exf')).status !== 0; i++) assert.ok(i < 100);
  const f = path.join(base, 'f');
  const dir = path.join(base, 'dir');
  const ok = async (src: string, dest: string) => {
    const r = await t('cp', src, dest);
    assert.equal(r.status, 0, `cp ${src} ${dest}: ${r.stderr}`);
  };
  const fails = async (src: string, dest: string) => {
    const r = await t('cp', src, dest);
    assert.equal(r.status, 125, `cp ${src} ${dest} fails`);
    assert.match(r.stderr, /^Error: [^\n]+\n$/, 'one line');
  };
  await ok(f, 'rules:/newname'); // file → missing: written as DEST
  await ok(f, 'rules:/ex'); // file → existing dir: DEST/basename
  await ok(f, 'rules:/exf'); // file → existing file: overwritten, the source's mode
  await fails(f, 'rules:/nosuch/x'); // the parent must exist
  await fails(f, 'rules:/nodir/'); // DEST/ must exist
  await ok(dir, 'rules:/newdir'); // dir → missing: created with its contents
  await ok(dir, 'rules:/ex'); // dir → existing dir: DEST/basename
  await ok(`${dir}/.`, 'rules:/ex2'); // SRC/. → its contents merged
  await fails(dir, 'rules:/exf'); // dir → file
  await fails(path.join(base, 'nosuch'), 'rules:/ex');
  await fails(`${f}/`, 'rules:/ex'); // SRC/ must be a directory
  const look = await t('exec', 'rules', 'sh', '-c',
    'cat /newname /ex/f /exf /newdir/sub/x /ex/dir/sub/x /ex2/keep /ex2/sub/x; stat -c %a /exf; ls /newdir; ls /ex2');
  assert.equal(look.stdout, 'f\nf\nf\nx\nx\nkeep\nx\n750\nsub\nkeep\nsub\n');

  const out = path.join(base, 'out');
  fs.mkdirSync(path.join(out, 'exdir'), { recursive: true });
  fs.writeFileSync(path.join(out, 'exfile'), 'old\n');
  own(out);
  await ok('rules:/newname', path.join(out, 'renamed'));
  assert.equal(fs.readFileSync(path.join(out, 'renamed'), 'utf8'), 'f\n');
  assert.equal(fs.statSync(path.join(out, 'renamed')).uid, s.env.uid, 'files copied out are the user\'s');
  await ok('rules:/newname', path.join(out, 'exdir'));
  assert.ok(fs.existsSync(path.join(out, 'exdir', 'newname')));
  await ok('rules:/newdir', path.join(out, 'copy'));
  assert.equal(fs.readFileSync(path.join(out, 'copy', 'sub', 'x'), 'utf8'), 'x\n');
  await ok('rules:/newdir', path.join(out, 'exdir'));
  assert.ok(fs.existsSync(path.join(out, 'exdir', 'newdir', 'sub', 'x')));
  await ok('rules:/newdir/.', path.join(out, 'exdir'));
  assert.ok(fs.existsSync(path.join(out, 'exdir', 'sub', 'x')));
  await fails('rules:/newdir', path.join(out, 'exfile'));
  await fails('rules:/newname', path.join(out, 'nosuch', 'x'));
  await fails('rules:/newname', path.join(out, 'nodir') + '/');
  await fails('rules:/nosuch', path.join(out, 'x'));
  assert.equal(fs.readFileSync(path.join(out, 'exfile'), 'utf8'), 'old\n');
  await t('rm', '-f', 'rules');
});
