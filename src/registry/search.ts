/**
 * `search`: the Docker Hub search API (`/v1/search`) where a registry
 * speaks it, else the names in the registry's `/v2/_catalog` that contain
 * the term. Short terms search the unqualified-search registries
 * (docker.io when none are configured).
 */
import { RegistryClient } from './client.ts';
import { findCredentials, isInsecure, loadRegistriesConf } from './config.ts';
import { UsageError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export interface SearchResult {
  /** The registry searched (docker.io, 127.0.0.1:5000). */
  index: string;
  /** As docker shows it: `busybox` on Docker Hub, `host/path` elsewhere. */
  name: string;
  description: string;
  stars: number;
  official: boolean;
  automated: boolean;
}

export interface SearchOptions {
  term: string;
  limit?: number;
  filters?: string[];
  tlsVerify?: boolean;
  configHome: string;
}

export const SEARCH_FILTERS = ['stars', 'is-official', 'is-automated'] as const;

function splitTerm(input: string, search: string[] | undefined): { registries: string[]; term: string } {
  const i = input.indexOf('/');
  const head = i > 0 ? input.slice(0, i) : '';
  if (head && (head.includes('.') || head.includes(':') || head === 'localhost')) return { registries: [head === 'index.docker.io' ? 'docker.io' : head], term: input.slice(i + 1) };
  return { registries: search?.length ? search : ['docker.io'], term: input };
}

/** `key=value` filters, keys checked (docker's message for an unknown one). */
function parseFilters(specs: string[], keys: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const spec of specs) {
    const i = spec.indexOf('=');
    if (i < 0) throw new UsageError(`bad format of filter (expected name=value): ${spec}`);
    const key = spec.slice(0, i).trim().toLowerCase();
    if (!keys.includes(key)) throw new UsageError(`invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), spec.slice(i + 1)]);
  }
  return out;
}

const boolFilter = (v: string, key: string) => {
  if (!['true', 'false'].includes(v.toLowerCase())) throw new UsageError(`invalid filter '${key}=${v}': want true or false`);
  return v.toLowerCase() === 'true';
};

export async function searchImages(opts: SearchOptions): Promise<SearchResult[]> {
  if (!opts.term) throw new UsageError('search needs a term');
  const filters = parseFilters(opts.filters ?? [], SEARCH_FILTERS);
  const minStars = Math.max(0, ...(filters.get('stars') ?? []).map((v) => {
    if (!/^\d+$/.test(v)) throw new UsageError(`invalid filter 'stars=${v}'`);
    return Number(v);
  }));
  const official = filters.get('is-official')?.map((v) => boolFilter(v, 'is-official'));
  const automated = filters.get('is-automated')?.map((v) => boolFilter(v, 'is-automated'));
  const limit = opts.limit ?? 25;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError(`invalid limit ${opts.limit}: must be between 1 and 100`);
  const conf = loadRegistriesConf(opts.configHome);
  const { registries, term } = splitTerm(opts.term, conf.unqualifiedSearch);
  const out: SearchResult[] = [];
  let lastErr: unknown;
  for (const host of registries) {
    const client = new RegistryClient({ host: host === 'docker.io' ? 'index.docker.io' : host, insecure: opts.tlsVerify === false || isInsecure(conf, host), credentials: findCredentials(host) });
    try {
      out.push(...(await searchOne(client, host, term, limit)));
    } catch (err) {
      lastErr = err;
      debug('searching %s: %s', host, (err as Error).message);
    } finally {
      client.close();
    }
  }
  if (!out.length && lastErr) throw lastErr;
  return out
    .filter((r) => r.stars >= minStars && (!official || official.every((o) => o === r.official)) && (!automated || automated.every((a) => a === r.automated)))
    .slice(0, limit);
}

async function searchOne(client: RegistryClient, host: string, term: string, limit: number): Promise<SearchResult[]> {
  const r = await client.request('GET', `/v1/search?q=${encodeURIComponent(term)}&n=${limit}`, { scope: '' });
  if (r.status === 200) {
    const chunks: Buffer[] = [];
    for await (const c of r.stream) chunks.push(c as Buffer);
    const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { results?: Array<{ name: string; description?: string; star_count?: number; is_official?: boolean; is_automated?: boolean }> };
    return (doc.results ?? []).map((x) => ({
      index: host, name: host === 'docker.io' ? x.name : `${host}/${x.name}`, description: x.description ?? '', stars: x.star_count ?? 0,
      official: !!x.is_official, automated: !!x.is_automated,
    }));
  }
  r.stream.resume();
  debug('%s has no search API (%d): listing its catalog', host, r.status);
  const names = await client.catalog();
  const want = term.toLowerCase();
  return names.filter((n) => n.toLowerCase().includes(want)).map((n) => ({ index: host, name: `${host}/${n}`, description: '', stars: 0, official: false, automated: false }));
}
