/** HTTP from the host to a published port, for the e2e tests (a client, not tspod). */
import http from 'node:http';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** GET / (or `urlPath`) on host:port; the body. */
export function get(port: number, host = '127.0.0.1', urlPath = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port, path: urlPath, timeout: 5000, insecureHTTPParser: true }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => resolve(body));
      })
      .on('error', reject)
      .on('timeout', function (this: http.ClientRequest) {
        this.destroy(new Error('timeout'));
      });
  });
}

/** get() retried for about 5 s while the server starts. */
export async function fetchSoon(port: number, urlPath = '/'): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      return await get(port, '127.0.0.1', urlPath);
    } catch (err) {
      if (i > 50) throw err;
      await sleep(100);
    }
  }
}
