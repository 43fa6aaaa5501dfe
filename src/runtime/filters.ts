/**
 * docker's `--filter key=value` for `ps`: values of one key OR, different
 * keys AND, except `label`, whose values must all match (compose finds its
 * containers with several). Matching follows docker: `id` and `name` are
 * exact or unanchored regular expressions; unknown keys are refused
 * (`invalid filter 'x'`) before any work.
 */
import type { Container } from './lifecycle.ts';
import type { ImageRecord } from '../model/image.ts';
import { findImage } from '../storage/images.ts';
import type { NetworkRecord } from '../model/network.ts';
import { TspodError, UsageError } from '../errors.ts';

export type Filters = Map<string, string[]>;

/** Parses key=value specs, refusing keys not in `keys`. */
export function parseFilters(specs: string[], keys: readonly string[]): Filters {
  const out: Filters = new Map();
  for (const s of specs) {
    const i = s.indexOf('=');
    if (i < 0) throw new UsageError(`bad format of filter (expected name=value): ${s}`);
    const key = s.slice(0, i).trim().toLowerCase();
    if (!keys.includes(key)) throw new UsageError(`invalid filter '${key}'`);
    out.set(key, [...(out.get(key) ?? []), s.slice(i + 1)]);
  }
  return out;
}

/** docker's Args.Match: the value equals the source, or is a regular expression found in it. */
export function dockerMatch(pattern: string, source: string): boolean {
  if (pattern === source) return true;
  try { return new RegExp(pattern).test(source); } catch { return false; }
}

/** docker's MatchKVList: every `key` or `key=value` filter is in the labels. */
export function matchLabels(wanted: string[], labels: Record<string, string> | undefined): boolean {
  return wanted.every((w) => {
    const i = w.indexOf('=');
    const key = i < 0 ? w : w.slice(0, i);
    if (!labels || !Object.hasOwn(labels, key)) return false;
    return i < 0 || labels[key] === w.slice(i + 1);
  });
}

export const CONTAINER_FILTERS = ['id', 'name', 'label', 'status', 'exited', 'ancestor', 'before', 'since', 'network', 'volume', 'publish', 'health'] as const;

const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];

export interface ContainerFilterContext {
  /** Every container (before/since name one of them). */
  all: Container[];
  images: ImageRecord[];
  networks: NetworkRecord[];
  /** A container's health: starting, healthy, unhealthy, or none (the caller reads it, so this module loads no health code). */
  healthOf: (c: Container) => string;
}

function invalid(key: string, value: string): never {
  throw new UsageError(`invalid filter '${key}=${value}'`);
}

/** `PORT[-END][/PROTO]` → a matcher of a container port and protocol. */
function parsePortFilter(value: string): (port: number, proto: string) => boolean {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(value.trim());
  if (!m) invalid('publish', value);
  const lo = Number(m![1]);
  const hi = m![2] === undefined ? lo : Number(m![2]);
  const proto = (m![3] ?? 'tcp').toLowerCase();
  return (port, p) => port >= lo && port <= hi && p === proto;
}

/** Builds the `ps` predicate; bad values (an unknown status, a missing `before` container) throw first. */
export function containerFilter(filters: Filters, ctx: ContainerFilterContext): (c: Container) => boolean {
  for (const v of filters.get('status') ?? []) if (!STATUSES.includes(v)) invalid('status', v);
  for (const v of filters.get('health') ?? []) if (!HEALTH.includes(v)) invalid('health', v);
  for (const v of filters.get('exited') ?? []) if (!/^-?\d+$/.test(v)) invalid('exited', v);
  const refTime = (key: string) => (filters.get(key) ?? []).map((v) => {
    const ref = ctx.all.find((o) => o.rec.name === v.replace(/^\//, '')) ?? ctx.all.find((o) => o.rec.id === v)
      ?? (() => { const byId = ctx.all.filter((o) => o.rec.id.startsWith(v)); return byId.length === 1 ? byId[0] : undefined; })();
    if (!ref) throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `no such container: ${v}`);
    return ref.rec.created;
  });
  const before = refTime('before');
  const since = refTime('since');
  const ports = (filters.get('publish') ?? []).map(parsePortFilter);
  const ancestors = (filters.get('ancestor') ?? []).map((v) => {
    let id: string | undefined;
    try { id = findImage(ctx.images, v)?.id; } catch { id = undefined; }
    return { v, id };
  });

  const tests: Array<(c: Container) => boolean> = [];
  const any = (key: string, pred: (v: string, c: Container) => boolean) => {
    const values = filters.get(key);
    if (values) tests.push((c) => values.some((v) => pred(v, c)));
  };
  any('id', (v, c) => dockerMatch(v, c.rec.id));
  any('name', (v, c) => dockerMatch(v, c.rec.name) || dockerMatch(v, `/${c.rec.name}`));
  if (filters.has('label')) tests.push((c) => matchLabels(filters.get('label')!, c.rec.config.labels));
  any('status', (v, c) => c.state.status === v);
  any('exited', (v, c) => c.state.status === 'exited' && c.state.exitCode === Number(v));
  any('health', (v, c) => ctx.healthOf(c) === v);
  if (ancestors.length) tests.push((c) => ancestors.some(({ v, id }) => (id !== undefined && c.rec.imageId === id) || c.rec.image === v));
  if (before.length) tests.push((c) => before.every((t) => c.rec.created < t));
  if (since.length) tests.push((c) => since.every((t) => c.rec.created > t));
  any('network', (v, c) => {
    const names = [c.rec.hostConfig.networkMode, ...Object.keys(c.rec.hostConfig.networks ?? {})];
    if (names.includes(v)) return true;
    return ctx.networks.some((n) => names.includes(n.name) && (n.id === v || (v.length >= 3 && n.id.startsWith(v))));
  });
  any('volume', (v, c) => c.rec.hostConfig.mounts.some((m) => m.name === v || m.destination === v || m.source === v));
  if (ports.length) tests.push((c) => (c.rec.hostConfig.portBindings ?? []).some((b) => ports.some((p) => p(b.containerPort, b.protocol))));
  return (c) => tests.every((t) => t(c));
}
