import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readTar, parsePax, parseNumeric } from '../../../src/layer/tar-reader.ts';
import { tarOf } from '../../fixtures/oci-image.ts';

async function entries(buf: Buffer, chunk = 7) {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  const out = [];
  for await (const e of readTar(Readable.from(parts))) {
    let body = '';
    if (e.type === 'file') for await (const c of e.body()) body += c.toString();
    out.push({ path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, linkpath: e.linkpath, body, xattrs: Object.fromEntries([...e.xattrs].map(([k, v]) => [k, v.toString()])) });
  }
  return out;
}

test('reads files, dirs, links, owners and modes across odd chunk sizes', async () => {
  const long = `${'d'.repeat(120)}/f`;
  const tar = tarOf([
    { path: 'dir', type: 'dir', mode: 0o2775, uid: 5, gid: 6 },
    { path: 'dir/file', content: 'hello', mode: 0o4755, uid: 1000, gid: 100, xattrs: { 'user.k': 'v' } },
    { path: 'link', linkpath: 'dir/file' },
    { path: 'hard', type: 'hardlink', linkpath: 'dir/file' },
    { path: long, content: 'x'.repeat(1000) },
  ]);
  const got = await entries(tar);
  assert.deepEqual(got.map((e) => [e.path, e.type]), [['dir/', 'dir'], ['dir/file', 'file'], ['link', 'symlink'], ['hard', 'hardlink'], [long, 'file']]);
  assert.equal(got[0].mode, 0o2775);
  assert.deepEqual([got[1].mode, got[1].uid, got[1].gid, got[1].body], [0o4755, 1000, 100, 'hello']);
  assert.deepEqual(got[1].xattrs, { 'user.k': 'v' });
  assert.equal(got[2].linkpath, 'dir/file');
  assert.equal(got[4].body.length, 1000);
});

test('skipping bodies works; corrupt headers are errors', async () => {
  const tar = tarOf([{ path: 'a', content: 'x'.repeat(600) }, { path: 'b', content: 'y' }]);
  const names = [];
  for await (const e of readTar(Readable.from([tar]))) names.push(e.path);
  assert.deepEqual(names, ['a', 'b']);
  const bad = Buffer.from(tar);
  bad[10] ^= 0xff;
  await assert.rejects(entries(bad), { code: 'ERR_TSPOD_LAYER' });
  await assert.rejects(entries(tar.subarray(0, 700)), /unexpected end/);
});

test('pax records keep binary values; numeric fields', () => {
  const rec = Buffer.concat([Buffer.from('27 SCHILY.xattr.user.b='), Buffer.from([0, 1, 2]), Buffer.from('\n')]);
  assert.deepEqual([...parsePax(rec).get('SCHILY.xattr.user.b')!], [0, 1, 2]);
  const h = Buffer.alloc(12);
  h.write('0000644\0');
  assert.equal(parseNumeric(h, 0, 8), 0o644);
  const big = Buffer.alloc(12);
  big[0] = 0x80; big[11] = 0x10; big[10] = 0x01;
  assert.equal(parseNumeric(big, 0, 12), 0x110);
});
