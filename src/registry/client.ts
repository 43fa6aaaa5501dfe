/**
 * A registry v2 client: manifests and blobs over HTTPS (or HTTP for insecure
 * registries), with the anonymous/credentialed bearer-token flow and basic
 * auth driven by WWW-Authenticate. Authorization never reaches the logs.
 */
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import { parseChallenges } from './challenge.ts';
import type { Credentials } from './config.ts';
import { MANIFEST_ACCEPT } from './manifest.ts';
import { RegistryError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export interface ClientOptions {
  /** Registry as named in references (docker.io, 127.0.0.1:5000). */
  host: string;
  /** Allow plain HTTP and unverified TLS. */
  insecure: boolean;
  credentials?: Credentials;
}

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  stream: http.IncomingMessage;
}

/**
 * A blob GET another process makes itself (the pull's unpacking helper
 * fetches its own layer): the URL and the registry host the authorization
 * belongs to. It carries a secret: pass it on a pipe, never in argv or logs.
 */
export interface BlobRequest {
  url: string;
  /** Sent to `authHost` only (a redirect elsewhere, such as a CDN's signed URL, gets none). */
  authorization?: string;
  authHost: string;
  /** Allow unverified TLS. */
  insecure: boolean;
}

/** A request body: bytes, or a factory of a fresh stream (so the request can be sent again). */
export type Body = Buffer | (() => import('node:stream').Readable);

const TEMPORARY_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNREFUSED', 'UND_ERR_SOCKET']);
const USER_AGENT = 'tspod/0.1';

function readAll(stream: http.IncomingMessage, limit = 32 << 20): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    stream.on('data', (c: Buffer) => {
      n += c.length;
      if (n > limit) { stream.destroy(); reject(new RegistryError('registry response too large')); }
      chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** The distribution spec's error body, summarized. */
function registryMessage(body: Buffer): string {
  try {
    const doc = JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> };
    if (doc.errors?.length) return doc.errors.map((e) => [e.code, e.message].filter(Boolean).join(': ')).join('; ');
  } catch { /* not JSON */ }
  return body.toString('utf8').trim().slice(0, 200);
}

export class RegistryClient {
  private readonly opts: ClientOptions;
  private readonly apiHost: string;
  private scheme: 'https' | 'http' | undefined;
  private readonly tokens = new Map<string, string>();
  private basic = false;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(opts: ClientOptions) {
    this.opts = opts;
    this.apiHost = opts.host === 'docker.io' ? 'registry-1.docker.io' : opts.host;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 8 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: !opts.insecure }),
    };
  }

  /** Frees sockets; the client is unusable afterwards. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  private send(url: URL, method: string, headers: Record<string, string>, body?: Body): Promise<Response> {
    // The request log names method and URL only: never headers (Authorization) nor query secrets.
    debug('%s %s%s', method, url.origin, url.pathname);
    return new Promise((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      const agent = url.protocol === 'http:' ? this.agents.http : this.agents.https;
      const req = mod.request(url, { method, headers: { 'user-agent': USER_AGENT, ...headers }, agent, timeout: 60_000 }, (res) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, stream: res }));
      req.on('timeout', () => {
        // Settled here as temporary; the reset that destroy() causes is then ignored.
        reject(new RegistryError(`${method} ${url.origin}${url.pathname}: timed out`, { temporary: true }));
        req.destroy();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? '';
        reject(new RegistryError(`${method} ${url.origin}${url.pathname}: ${err.message}`, {
          temporary: TEMPORARY_CODES.has(code), cause: err,
        }));
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        const src = body();
        src.on('error', (err) => req.destroy(err));
        src.pipe(req);
      }
    });
  }

  /** Decides between https and (for insecure registries) http, once. */
  private async base(): Promise<string> {
    if (this.scheme) return `${this.scheme}://${this.apiHost}`;
    try {
      const r = await this.send(new URL(`https://${this.apiHost}/v2/`), 'GET', {});
      r.stream.resume();
      this.scheme = 'https';
    } catch (err) {
      if (!this.opts.insecure) throw err;
      debug('https to %s failed (%s); insecure registry, using http', this.apiHost, (err as Error).message);
      this.scheme = 'http';
    }
    return `${this.scheme}://${this.apiHost}`;
  }

  private async authenticate(challengeHeader: string, scope: string): Promise<void> {
    const scopes = scope.split(' ');
    const challenges = parseChallenges(challengeHeader);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const creds = this.opts.credentials;
    if (bearer?.params.realm) {
      const url = new URL(bearer.params.realm);
      if (bearer.params.service) url.searchParams.set('service', bearer.params.service);
      for (const sc of scopes) if (sc) url.searchParams.append('scope', sc);
      const headers: Record<string, string> = {};
      if (creds) headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
      debug('fetching token from %s for %s', url.origin + url.pathname, scope);
      if (!creds && scopes.some((sc) => sc.includes('push'))) debug('no credentials for %s: asking for an anonymous push token', this.opts.host);
      const r = await this.send(url, 'GET', headers);
      const body = await readAll(r.stream);
      if (r.status !== 200) {
        throw new RegistryError(`authenticating to ${this.opts.host}: token server answered ${r.status}: ${registryMessage(body)}`,
          { code: 'ERR_TSPOD_AUTH', status: r.status });
      }
      const doc = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
      const token = doc.token ?? doc.access_token;
      if (!token) throw new RegistryError(`authenticating to ${this.opts.host}: token server gave no token`, { code: 'ERR_TSPOD_AUTH' });
      this.tokens.set(scope, token);
      return;
    }
    if (challenges.some((c) => c.scheme === 'basic')) {
      if (!creds) throw new RegistryError(`${this.opts.host} requires a login (no credentials found in the auth files)`, { code: 'ERR_TSPOD_AUTH', status: 401 });
      this.basic = true;
      return;
    }
    throw new RegistryError(`${this.opts.host}: unsupported authentication challenge \`${challengeHeader}\``, { code: 'ERR_TSPOD_AUTH' });
  }

  private authHeader(scope: string): Record<string, string> {
    const token = this.tokens.get(scope);
    if (token) return { authorization: `Bearer ${token}` };
    const creds = this.opts.credentials;
    if (this.basic && creds) return { authorization: `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` };
    return {};
  }

  /** GET with auth and redirects; non-2xx statuses are returned, not thrown. */
  async get(repo: string, pathname: string, headers: Record<string, string> = {}): Promise<Response> {
    const scope = `repository:${repo}:pull`;
    let url = new URL(`${await this.base()}/v2/${repo}/${pathname}`);
    let authTried = false;
    for (let hops = 0; hops < 10; hops++) {
      const sameHost = url.host === this.apiHost;
      const r = await this.send(url, 'GET', { ...headers, ...(sameHost ? this.authHeader(scope) : {}) });
      if (r.status === 401 && sameHost && !authTried && r.headers['www-authenticate']) {
        r.stream.resume();
        authTried = true;
        await this.authenticate(String(r.headers['www-authenticate']), scope);
        continue;
      }
      if ([301, 302, 303, 307, 308].includes(r.status) && r.headers.location) {
        r.stream.resume();
        url = new URL(r.headers.location, url);
        continue;
      }
      return r;
    }
    throw new RegistryError(`too many redirects fetching ${pathname} from ${this.opts.host}`);
  }

  /**
   * Any request within the registry's API, authenticated for `scope` (space
   * separated, e.g. `repository:a:pull,push repository:b:pull`); `target` is
   * a path below /v2/ or an absolute URL (an upload location). The body is
   * bytes or a factory (called again for the retry after a 401). Non-2xx
   * statuses are returned, not thrown; redirects are not followed.
   */
  async request(method: string, target: string, opts: { scope: string; headers?: Record<string, string>; body?: Body }): Promise<Response> {
    const base = await this.base();
    const url = /^https?:/.test(target) ? new URL(target) : new URL(target.startsWith('/') ? `${base}${target}` : `${base}/v2/${target}`);
    const sameHost = url.host === this.apiHost;
    let r = await this.send(url, method, { ...opts.headers, ...(sameHost ? this.authHeader(opts.scope) : {}) }, opts.body);
    if (r.status === 401 && sameHost && r.headers['www-authenticate']) {
      r.stream.resume();
      await this.authenticate(String(r.headers['www-authenticate']), opts.scope);
      r = await this.send(url, method, { ...opts.headers, ...this.authHeader(opts.scope) }, opts.body);
    }
    return r;
  }

  /** Checks that the registry accepts these credentials (GET /v2/ with the auth it asks for); throws ERR_TSPOD_AUTH if not. */
  async checkLogin(): Promise<void> {
    const url = new URL(`${await this.base()}/v2/`);
    let r = await this.send(url, 'GET', {});
    if (r.status === 401 && r.headers['www-authenticate']) {
      r.stream.resume();
      await this.authenticate(String(r.headers['www-authenticate']), '');
      r = await this.send(url, 'GET', this.authHeader(''));
    }
    if (r.status !== 200) await this.fail(r, `logging in to ${this.opts.host}`);
    r.stream.resume();
  }

  /** The registry host as references name it. */
  get host(): string { return this.opts.host; }

  /** The absolute URL of an upload `Location` header, relative to the API base. */
  async resolve(location: string): Promise<string> {
    return new URL(location, `${await this.base()}/v2/`).toString();
  }

  /** Throws a RegistryError for a non-2xx response, consuming its body. */
  async fail(r: Response, what: string): Promise<never> {
    const body = await readAll(r.stream).catch(() => Buffer.alloc(0));
    const msg = registryMessage(body);
    if (r.status === 413) {
      throw new RegistryError(`${what}: the registry refused the upload as too large (413)${msg ? `: ${msg}` : ''}`, { status: 413 });
    }
    if (r.status === 401 || r.status === 403) {
      throw new RegistryError(`${what}: access denied (${r.status})${msg ? `: ${msg}` : ''}`, { code: 'ERR_TSPOD_AUTH', status: r.status });
    }
    if (r.status === 404) {
      throw new RegistryError(`${what}: not found${msg ? `: ${msg}` : ''}`, { code: 'ERR_TSPOD_NO_SUCH_IMAGE', status: 404 });
    }
    throw new RegistryError(`${what}: registry answered ${r.status}${msg ? `: ${msg}` : ''}`, {
      temporary: r.status >= 500 || r.status === 429, status: r.status,
    });
  }

  /** Fetches a manifest by tag or digest; the digest is verified when asked by digest. */
  async manifest(repo: string, reference: string): Promise<{ mediaType: string; digest: string; body: Buffer }> {
    const what = `fetching manifest ${this.opts.host}/${repo}:${reference}`;
    const r = await this.get(repo, `manifests/${reference}`, { accept: MANIFEST_ACCEPT });
    if (r.status !== 200) await this.fail(r, what);
    const body = await readAll(r.stream);
    const digest = `sha256:${crypto.createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw new RegistryError(`${what}: content digest ${digest} does not match`, { code: 'ERR_TSPOD_DIGEST_MISMATCH' });
    }
    let mediaType = String(r.headers['content-type'] ?? '').split(';')[0].trim();
    try {
      const doc = JSON.parse(body.toString('utf8')) as { mediaType?: string };
      if (doc.mediaType) mediaType = doc.mediaType;
    } catch {
      throw new RegistryError(`${what}: manifest is not JSON`);
    }
    return { mediaType, digest, body };
  }

  /** Every tag of a repository (following the Link header's pages). */
  async tags(repo: string): Promise<string[]> {
    const out: string[] = [];
    let next: string | undefined = 'tags/list?n=1000';
    for (let pages = 0; next && pages < 100; pages++) {
      const r = await this.get(repo, next);
      if (r.status !== 200) await this.fail(r, `listing the tags of ${this.opts.host}/${repo}`);
      const doc = JSON.parse((await readAll(r.stream)).toString('utf8')) as { tags?: string[] | null };
      out.push(...(doc.tags ?? []));
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(r.headers.link ?? ''))?.[1];
      next = link ? link.replace(new RegExp(`^(https?://[^/]+)?/v2/${repo}/`), '') : undefined;
    }
    return out;
  }

  /** Repository names from /v2/_catalog (following pages), for search. */
  async catalog(limit = 10_000): Promise<string[]> {
    const base = await this.base();
    const out: string[] = [];
    let url: URL | undefined = new URL(`${base}/v2/_catalog?n=1000`);
    for (let pages = 0; url && pages < 100 && out.length < limit; pages++) {
      const r = await this.request('GET', url.toString(), { scope: 'registry:catalog:*' });
      if (r.status !== 200) await this.fail(r, `listing the repositories of ${this.opts.host}`);
      const doc = JSON.parse((await readAll(r.stream)).toString('utf8')) as { repositories?: string[] | null };
      out.push(...(doc.repositories ?? []));
      const link = /<([^>]+)>;\s*rel="?next"?/.exec(String(r.headers.link ?? ''))?.[1];
      url = link ? new URL(link, url) : undefined;
    }
    return out;
  }

  /**
   * The GET of a blob as this client would send it now (scheme decided, the
   * token it holds for the repository), for `openBlobRequest` in another
   * process. A 401 there means the token is missing or expired: fetch the
   * blob through `blob` then, which authenticates.
   */
  async blobRequest(repo: string, digest: string): Promise<BlobRequest> {
    const url = `${await this.base()}/v2/${repo}/blobs/${digest}`;
    return { url, authorization: this.authHeader(`repository:${repo}:pull`).authorization, authHost: this.apiHost, insecure: this.opts.insecure };
  }

  /** Opens a blob for reading; the caller verifies the digest while reading. */
  async blob(repo: string, digest: string): Promise<Response> {
    const r = await this.get(repo, `blobs/${digest}`);
    if (r.status !== 200) await this.fail(r, `fetching blob ${digest.slice(0, 19)}`);
    return r;
  }
}

/**
 * Sends a BlobRequest (following up to 10 redirects) and resolves with the
 * final response whatever its status; network failures reject with a
 * temporary RegistryError. The body's own failures (a reset mid-way) are
 * the stream's errors.
 */
export async function openBlobRequest(req: BlobRequest): Promise<http.IncomingMessage> {
  let url = new URL(req.url);
  for (let hops = 0; hops < 10; hops++) {
    debug('GET %s%s', url.origin, url.pathname);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    if (req.authorization && url.host === req.authHost) headers.authorization = req.authorization;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const mod = url.protocol === 'http:' ? http : https;
      const r = mod.request(url, { headers, agent: false, rejectUnauthorized: !req.insecure, timeout: 60_000 }, resolve);
      r.on('timeout', () => {
        reject(new RegistryError(`GET ${url.origin}${url.pathname}: timed out`, { temporary: true }));
        r.destroy();
      });
      r.on('error', (err: NodeJS.ErrnoException) => reject(new RegistryError(`GET ${url.origin}${url.pathname}: ${err.message}`, {
        temporary: TEMPORARY_CODES.has(err.code ?? ''), cause: err,
      })));
      r.end();
    });
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      url = new URL(res.headers.location, url);
      continue;
    }
    return res;
  }
  throw new RegistryError(`too many redirects fetching ${req.url}`);
}
