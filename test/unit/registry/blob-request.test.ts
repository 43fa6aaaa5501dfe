/** openBlobRequest: the GET an unpacking helper sends for its layer. */
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { openBlobRequest } from '../../../src/registry/client.ts';
import { RegistryError } from '../../../src/errors.ts';

async function serve(handler: http.RequestListener): Promise<{ host: string; seen: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => { seen.push(req.headers); handler(req, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { host: `127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const read = (res: http.IncomingMessage) => new Promise<string>((resolve) => { let s = ''; res.on('data', (d) => (s += d)); res.on('end', () => resolve(s)); });

test('the authorization goes to the registry host only, not where it redirects', async () => {
  const cdn = await serve((_req, res) => res.end('blob bytes'));
  const reg = await serve((_req, res) => { res.writeHead(307, { location: `http://${cdn.host}/signed?x=1` }); res.end(); });
  try {
    const res = await openBlobRequest({ url: `http://${reg.host}/v2/a/blobs/sha256:00`, authorization: 'Bearer secret', authHost: reg.host, insecure: false });
    assert.equal(res.statusCode, 200);
    assert.equal(await read(res), 'blob bytes');
    assert.equal(reg.seen[0].authorization, 'Bearer secret');
    assert.equal(cdn.seen[0].authorization, undefined);
  } finally { await cdn.close(); await reg.close(); }
});

test('a refusal is returned as a status, for the caller to fetch the blob itself', async () => {
  const reg = await serve((_req, res) => { res.writeHead(401, { 'www-authenticate': 'Bearer realm="x"' }); res.end(); });
  try {
    const res = await openBlobRequest({ url: `http://${reg.host}/v2/a/blobs/sha256:00`, authHost: reg.host, insecure: false });
    assert.equal(res.statusCode, 401);
    res.resume();
  } finally { await reg.close(); }
});

test('a registry that is not there is a temporary registry error', async () => {
  const reg = await serve(() => {});
  const host = reg.host;
  await reg.close();
  await assert.rejects(openBlobRequest({ url: `http://${host}/v2/a/blobs/sha256:00`, authHost: host, insecure: false }),
    (err: unknown) => err instanceof RegistryError && err.temporary);
});
