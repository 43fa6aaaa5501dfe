import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { readTar } from '../../../src/layer/tar-reader.ts';
import { safeRelativePath } from '../../../src/layer/rules.ts';
import { TarSplitWriter, assembleTar } from '../../../src/layer/tar-split.ts';
import { tarOf } from '../../fixtures/oci-image.ts';

/** Reads `tar` in `chunk`-byte pieces recording its tar-split, writing regular files' bodies under root (as unpacking would). */
async function record(tar: Buffer, root: string, split: string, chunk: number): Promise<void> {
  const parts: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) parts.push(tar.subarray(i, i + chunk));
  const w = new TarSplitWriter(split);
  for await (const e of readTar(Readable.from(parts), w)) {
    const rel = safeRelativePath(e.path);
    if (e.type === 'dir') fs.mkdirSync(path.join(root, rel), { recursive: true });
    if (e.type !== 'file' || e.path.includes('.wh.')) continue; // whiteouts are not read, like the layer writer
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    const bufs: Buffer[] = [];
    for await (const c of e.body()) bufs.push(Buffer.from(c));
    fs.writeFileSync(path.join(root, rel), Buffer.concat(bufs));
  }
  w.finish();
}

async function assemble(split: string, root: string): Promise<Buffer> {
  const out = new PassThrough();
  const bufs: Buffer[] = [];
  out.on('data', (c: Buffer) => bufs.push(c));
  await assembleTar(split, root, out);
  out.end();
  return Buffer.concat(bufs);
}

test('a recorded tar is put together again byte for byte from the files, whatever the chunking', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-split-'));
  try {
    const big = Buffer.alloc(3 << 20, 7);
    big.write('end', big.length - 3);
    const tar = Buffer.concat([tarOf([
      { path: './', type: 'dir' },
      { path: 'etc', type: 'dir', mode: 0o700, uid: 3 },
      { path: 'etc/conf', content: 'a=1\n', xattrs: { 'security.capability': 'x' } },
      { path: 'etc/.wh.gone', content: '' },
      { path: 'etc/.wh.withbody', content: 'whiteouts are not read' },
      { path: 'link', linkpath: 'etc/conf' },
      { path: 'hard', type: 'hardlink', linkpath: 'etc/conf' },
      { path: `${'long/'.repeat(30)}name`, content: 'deep' },
      { path: 'big', content: big.toString('latin1') },
      { path: 'empty', content: '' },
    ]), Buffer.alloc(8192)]); // extra zeros after the end marker, as tar's record padding
    for (const chunk of [7, 512, 65536, tar.length]) {
      const root = path.join(dir, `root-${chunk}`);
      const split = path.join(dir, `split-${chunk}`);
      fs.mkdirSync(root);
      await record(tar, root, split, chunk);
      const again = await assemble(split, root);
      assert.equal(again.length, tar.length, `chunk ${chunk}`);
      assert.ok(again.equals(tar), `chunk ${chunk}: same bytes`);
      assert.ok(fs.statSync(split).size < 8192, 'the record holds no file contents');
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a file changed since it was unpacked gives another tar (the caller checks the diffID); a damaged record is an error', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tspod-split-'));
  try {
    const tar = tarOf([{ path: 'a', content: 'hello' }]);
    await record(tar, dir, path.join(dir, 'split'), 512);
    fs.writeFileSync(path.join(dir, 'a'), 'HELLO');
    assert.ok(!(await assemble(path.join(dir, 'split'), dir)).equals(tar));
    fs.writeFileSync(path.join(dir, 'a'), 'he');
    await assert.rejects(assemble(path.join(dir, 'split'), dir), { code: 'ERR_TSPOD_STORAGE' });
    fs.writeFileSync(path.join(dir, 'bad'), 'not a record');
    await assert.rejects(assemble(path.join(dir, 'bad'), dir), { code: 'ERR_TSPOD_STORAGE' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
