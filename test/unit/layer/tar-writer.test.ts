import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { encodeHeader, padding, TAR_END, type TarHeader } from '../../../src/layer/tar-writer.ts';
import { readTar } from '../../../src/layer/tar-reader.ts';

function archive(entries: Array<TarHeader & { content?: Buffer }>): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(encodeHeader(e));
    if (e.content) parts.push(e.content, Buffer.alloc(padding(e.content.length)));
  }
  parts.push(TAR_END);
  return Buffer.concat(parts);
}

test('what the writer writes, the reader reads back: long names, big ids, xattrs, links', async () => {
  const long = `${'deep/'.repeat(30)}file.txt`;
  const entries: Array<TarHeader & { content?: Buffer }> = [
    { path: 'dir/', type: 'dir', mode: 0o2775, uid: 0, gid: 100, size: 0, mtime: 1700000000 },
    { path: long, type: 'file', mode: 0o644, uid: 3_000_000, gid: 5, size: 5, mtime: 1, content: Buffer.from('hello'), xattrs: new Map([['security.capability', Buffer.from([1, 0, 0, 2, 0xff])]]) },
    { path: 'link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, mtime: 0, linkpath: `/${'x'.repeat(150)}` },
    { path: 'hard', type: 'hardlink', mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 0, linkpath: long },
  ];
  const out = [];
  for await (const e of readTar(Readable.from([archive(entries)]))) {
    let body = '';
    for await (const c of e.body()) body += c.toString();
    out.push({ path: e.path, type: e.type, mode: e.mode, uid: e.uid, gid: e.gid, mtime: e.mtime, linkpath: e.linkpath, body, caps: e.xattrs.get('security.capability')?.toString('hex') });
  }
  assert.deepEqual(out.map((e) => e.path), ['dir/', long, 'link', 'hard']);
  assert.equal(out[0].mode, 0o2775);
  assert.equal(out[1].uid, 3_000_000);
  assert.equal(out[1].body, 'hello');
  assert.equal(out[1].caps, '01000002ff');
  assert.equal(out[2].linkpath, `/${'x'.repeat(150)}`);
  assert.equal(out[3].linkpath, long);
});

test('the same entries give the same bytes', () => {
  const e: TarHeader = { path: 'a', type: 'file', mode: 0o600, uid: 1, gid: 2, size: 0, mtime: 3, xattrs: new Map([['b', Buffer.from('1')], ['a', Buffer.from('2')]]) };
  assert.deepEqual(encodeHeader(e), encodeHeader({ ...e, xattrs: new Map([...e.xattrs!].reverse()) }));
});
