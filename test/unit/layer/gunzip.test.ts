/** FastGunzip: gzip framing read here, deflate by zlib's raw inflater, no CRC. */
import test from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { FastGunzip, gzipHeaderLength } from '../../../src/layer/gunzip.ts';

/** Feeds `input` in pieces of `piece` bytes; resolves with the output or rejects with the stream's error. */
async function run(input: Buffer, piece: number, opts: { slowReader?: boolean } = {}): Promise<Buffer> {
  const g = new FastGunzip(1 << 16);
  const out: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    g.on('error', reject);
    g.on('end', () => resolve(Buffer.concat(out)));
  });
  (async () => {
    for await (const d of g) {
      out.push(d as Buffer);
      if (opts.slowReader) await new Promise((r) => setImmediate(r));
    }
  })().catch(() => {});
  for (let i = 0; i < input.length; i += piece) {
    if (!g.write(input.subarray(i, i + piece))) await new Promise((r) => g.once('drain', r));
  }
  g.end();
  return done;
}

const text = Buffer.from('hello tar layer\n'.repeat(20000));
const random = crypto.randomBytes(300_000);

test('one member, in any chunking, gives what gunzip gives', async () => {
  for (const data of [text, random, Buffer.alloc(0)]) {
    const gz = zlib.gzipSync(data);
    for (const piece of [1, 7, 4096, 1 << 20]) {
      assert.deepEqual(await run(gz, piece), data, `piece ${piece}, ${data.length} bytes`);
    }
  }
});

test('members one after another are read as one stream; bytes after them that are no member are ignored', async () => {
  const gz = Buffer.concat([zlib.gzipSync(text), zlib.gzipSync(random), zlib.gzipSync(Buffer.alloc(0)), zlib.gzipSync(text)]);
  const want = Buffer.concat([text, random, text]);
  for (const piece of [1, 13, 65536, 1 << 20]) assert.deepEqual(await run(gz, piece), want, `piece ${piece}`);
  assert.deepEqual(await run(Buffer.concat([zlib.gzipSync(text), Buffer.alloc(512)]), 1000), text);
});

test('headers with extra field, name, comment and header CRC', () => {
  const body = zlib.deflateRawSync(text);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(zlib.crc32(text), 0);
  trailer.writeUInt32LE(text.length, 4);
  const head = Buffer.concat([
    Buffer.from([0x1f, 0x8b, 8, 2 | 4 | 8 | 16, 0, 0, 0, 0, 0, 3]),
    Buffer.from([3, 0]), Buffer.from('abc'), Buffer.from('name\0'), Buffer.from('comment\0'), Buffer.from([0, 0]),
  ]);
  assert.equal(gzipHeaderLength(head), head.length);
  assert.equal(gzipHeaderLength(head.subarray(0, head.length - 1)), 0);
  return run(Buffer.concat([head, body, trailer]), 5).then((out) => assert.deepEqual(out, text));
});

test('a slow reader holds the inflater back (a small blob that inflates hugely is not buffered whole)', async () => {
  const zeros = Buffer.alloc(8 << 20);
  assert.deepEqual(await run(zlib.gzipSync(zeros), 1 << 20, { slowReader: true }), zeros);
});

test('truncated, corrupt, wrong size or not gzip: an error', async () => {
  const gz = zlib.gzipSync(random);
  await assert.rejects(run(gz.subarray(0, gz.length - 3), 4096), /unexpected end/);
  await assert.rejects(run(gz.subarray(0, 5000), 4096), /unexpected end/);
  await assert.rejects(run(gz.subarray(0, 5), 4096), /unexpected end/);
  const wrongSize = Buffer.from(gz);
  wrongSize.writeUInt32LE(1, wrongSize.length - 4);
  await assert.rejects(run(wrongSize, 4096), /size/);
  const corrupt = zlib.gzipSync(text);
  corrupt[20] ^= 0xff;
  await assert.rejects(run(corrupt, 4096));
  await assert.rejects(run(Buffer.from('not gzip at all'), 4096), /header/);
});
