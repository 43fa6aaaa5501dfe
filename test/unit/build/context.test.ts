import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { openContext } from '../../../src/build/context.ts';
import { cacheReference } from '../../../src/build/registry-cache.ts';
import { cacheKey } from '../../../src/build/cache.ts';

function tree(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-ctx-'));
  for (const [p, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), c);
  }
  return dir;
}

const open = (dir: string, file?: string) => openContext({ contextArg: dir, file, stdin: Readable.from([]), tempDir: () => fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-t-')) });

test('Containerfile is picked when there is no Dockerfile; globs, walks and ignore rules', async () => {
  const dir = tree({ Containerfile: 'FROM x\n', 'a.txt': 'a', 'b.txt': 'b', 'c.md': 'c', 'src/x.c': 'x', 'src/x.o': 'o', '.dockerignore': '**/*.o\nc.md\n' });
  try {
    const { context, dockerfile, dockerfileName } = await open(dir);
    assert.equal(dockerfile, 'FROM x\n');
    assert.equal(dockerfileName, 'Containerfile');
    assert.deepEqual(context.match('*.txt').map((f) => f.rel), ['a.txt', 'b.txt']);
    assert.deepEqual(context.match('c.md'), []);
    assert.deepEqual(context.match('../../etc/passwd'), []);
    const src = context.match('src')[0];
    assert.deepEqual(context.walk(src).map((f) => f.rel), ['src/x.c']);
    assert.deepEqual(context.match('/src/x.c').map((f) => f.rel), ['src/x.c']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a symlink on the way out of the context is never followed', async () => {
  const dir = tree({ Dockerfile: 'FROM x\n' });
  fs.symlinkSync('/etc', path.join(dir, 'out'));
  try {
    const { context } = await open(dir);
    assert.deepEqual(context.match('out/hostname'), []);
    assert.equal(context.match('out')[0].st.isSymbolicLink(), true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('registry cache references default to the buildcache tag; cache keys chain', () => {
  assert.equal(cacheReference('127.0.0.1:5000/ci/app'), '127.0.0.1:5000/ci/app:buildcache');
  assert.equal(cacheReference('type=registry,ref=127.0.0.1:5000/ci/app:main'), '127.0.0.1:5000/ci/app:main');
  assert.notEqual(cacheKey('a', { cmd: 'RUN' }), cacheKey('b', { cmd: 'RUN' }));
  assert.equal(cacheKey('a', { cmd: 'RUN' }), cacheKey('a', { cmd: 'RUN' }));
});

test('context `-`: a tar on stdin is the context (its Dockerfile inside); anything else is the Dockerfile', async () => {
  const { c } = await import('tar');
  const src = tree({ Dockerfile: 'FROM y\n', 'f.txt': 'f' });
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-t-'));
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of c({ cwd: src, gzip: true }, ['Dockerfile', 'f.txt']) as unknown as AsyncIterable<Buffer>) chunks.push(chunk);
    const fromTar = await openContext({ contextArg: '-', stdin: Readable.from([Buffer.concat(chunks)]), tempDir: tmp });
    assert.equal(fromTar.dockerfile, 'FROM y\n');
    assert.deepEqual(fromTar.context.match('f.txt').map((f) => f.rel), ['f.txt']);
    fs.rmSync(fromTar.temp!, { recursive: true, force: true });
    const bare = await openContext({ contextArg: '-', stdin: Readable.from([Buffer.from('FROM z\n')]), tempDir: tmp });
    assert.equal(bare.dockerfile, 'FROM z\n');
    assert.deepEqual(bare.context.match('*'), []);
    fs.rmSync(bare.temp!, { recursive: true, force: true });
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
});
