/** docker's --format, inspect shape, labels and filters, as scripts and compose tools use them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { suite, skip } from './harness.ts';
import { busyboxBase } from '../fixtures/oci-image.ts';

const s = suite({
  'test/plain': { layers: [{ entries: busyboxBase() }], config: { Cmd: ['/bin/sh'] } },
  'test/labelled': { layers: [{ entries: busyboxBase() }], config: { Cmd: ['/bin/sh'], Labels: { 'org.test.kind': 'labelled', tier: 'image' } } },
}, { pull: ['test/plain', 'test/labelled'] });
const plain = () => s.ref('test/plain');
const labelled = () => s.ref('test/labelled');
const t = (...args: string[]) => s.env.tspod(args);
const out = async (...args: string[]) => {
  const r = await t(...args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test('version and info --format render docker\'s (and podman\'s) fields', { skip }, async () => {
  assert.match(await out('version', '--format', '{{.Client.Version}}'), /^\d+\.\d+\.\d+\n$/);
  const v = JSON.parse(await out('version', '--format', 'json'));
  assert.equal(v.Server.Version, v.Client.Version);
  assert.equal(await out('info', '--format', '{{.Store.GraphRoot}}'), `${s.env.root}\n`);
  assert.match(await out('info', '--format', '{{.ServerVersion}} {{.Driver}} {{.OSType}} {{.Host.Arch}}'), /^\d+\.\d+\.\d+ overlay linux \w+\n$/);
  assert.equal(JSON.parse(await out('info', '--format', '{{json .Store.ImageStore}}')).Number, 2);
});

test('a bad template is a usage error (125) before any work', { skip }, async () => {
  for (const args of [['ps', '--format', '{{.ID'], ['ps', '--format', '{{nope .ID}}'], ['images', '--format', '{{if .ID}}'], ['inspect', '-f', '{{$x}}', 'nosuch'], ['version', '--format', '{{end}}']]) {
    const r = await t(...args);
    assert.equal(r.status, 125, args.join(' '));
    assert.match(r.stderr, /^Error: template: /, args.join(' '));
    assert.equal(r.stdout, '');
  }
  const exec = await t('images', '--format', '{{.ID.Nope}}');
  assert.equal(exec.status, 125);
  assert.match(exec.stderr, /can't evaluate field Nope in type string/);
});

test('labels on run; ps filters and --format over them', { skip }, async () => {
  const file = path.join(s.env.scratch, 'labels');
  fs.writeFileSync(file, '# compose\ncom.example.project=demo\n\ncom.example.service=web\n');
  fs.chmodSync(file, 0o644);
  const web = await t('run', '-d', '--name', 'web', '--network', 'none', '-l', 'tier=front', '--label', 'flag', '--label-file', file, '-v', 'webdata:/data', labelled(), 'sleep', '1000');
  assert.equal(web.status, 0, web.stderr);
  assert.equal((await t('run', '-d', '--name', 'db', '--network', 'none', '-l', 'com.example.project=demo', '-l', 'com.example.service=db', plain(), 'sleep', '1000')).status, 0);
  assert.equal((await t('run', '--name', 'done', '--network', 'none', plain(), 'sh', '-c', 'exit 3')).status, 3);

  const labels = JSON.parse(await out('inspect', '-f', '{{json .Config.Labels}}', 'web'));
  assert.deepEqual(labels, { 'org.test.kind': 'labelled', tier: 'front', flag: '', 'com.example.project': 'demo', 'com.example.service': 'web' });
  assert.equal(await out('inspect', '-f', '{{index .Config.Labels "tier"}} {{.Config.Labels.tier}} [{{index .Config.Labels "missing"}}] {{.Config.Labels.missing}}', 'web'), 'front front [] <no value>\n');

  const names = async (...filters: string[]) => (await out('ps', '-a', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Names}}')).split('\n').filter(Boolean).sort();
  assert.deepEqual(await names('label=com.example.project=demo'), ['db', 'web']);
  assert.deepEqual(await names('label=com.example.project=demo', 'label=com.example.service=web'), ['web'], 'every label filter must match');
  assert.deepEqual(await names('label=tier'), ['web']);
  assert.deepEqual(await names('label=tier=back'), []);
  assert.deepEqual(await names('name=^d'), ['db', 'done']);
  assert.deepEqual(await names('name=db', 'name=web'), ['db', 'web']);
  assert.deepEqual(await names('status=exited'), ['done']);
  assert.deepEqual(await names('exited=3'), ['done']);
  assert.deepEqual(await names('exited=0'), []);
  assert.deepEqual(await names(`ancestor=${labelled()}`), ['web']);
  assert.deepEqual(await names(`ancestor=${s.ids['test/plain'].slice(7, 19)}`), ['db', 'done']);
  assert.deepEqual(await names('since=web'), ['db', 'done']);
  assert.deepEqual(await names('before=db'), ['web']);
  assert.deepEqual(await names('volume=webdata'), ['web']);
  assert.deepEqual(await names('volume=/data'), ['web']);
  assert.deepEqual(await names('network=none', 'status=running'), ['db', 'web']);
  assert.deepEqual(await names('health=none'), ['db', 'done', 'web']);
  assert.deepEqual(await names('health=healthy'), []);
  const id = (await out('inspect', '-f', '{{.Id}}', 'db')).trim();
  assert.deepEqual(await names(`id=${id.slice(0, 8)}`), ['db']);
  assert.deepEqual(await names('publish=80'), []);

  for (const bad of ['nope=1', 'status=sleeping', 'noequals']) {
    const r = await t('ps', '--filter', bad);
    assert.equal(r.status, 125, bad);
    assert.equal(r.stderr.split('\n').length, 2, 'one line');
  }
  assert.match((await t('ps', '--filter', 'nope=1')).stderr, /invalid filter 'nope'/);

  assert.equal(await out('ps', '--filter', 'name=web', '--format', '{{.Label "tier"}}|{{.Label "nope"}}|{{.Labels | len | printf "%d" | len}}'), 'front||2\n');

  // --format json: one docker-shaped object per line.
  const lines = (await out('ps', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => l.Names).sort(), ['db', 'web']);
  assert.deepEqual(Object.keys(lines[0]), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
  assert.equal(lines.find((l) => l.Names === 'web').Labels.split(',').includes('tier=front'), true);
  assert.match(lines[0].CreatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000 UTC$/);

  // table: a header from the field names, columns aligned as docker's tabwriter.
  const table = (await out('ps', '--format', 'table {{.ID}}\\t{{.Names}}\\t{{.State}}', '--filter', 'name=web')).split('\n');
  assert.equal(table[0], 'CONTAINER ID   NAMES     STATE');
  assert.match(table[1], /^[0-9a-f]{12} {3}web {7}running$/);
  assert.match((await out('ps', '--format', 'table')).split('\n')[0], /^CONTAINER ID {3}IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);

  // The language: range over a map (sorted keys), if/else, variables, printf, pipes, len, slice.
  assert.equal(await out('inspect', '-f', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', 'db'), 'com.example.project=demo;com.example.service=db;\n');
  assert.equal(await out('inspect', '-f', '{{if .State.Running}}up{{else}}down{{end}} {{with $n := .Name}}{{$n | printf "%q"}}{{end}} {{len .Args}} {{slice .Id 0 12 | len}} {{printf "%-6s|%3d" .State.Status .State.ExitCode}}', 'done'),
    'down "/done" 2 12 exited|  3\n');
  assert.equal(await out('inspect', '-f', '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}}{{end}} {{.HostConfig.NetworkMode}} {{.GraphDriver.Name}}', 'web'), 'volume:webdata:/data none overlay\n');
  assert.equal(await out('inspect', '-f', '{{join .Args ","}} {{.Path}} {{upper .State.Status}} {{title "hello there"}} {{split .Config.Image "/" | len}}', 'done'), `-c,exit 3 sh EXITED Hello There ${plain().split('/').length}\n`);
  assert.equal((await t('rm', '-f', 'web', 'db', 'done')).status, 0);
});

test('inspect in docker\'s shape; --type and -s', { skip }, async () => {
  assert.equal((await t('run', '-d', '--name', 'shape', '--network', 'none', '--restart', 'on-failure:2', plain(), 'sleep', '1000')).status, 0);
  const [c] = JSON.parse(await out('inspect', '-s', 'shape'));
  assert.equal(c.Name, '/shape');
  assert.equal(c.State.Status, 'running');
  assert.equal(c.HostConfig.RestartPolicy.Name, 'on-failure');
  assert.equal(c.HostConfig.RestartPolicy.MaximumRetryCount, 2);
  assert.equal(c.GraphDriver.Name, 'overlay');
  assert.ok(c.GraphDriver.Data.UpperDir && c.GraphDriver.Data.LowerDir);
  assert.equal(typeof c.SizeRw, 'number');
  assert.ok(c.SizeRootFs >= c.SizeRw);
  assert.deepEqual(Object.keys(c.NetworkSettings.Networks), ['none']);
  assert.equal(c.Config.Image, plain());
  assert.equal(c.Image, s.ids['test/plain']);
  assert.equal((JSON.parse(await out('inspect', 'shape'))[0]).SizeRw, undefined, 'sizes only with -s');

  const [img] = JSON.parse(await out('inspect', '--type', 'image', labelled()));
  assert.equal(img.Id, s.ids['test/labelled']);
  assert.deepEqual(img.RepoTags, [`${labelled()}:latest`]);
  assert.equal(img.Os, 'linux');
  assert.equal(img.RootFS.Type, 'layers');
  assert.equal(img.RootFS.Layers.length, 1);
  assert.equal(img.Config.Labels.tier, 'image');
  assert.ok(img.Size > 0);
  assert.equal(await out('image', 'inspect', '-f', '{{.Os}}/{{.Architecture}} {{len .RepoDigests}}', labelled()), `linux/${img.Architecture} 1\n`);

  assert.equal((await t('inspect', '--type', 'container', labelled())).status, 1);
  const bogus = await t('inspect', '--type', 'volumes', 'shape');
  assert.equal(bogus.status, 125);
  assert.match(bogus.stderr, /not a valid value for --type/);
  assert.equal((await t('network', 'create', '--label', 'team=a', 'fmtnet')).status, 0);
  assert.equal(await out('inspect', '--type', 'network', '-f', '{{.Name}} {{.Driver}} {{.Labels.team}}', 'fmtnet'), 'fmtnet bridge a\n');
  assert.equal(await out('inspect', '-f', '{{.Name}}', 'fmtnet'), 'fmtnet\n', 'networks are found without --type');
  const compact = await out('inspect', '--format', 'json', 'shape', 'fmtnet');
  assert.equal(compact.split('\n').length, 2);
  assert.equal(JSON.parse(compact).length, 2);
  const nets = (await out('network', 'ls', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(nets.map((n) => n.Name), ['bridge', 'fmtnet', 'host', 'none']);
  assert.equal(await out('network', 'ls', '--filter', 'label=team=a', '--format', '{{.Name}} {{.Label "team"}}'), 'fmtnet a\n');
  assert.equal((await t('network', 'rm', 'fmtnet')).status, 0);
  assert.equal((await t('rm', '-f', 'shape')).status, 0);
});

test('images --format and --filter', { skip }, async () => {
  const lines = (await out('images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}')).trim().split('\n').sort();
  assert.deepEqual(lines, [`${labelled()}:latest ${s.ids['test/labelled'].slice(7, 19)}`, `${plain()}:latest ${s.ids['test/plain'].slice(7, 19)}`].sort());
  const json = (await out('images', '--format', 'json')).trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(json[0]), ['Containers', 'CreatedAt', 'CreatedSince', 'Digest', 'ID', 'Repository', 'SharedSize', 'Size', 'Tag', 'UniqueSize', 'VirtualSize']);
  const [head, row] = (await out('images', '--format', 'table {{.Repository}}\\t{{.Tag}}')).split('\n');
  assert.match(head, /^REPOSITORY {3,}TAG$/);
  assert.equal(head.indexOf('TAG'), row.indexOf('latest'), 'columns aligned');
  assert.equal(head.indexOf('TAG'), labelled().length + 3);
  const repos = async (...filters: string[]) => (await out('images', ...filters.flatMap((f) => ['--filter', f]), '--format', '{{.Repository}}')).split('\n').filter(Boolean).sort();
  assert.deepEqual(await repos('label=org.test.kind=labelled'), [labelled()]);
  assert.deepEqual(await repos('label=tier'), [labelled()]);
  assert.deepEqual(await repos('label=nope'), []);
  assert.deepEqual(await repos('reference=*/test/pl*'), [plain()]);
  assert.deepEqual(await repos('reference=*/*/*:latest'), [labelled(), plain()].sort());
  assert.deepEqual(await repos('reference=*:latest'), [], '* stops at /, as path.Match');
  assert.deepEqual(await repos('reference=nomatch*'), []);
  assert.deepEqual(await repos('dangling=true'), []);
  assert.deepEqual(await repos('dangling=false'), [labelled(), plain()].sort());
  assert.deepEqual(await repos(`before=${labelled()}`), [], 'the fixtures share one creation time');
  const bad = await t('images', '--filter', 'colour=red');
  assert.equal(bad.status, 125);
  assert.match(bad.stderr, /invalid filter 'colour'/);
});
