import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { suite, skip } from './harness.ts';
import { layered } from '../fixtures/images.ts';
import { noPodman, podman } from './image-helpers.ts';

const s = suite({ 'test/layered': layered }, { pull: ['test/layered'] });

/** A context dir owned by the test user, with `files` (path → content). */
function context(name: string, files: Record<string, string | Buffer>): string {
  const dir = path.join(s.env.scratch, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
  spawnSync('chown', ['-R', `${s.env.uid}`, dir]);
  return dir;
}

async function build(args: string[], opts: { input?: string } = {}) {
  return s.env.tspod(['build', '--network', 'none', ...args], { timeoutMs: 240_000, input: opts.input });
}

async function inspect(ref: string, format: string): Promise<string> {
  const r = await s.env.tspod(['image', 'inspect', '--format', format, ref]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

async function runIn(ref: string, args: string[] = []): Promise<string> {
  const r = await s.env.tspod(['run', '--rm', '--network', 'none', ref, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const MULTI = (base: string, heredocs = true) => `# syntax=docker/dockerfile:1
ARG BASE=${base}
FROM \${BASE} AS build
ARG GREETING=hello
WORKDIR /src
COPY app.sh lib/ ./
RUN echo "$GREETING from build" > /src/out.txt && \\
    chmod +x /src/app.sh
${heredocs ? 'RUN <<EOF\necho heredoc-run > /src/heredoc.txt\necho second >> /src/heredoc.txt\nEOF' : 'RUN echo heredoc-run > /src/heredoc.txt && echo second >> /src/heredoc.txt'}

FROM \${BASE}
LABEL org.example.team=core "org.example.two"="a b"
MAINTAINER Tester <t@example.com>
ENV APP_HOME=/app MODE=prod
ENV PATH_SUFFIX=\${APP_HOME}/bin
WORKDIR $APP_HOME
WORKDIR sub
COPY --from=build /src/out.txt /src/heredoc.txt ./
COPY --from=build --chmod=755 /src/app.sh /app/bin/app.sh
COPY --chown=1234:2345 lib/ /app/lib/
${heredocs ? 'COPY <<CONF /etc/app.conf\nmode=${MODE}\nCONF' : 'COPY lib/a.txt /etc/app.conf'}
ADD files.tar.gz /app/extracted/
USER 1234:2345
EXPOSE 8080 53/udp
VOLUME ["/data"]
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD test -f /app/bin/app.sh
ONBUILD RUN echo triggered-$((1+1))
ENTRYPOINT ["/app/bin/app.sh"]
CMD ["default"]
`;

function makeTarGz(): Buffer {
  const dir = path.join(s.env.scratch, 'tarsrc');
  fs.mkdirSync(path.join(dir, 'inner'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'inner', 'x.txt'), 'from the archive\n');
  const r = spawnSync('tar', ['-C', dir, '-czf', '-', '--owner=0', '--group=0', 'inner']);
  return r.stdout;
}

test('a multi-stage Dockerfile: every instruction, checked by running the image and by inspect', { skip }, async () => {
  const dir = context('multi', {
    Dockerfile: MULTI(s.ref('test/layered')),
    'app.sh': '#!/bin/sh\necho "app:$1 mode=$MODE user=$(id -u):$(id -g) cwd=$(pwd)"\n',
    'lib/a.txt': 'A\n',
    'lib/deep/b.txt': 'B\n',
    'files.tar.gz': makeTarGz(),
  });
  const r = await build(['-t', 'multi:1', '--progress', 'plain', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.match(r.stderr, /Step 1\/\d+ : FROM/);
  assert.match(r.stderr, /Step \d+\/\d+ : RUN echo "\$GREETING from build"/);
  // The image runs as built.
  assert.equal(await runIn('multi:1'), 'app:default mode=prod user=1234:2345 cwd=/app/sub\n');
  assert.equal(await runIn('multi:1', ['x']), 'app:x mode=prod user=1234:2345 cwd=/app/sub\n');
  const files = await s.env.tspod(['run', '--rm', '--network', 'none', '--user', '0', '--entrypoint', 'sh', 'multi:1', '-c',
    'cat out.txt heredoc.txt /etc/app.conf /app/extracted/inner/x.txt; stat -c "%n %u:%g %a" /app/lib/a.txt /app/lib/deep/b.txt /app/bin/app.sh; ls /app/lib; test -e /src && echo has-src || echo no-src']);
  assert.equal(files.status, 0, files.stderr);
  assert.equal(files.stdout, 'hello from build\nheredoc-run\nsecond\nmode=prod\nfrom the archive\n'
    + '/app/lib/a.txt 1234:2345 644\n/app/lib/deep/b.txt 1234:2345 644\n/app/bin/app.sh 0:0 755\na.txt\ndeep\nno-src\n');
  // The config, as docker builds it.
  assert.equal(await inspect('multi:1', '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.WorkingDir}} {{.Config.User}} {{.Config.StopSignal}}'),
    '["/app/bin/app.sh"] ["default"] /app/sub 1234:2345 SIGINT');
  assert.equal(await inspect('multi:1', '{{json .Config.ExposedPorts}} {{json .Config.Volumes}} {{json .Config.Labels}} {{.Author}}'),
    '{"53/udp":{},"8080/tcp":{}} {"/data":{}} {"org.example.team":"core","org.example.two":"a b"} Tester <t@example.com>');
  assert.equal(await inspect('multi:1', '{{json .Config.Healthcheck}} {{json .Config.OnBuild}}'),
    '{"Test":["CMD-SHELL","test -f /app/bin/app.sh"],"Interval":5000000000,"Timeout":2000000000,"Retries":4} ["RUN echo triggered-$((1+1))"]');
  const env = await inspect('multi:1', '{{json .Config.Env}}');
  assert.ok(env.includes('"APP_HOME=/app"') && env.includes('"MODE=prod"') && env.includes('"PATH_SUFFIX=/app/bin"'), env);
  // history: one entry per step of the final stage; metadata steps are empty layers.
  const h = await s.env.tspod(['history', '--no-trunc', '--format', '{{.CreatedBy}}|{{.Size}}', 'multi:1']);
  assert.equal(h.status, 0, h.stderr);
  const rows = h.stdout.trim().split('\n');
  assert.match(rows[0], /^\/bin\/sh -c #\(nop\) +CMD \["default"\]\|0B$/);
  assert.ok(rows.some((l) => /^\/bin\/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \/etc\/app.conf /.test(l)), h.stdout);
  assert.ok(rows.some((l) => l.startsWith('/bin/sh -c #(nop) WORKDIR /app/sub|')), h.stdout);
  assert.ok(rows.some((l) => /^\/bin\/sh -c #\(nop\) +ENV APP_HOME=\/app MODE=prod\|/.test(l)), h.stdout);
  const layers = Number(await inspect('multi:1', '{{len .RootFS.Layers}}'));
  const base = Number(await inspect(s.ref('test/layered'), '{{len .RootFS.Layers}}'));
  assert.equal(layers, base + 5, 'two COPY --from, COPY lib, COPY heredoc, ADD');
});

test('ONBUILD triggers run in the child build and are not inherited', { skip }, async () => {
  const dir = context('child', { Dockerfile: 'FROM multi:1\nRUN true\n' });
  const r = await build(['-t', 'child:1', '--progress', 'plain', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /triggered-2/);
  assert.equal(await inspect('child:1', '{{json .Config.OnBuild}}'), 'null');
});

const stepsCached = (stderr: string) => (stderr.match(/---> Using cache/g) ?? []).length;

test('cache: an identical rebuild is a full hit with the same id; a changed file rebuilds from its step; mtimes do not count; --no-cache', { skip }, async () => {
  const dir = context('cache', {
    Dockerfile: `FROM ${s.ref('test/layered')}\nRUN echo one > /one\nCOPY a.txt /a.txt\nRUN cat /a.txt > /copied\nCOPY b.txt /b.txt\nCMD ["cat", "/copied", "/b.txt"]\n`,
    'a.txt': 'a1\n', 'b.txt': 'b1\n',
  });
  const first = await build(['-t', 'cached:1', '--progress', 'plain', dir]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(stepsCached(first.stderr), 0);
  const began = Date.now();
  const again = await build(['-t', 'cached:2', '--progress', 'plain', dir]);
  const took = Date.now() - began;
  assert.equal(again.status, 0, again.stderr);
  assert.equal(again.stdout, first.stdout, 'the same image id');
  assert.equal(stepsCached(again.stderr), 5, again.stderr);
  assert.ok(took < 5000, `a full cache hit took ${took} ms`);
  // Only the mtime changes: still a full hit.
  fs.utimesSync(path.join(dir, 'a.txt'), new Date(2001, 1, 1), new Date(2001, 1, 1));
  const touched = await build(['--progress', 'plain', dir]);
  assert.equal(touched.stdout, first.stdout, touched.stderr);
  // b.txt changes: the steps before its COPY are hits, the COPY and after are rebuilt.
  fs.writeFileSync(path.join(dir, 'b.txt'), 'b2\n');
  const changed = await build(['-t', 'cached:3', '--progress', 'plain', dir]);
  assert.equal(changed.status, 0, changed.stderr);
  assert.notEqual(changed.stdout, first.stdout);
  assert.equal(stepsCached(changed.stderr), 3, changed.stderr);
  assert.equal(await runIn('cached:3'), 'a1\nb2\n');
  // a.txt changes: its COPY and the RUN reading it are rebuilt.
  fs.writeFileSync(path.join(dir, 'a.txt'), 'a2\n');
  const changedA = await build(['-t', 'cached:4', '--progress', 'plain', dir]);
  assert.equal(stepsCached(changedA.stderr), 1, changedA.stderr);
  assert.equal(await runIn('cached:4'), 'a2\nb2\n');
  const none = await build(['--no-cache', '--progress', 'plain', dir]);
  assert.equal(none.status, 0, none.stderr);
  assert.equal(stepsCached(none.stderr), 0);
});

test('build args: defaults, --build-arg, predefined platform args; a changed arg invalidates only the steps that see it', { skip }, async () => {
  const dir = context('args', {
    Dockerfile: `ARG TAG=latest\nFROM ${s.ref('test/layered')}:\${TAG}\nRUN echo before > /before\nARG V=def\nARG TARGETARCH\nENV FROM_ENV=\${V:-unset}-\${NOPE:-x}-\${V:+set}\nRUN echo "$V $TARGETARCH" > /v\n`,
  });
  const d = await build(['-t', 'args:1', '--progress', 'plain', dir]);
  assert.equal(d.status, 0, d.stderr);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  assert.equal(await runIn('args:1', ['cat', '/v']), `def ${arch}\n`);
  const x = await build(['-t', 'args:2', '--build-arg', 'V=given', '--build-arg', 'UNUSED=1', '--progress', 'plain', dir]);
  assert.equal(x.status, 0, x.stderr);
  assert.equal(await runIn('args:2', ['cat', '/v']), `given ${arch}\n`);
  assert.equal(await inspect('args:2', '{{range .Config.Env}}{{println .}}{{end}}').then((e) => e.split('\n').find((l) => l.startsWith('FROM_ENV='))), 'FROM_ENV=given-x-set');
  assert.equal(stepsCached(x.stderr), 1, 'RUN before the ARG is a hit');
  assert.match(x.stderr, /UNUSED/);
  const h = await s.env.tspod(['history', '--no-trunc', '--format', '{{.CreatedBy}}', 'args:2']);
  assert.ok(h.stdout.includes(`|2 V=given TARGETARCH=${arch} /bin/sh -c echo "$V $TARGETARCH" > /v`), h.stdout);
});

test('--target builds only what the stage needs; -f, Containerfile, stdin Dockerfile, -q, --iidfile, -o', { skip }, async () => {
  const base = s.ref('test/layered');
  const dir = context('target', {
    Containerfile: `FROM ${base} AS a\nRUN echo a > /stage-a\nFROM ${base} AS unused\nRUN echo never-built\nFROM a AS b\nRUN echo b > /stage-b\n`,
  });
  const a = await build(['-t', 'target:a', '--target', 'a', '--progress', 'plain', dir]);
  assert.equal(a.status, 0, a.stderr);
  assert.doesNotMatch(a.stderr, /never-built|echo b/);
  assert.equal(await runIn('target:a', ['sh', '-c', 'cat /stage-a; test -e /stage-b || echo no-b']), 'a\nno-b\n');
  const b = await build(['-t', 'target:b', '--progress', 'plain', dir]);
  assert.equal(b.status, 0, b.stderr);
  assert.doesNotMatch(b.stderr, /never-built/);
  assert.equal(await runIn('target:b', ['cat', '/stage-a', '/stage-b']), 'a\nb\n');
  const bad = await build(['--target', 'nope', dir]);
  assert.equal(bad.status, 125);
  // A Dockerfile on stdin (context `-`), quiet: stdout is the id only.
  const iid = path.join(s.env.scratch, 'target', 'iid');
  const q = await build(['-q', '--iidfile', iid, '-'], { input: `FROM ${base}\nLABEL from=stdin\n` });
  assert.equal(q.status, 0, q.stderr);
  assert.match(q.stdout, /^sha256:[0-9a-f]{64}\n$/);
  assert.equal(q.stderr, '');
  assert.equal(fs.readFileSync(iid, 'utf8'), q.stdout.trim());
  // -f another file; -o type=local writes the result's files.
  fs.writeFileSync(path.join(dir, 'other.Dockerfile'), `FROM ${base}\nCOPY --chmod=600 Containerfile /copied\n`);
  const out = path.join(dir, 'out');
  const f = await build(['-f', path.join(dir, 'other.Dockerfile'), '-o', `type=local,dest=${out}`, '--progress', 'plain', dir]);
  assert.equal(f.status, 0, f.stderr);
  assert.ok(fs.readFileSync(path.join(out, 'copied'), 'utf8').includes('AS unused'));
  assert.ok(fs.existsSync(path.join(out, 'bin', 'busybox')) || fs.existsSync(path.join(out, 'bin', 'sh')));
});

test('.dockerignore: patterns, exceptions, the Dockerfile kept; <file>.dockerignore beside the Dockerfile wins', { skip }, async () => {
  const dir = context('ignore', {
    Dockerfile: `FROM ${s.ref('test/layered')}\nCOPY . /ctx/\nRUN cd /ctx && find . -type f | sort\n`,
    '.dockerignore': '# comment\n*\n!keep\n!src/**/*.c\nsrc/skip.c\n',
    'keep/x.txt': 'x', 'src/a/b.c': 'c', 'src/skip.c': 's', 'src/a/b.o': 'o', 'secret.txt': 's',
  });
  const r = await build(['-t', 'ignored:1', '--progress', 'plain', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(await runIn('ignored:1', ['sh', '-c', 'cd /ctx && find . -type f | sort']), './.dockerignore\n./Dockerfile\n./keep/x.txt\n./src/a/b.c\n');
  fs.writeFileSync(path.join(dir, 'Dockerfile.dockerignore'), 'secret.txt\nsrc\n');
  spawnSync('chown', [`${s.env.uid}`, path.join(dir, 'Dockerfile.dockerignore')]);
  const r2 = await build(['-t', 'ignored:2', '--progress', 'plain', dir]);
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(await runIn('ignored:2', ['sh', '-c', 'cd /ctx && find . -type f | sort']), './.dockerignore\n./Dockerfile\n./Dockerfile.dockerignore\n./keep/x.txt\n');
  const missing = await build([dir.replace('ignore', 'ignore-none')]);
  assert.equal(missing.status, 125);
  const absent = context('ignore-copy', { Dockerfile: `FROM ${s.ref('test/layered')}\nCOPY secret.txt /\n`, 'secret.txt': 'x', '.dockerignore': 'secret.txt\n' });
  const ex = await build([absent]);
  assert.equal(ex.status, 125);
  assert.match(ex.stderr, /secret.txt/);
});

test('a failing RUN exits with its status, naming the step and showing its output; syntax errors name the line', { skip }, async () => {
  const dir = context('fail', { Dockerfile: `FROM ${s.ref('test/layered')}\nRUN echo before-the-failure && exit 3\nRUN echo never\n` });
  const r = await build(['-t', 'fail:1', '--progress', 'plain', dir]);
  assert.equal(r.status, 3, r.stderr);
  assert.match(r.stderr, /before-the-failure/);
  assert.match(r.stderr, /step 2\/3 .*returned a non-zero code: 3/);
  assert.doesNotMatch(r.stderr, /echo never\n/);
  assert.equal((await s.env.tspod(['images', '-q', 'fail'])).stdout, '');
  const q = await build(['-q', dir]);
  assert.equal(q.status, 3);
  assert.match(q.stderr, /before-the-failure/);
  const syntax = context('syntax', { Dockerfile: `FROM ${s.ref('test/layered')}\n\nFOOBAR x\n` });
  const e = await build([syntax]);
  assert.equal(e.status, 125);
  assert.match(e.stderr, /Dockerfile:3: unknown instruction: FOOBAR/);
});

test('RUN --mount: a cache that outlives builds, secrets, binds from the context and a stage, tmpfs; RUN --network; ADD of a URL', { skip }, async () => {
  const server = http.createServer((req, res) => { res.setHeader('last-modified', 'Tue, 01 Jan 2019 00:00:00 GMT'); res.end(`served ${req.url}\n`); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  try {
    const dir = context('mounts', {
      Dockerfile: `FROM ${s.ref('test/layered')} AS tools\nRUN echo tool > /tool.txt\n`
        + `FROM ${s.ref('test/layered')}\n`
        + 'RUN --mount=type=cache,target=/cache,id=counter n=$(cat /cache/n 2>/dev/null || echo 0); echo $((n+1)) > /cache/n; echo "count=$((n+1))"\n'
        + 'RUN --mount=type=secret,id=token cat /run/secrets/token > /token-copy\n'
        + 'RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt --mount=type=bind,from=tools,source=/tool.txt,target=/mnt/tool.txt cat /mnt/data.txt /mnt/tool.txt > /bound\n'
        + 'RUN --network=none cat /sys/class/net/*/address | wc -l > /ifaces\n'
        + 'RUN --mount=type=tmpfs,target=/scratch,size=1m echo x > /scratch/f && grep -c " /scratch tmpfs .*size=1024k" /proc/mounts > /tmpfs-seen\n'
        + `ADD http://127.0.0.1:${port}/dl/file.txt /downloads/\n`,
      'data.txt': 'data\n',
      'token.txt': 's3cret\n',
    });
    const args = ['--secret', `id=token,src=${path.join(dir, 'token.txt')}`, '--progress', 'plain', dir];
    const r1 = await build(['--no-cache', '-t', 'mounts:1', ...args]);
    assert.equal(r1.status, 0, r1.stderr);
    assert.match(r1.stderr, /count=1/);
    const r2 = await build(['--no-cache', '-t', 'mounts:1', ...args]);
    assert.equal(r2.status, 0, r2.stderr);
    assert.match(r2.stderr, /count=2/, 'the cache mount outlived the first build');
    const out = await runIn('mounts:1', ['sh', '-c', 'cat /token-copy /bound /ifaces /downloads/file.txt; stat -c %a /downloads/file.txt; cat /tmpfs-seen; ls /scratch | wc -l; ls /cache /run/secrets /mnt 2>&1 | wc -l; test -e /cache/n || echo no-cache-in-image']);
    assert.equal(out.split('\n').slice(0, 8).join('\n'), 's3cret\ndata\ntool\n1\nserved /dl/file.txt\n600\n1\n0');
    assert.match(out, /no-cache-in-image/);
  } finally {
    server.close();
  }
});

test('the result is a normal image: push, save; same Config fields as podman build', { skip }, async () => {
  const push = await s.env.tspod(['tag', 'multi:1', s.ref('built/multi:1')]);
  assert.equal(push.status, 0, push.stderr);
  const p = await s.env.tspod(['push', s.ref('built/multi:1')]);
  assert.equal(p.status, 0, p.stderr);
  const save = await s.env.tspod(['save', '-o', path.join(s.env.scratch, 'multi.tar'), 'multi:1']);
  assert.equal(save.status, 0, save.stderr);
  if (noPodman) return;
  // podman needs a base whose history matches its layers: FROM scratch, the fixture's files copied in (tested here too).
  const flat = context('flat', { Dockerfile: `FROM scratch\nCOPY --from=${s.ref('test/layered')} / /\nCMD ["sh"]\n` });
  const fb = await build(['-t', s.ref('test/flat:1'), flat]);
  assert.equal(fb.status, 0, fb.stderr);
  assert.equal((await s.env.tspod(['push', s.ref('test/flat:1')])).status, 0);
  assert.equal(await runIn(s.ref('test/flat:1'), ['cat', '/opt/olddir/new.txt']).catch(() => 'x'), await runIn(s.ref('test/layered'), ['cat', '/opt/olddir/new.txt']).catch(() => 'x'));
  const dir = context('podman-multi', {
    Dockerfile: MULTI(s.ref('test/flat:1'), false), // podman 4.3 has no heredocs
    'app.sh': '#!/bin/sh\necho app\n', 'lib/a.txt': 'A\n', 'files.tar.gz': makeTarGz(),
  });
  const ours = await build(['-t', 'multi:flat', dir]);
  assert.equal(ours.status, 0, ours.stderr);
  const pb = podman(s.env, ['build', '--tls-verify=false', '--format', 'docker', '--network', 'none', '-t', 'localhost/multi:podman', dir]);
  assert.equal(pb.status, 0, pb.stderr);
  const theirs = podman(s.env, ['image', 'inspect', 'localhost/multi:podman']);
  assert.equal(theirs.status, 0, theirs.stderr);
  const mine = await s.env.tspod(['image', 'inspect', 'multi:flat']);
  assert.equal(mine.status, 0, mine.stderr);
  const pick = (c: Record<string, any>) => ({
    Entrypoint: c.Entrypoint, Cmd: c.Cmd, WorkingDir: c.WorkingDir, User: c.User, ExposedPorts: c.ExposedPorts, Volumes: c.Volumes,
    StopSignal: c.StopSignal, Env: [...c.Env].sort(), Labels: Object.fromEntries(Object.entries(c.Labels ?? {}).filter(([k]) => !k.startsWith('io.buildah'))),
  });
  assert.deepEqual(pick(JSON.parse(mine.stdout)[0].Config), pick(JSON.parse(theirs.stdout)[0].Config));
});

test('registry cache: --cache-to pushes the steps; a fresh store with --cache-from reuses them and gives the same image', { skip }, async () => {
  const dir = context('regcache', {
    Dockerfile: `FROM ${s.ref('test/layered')}\nRUN echo expensive > /result\nCOPY a.txt /a.txt\nRUN cat /a.txt >> /result\nCMD ["cat", "/result"]\n`,
    'a.txt': 'a\n',
  });
  const first = await build(['-t', 'regcache:1', '--cache-to', s.ref('cache/app'), '--progress', 'plain', dir]);
  assert.equal(first.status, 0, first.stderr);
  // Another runner: a fresh store (its own --root and --runroot), nothing but the registry in common.
  const fresh = path.join(s.env.scratch, 'fresh');
  fs.mkdirSync(path.join(fresh, 'root'), { recursive: true });
  fs.mkdirSync(path.join(fresh, 'run'), { recursive: true, mode: 0o700 });
  spawnSync('chown', ['-R', `${s.env.uid}`, fresh]);
  const roots = ['--root', path.join(fresh, 'root'), '--runroot', path.join(fresh, 'run')];
  const second = await s.env.tspod([...roots, 'build', '--network', 'none', '--cache-from', s.ref('cache/app'), '-t', 'regcache:1', '--progress', 'plain', dir], { timeoutMs: 240_000 });
  assert.equal(second.status, 0, second.stderr);
  assert.equal(stepsCached(second.stderr), 4, second.stderr);
  assert.equal(second.stdout, first.stdout, 'the same image id');
  const r = await s.env.tspod([...roots, 'run', '--rm', '--network', 'none', 'regcache:1']);
  assert.equal(r.stdout, 'expensive\na\n', r.stderr);
  await s.env.tspod([...roots, 'system', 'reset', '-f']);
});

test('COPY never reads a host file through a symlink in the context; a link itself is copied as a link', { skip }, async () => {
  const dir = context('links', { Dockerfile: `FROM ${s.ref('test/layered')}\nCOPY out/passwd /stolen\n`, 'real.txt': 'real\n' });
  fs.symlinkSync('/etc', path.join(dir, 'out'));
  fs.symlinkSync('real.txt', path.join(dir, 'link.txt'));
  spawnSync('chown', ['-h', `${s.env.uid}`, path.join(dir, 'out'), path.join(dir, 'link.txt')]);
  const r = await build([dir]);
  assert.equal(r.status, 125, r.stderr);
  assert.match(r.stderr, /not found in build context/);
  fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${s.ref('test/layered')}\nCOPY link.txt real.txt /d/\n`);
  const ok = await build(['-t', 'links:1', dir]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(await runIn('links:1', ['sh', '-c', 'readlink /d/link.txt; cat /d/link.txt']), 'real.txt\nreal\n');
});

test('RUN on the default network (the user-mode stack) and on the host network', { skip }, async () => {
  const dir = context('net', { Dockerfile: `FROM ${s.ref('test/layered')}\nRUN ls /sys/class/net | sort | tr '\\n' ' ' > /default-net\nRUN --network=host test -e /sys/class/net/lo && echo host-ok > /host-net\n` });
  const r = await s.env.tspod(['build', '-t', 'net:1', '--progress', 'plain', dir], { timeoutMs: 240_000 });
  assert.equal(r.status, 0, r.stderr);
  const out = await runIn('net:1', ['cat', '/default-net', '/host-net']);
  const names = out.split('host-ok')[0].trim().split(' ');
  assert.ok(names.includes('lo') && names.length >= 2, `an interface besides lo: ${out}`);
  assert.match(out, /host-ok/);
});

test('--pull-never refuses a base not stored; --pull pulls it again; -o type=tar writes the filesystem', { skip }, async () => {
  const dir = context('pull', { Dockerfile: `FROM ${s.ref('test/layered')}\nRUN echo made > /made\n` });
  const never = await build(['--pull-never', '-'], { input: `FROM ${s.ref('test/not-there')}\n` });
  assert.equal(never.status, 125);
  const always = await build(['--pull', '--progress', 'plain', dir]);
  assert.equal(always.status, 0, always.stderr);
  const tarFile = path.join(dir, 'out.tar');
  const t = await build(['-o', `type=tar,dest=${tarFile}`, dir]);
  assert.equal(t.status, 0, t.stderr);
  const list = spawnSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).stdout.split('\n');
  assert.ok(list.some((l) => l.replace(/^\.?\//, '') === 'made'), list.slice(0, 20).join(','));
});
