/**
 * Registry configuration from the files people already have:
 * - containers-registries.conf(5) v2 (and v1's [registries.*] tables),
 *   parsed as TOML: `$XDG_CONFIG_HOME/containers/registries.conf` if present,
 *   else `/etc/containers/registries.conf` (CONTAINERS_REGISTRIES_CONF names
 *   one file instead), then drop-ins from `registries.conf.d/` (system,
 *   then the user's), in name order: a drop-in's `[[registry]]` replaces the
 *   one with the same prefix, its scalars and lists replace, aliases merge;
 * - docker's daemon.json (`$XDG_CONFIG_HOME/docker/daemon.json`, else
 *   `/etc/docker/daemon.json`): `registry-mirrors` for docker.io and
 *   `insecure-registries`.
 * TSPOD_SYSTEM_CONFIG_DIR stands for `/etc` (tests point it at a scratch
 * dir; nothing else should need it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { lookupCredentials, type Credentials } from './auth.ts';
import { TspodError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';
export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';

export interface Mirror { location: string; insecure: boolean; pullFromMirror: PullFromMirror }

export interface RegistryEntry {
  /** What references it applies to: `host[/path]` or `*.domain`; defaults to location. */
  prefix: string;
  /** Where references under the prefix are really pulled from (prefix rewritten to this). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: Mirror[];
}

export interface RegistriesConf {
  registries: RegistryEntry[];
  /** v1 `[registries.insecure]` and daemon.json `insecure-registries` (hosts or IPv4 CIDRs). */
  insecureRegistries: string[];
  /** v1 `[registries.block]`. */
  blockedRegistries: string[];
  /** Where a short name (no registry) is looked for, in order; undefined: docker.io, as docker. */
  unqualifiedSearch?: string[];
  shortNameMode: ShortNameMode;
  /** Short name → fully qualified name. */
  aliases: Record<string, string>;
  /** Files read, in order (for messages and `info`). */
  files: string[];
}

export function emptyConf(): RegistriesConf {
  return { registries: [], insecureRegistries: [], blockedRegistries: [], shortNameMode: 'permissive', aliases: {}, files: [] };
}

function confError(file: string, why: string): TspodError {
  return new TspodError('ERR_TSPOD_CONFIG', `reading \`${file}\`: ${why}`);
}

const str = (v: unknown, file: string, key: string): string => {
  if (typeof v !== 'string') throw confError(file, `\`${key}\` must be a string`);
  return v;
};
const bool = (v: unknown, file: string, key: string): boolean => {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw confError(file, `\`${key}\` must be true or false`);
  return v;
};
const strings = (v: unknown, file: string, key: string): string[] => {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw confError(file, `\`${key}\` must be a list of strings`);
  return v as string[];
};

type ConfFile = Partial<RegistriesConf> & { registries: RegistryEntry[] };

/** One registries.conf file alone, as a whole configuration. */
export function parseRegistriesConf(text: string, file = 'registries.conf'): RegistriesConf {
  return mergeConf(emptyConf(), parseConfFile(text, file), file);
}

/** What one file says (only what it sets, to be laid over the files before it). */
export function parseConfFile(text: string, file = 'registries.conf'): ConfFile {
  let doc: Record<string, any>;
  try { doc = parseToml(text) as Record<string, any>; } catch (err) {
    throw confError(file, `not valid TOML: ${(err as Error).message.split('\n')[0]}`);
  }
  const out: ConfFile = { registries: [] };
  if (doc['unqualified-search-registries'] !== undefined) out.unqualifiedSearch = strings(doc['unqualified-search-registries'], file, 'unqualified-search-registries');
  if (doc['short-name-mode'] !== undefined) {
    const m = str(doc['short-name-mode'], file, 'short-name-mode');
    if (!['enforcing', 'permissive', 'disabled'].includes(m)) throw confError(file, `short-name-mode \`${m}\` is not enforcing, permissive or disabled`);
    out.shortNameMode = m as ShortNameMode;
  }
  if (doc.aliases !== undefined) {
    if (typeof doc.aliases !== 'object' || Array.isArray(doc.aliases)) throw confError(file, '[aliases] must be a table');
    out.aliases = Object.fromEntries(Object.entries(doc.aliases).map(([k, v]) => [k, str(v, file, `aliases.${k}`)]));
  }
  // v1
  const v1 = doc.registries;
  if (v1 && typeof v1 === 'object' && !Array.isArray(v1)) {
    if (v1.search?.registries) out.unqualifiedSearch = strings(v1.search.registries, file, 'registries.search.registries');
    if (v1.insecure?.registries) out.insecureRegistries = strings(v1.insecure.registries, file, 'registries.insecure.registries');
    if (v1.block?.registries) out.blockedRegistries = strings(v1.block.registries, file, 'registries.block.registries');
  }
  if (doc['insecure-registries']) out.insecureRegistries = strings(doc['insecure-registries'], file, 'insecure-registries');
  for (const [i, r] of (Array.isArray(doc.registry) ? doc.registry : doc.registry ? [doc.registry] : []).entries()) {
    const key = `registry[${i}]`;
    const location = r.location === undefined ? '' : str(r.location, file, `${key}.location`);
    const prefix = r.prefix === undefined ? location : str(r.prefix, file, `${key}.prefix`);
    if (!prefix) throw confError(file, `${key} needs a location or a prefix`);
    const mirrors = (Array.isArray(r.mirror) ? r.mirror : r.mirror ? [r.mirror] : []).map((m: Record<string, unknown>, j: number) => {
      const pfm = m['pull-from-mirror'] === undefined ? 'all' : str(m['pull-from-mirror'], file, `${key}.mirror[${j}].pull-from-mirror`);
      if (!['all', 'digest-only', 'tag-only'].includes(pfm)) throw confError(file, `pull-from-mirror \`${pfm}\` is not all, digest-only or tag-only`);
      return { location: str(m.location, file, `${key}.mirror[${j}].location`), insecure: bool(m.insecure, file, 'insecure'), pullFromMirror: pfm as PullFromMirror };
    });
    out.registries.push({
      prefix, location: location || prefix.replace(/^\*\./, ''), insecure: bool(r.insecure, file, `${key}.insecure`), blocked: bool(r.blocked, file, `${key}.blocked`),
      mirrorByDigestOnly: bool(r['mirror-by-digest-only'], file, `${key}.mirror-by-digest-only`), mirrors,
    });
  }
  return out;
}

/** Lays a later file over the config so far. */
export function mergeConf(base: RegistriesConf, over: ConfFile, file: string): RegistriesConf {
  const byPrefix = new Map(base.registries.map((r) => [r.prefix, r]));
  for (const r of over.registries) byPrefix.set(r.prefix, r);
  return {
    registries: [...byPrefix.values()],
    insecureRegistries: over.insecureRegistries ?? base.insecureRegistries,
    blockedRegistries: over.blockedRegistries ?? base.blockedRegistries,
    unqualifiedSearch: over.unqualifiedSearch ?? base.unqualifiedSearch,
    shortNameMode: over.shortNameMode ?? base.shortNameMode,
    aliases: { ...base.aliases, ...over.aliases },
    files: [...base.files, file],
  };
}

/** docker's daemon.json: `registry-mirrors` become docker.io's mirrors, `insecure-registries` are insecure. */
export function applyDaemonJson(conf: RegistriesConf, text: string, file: string): RegistriesConf {
  let doc: { 'registry-mirrors'?: unknown; 'insecure-registries'?: unknown };
  try { doc = JSON.parse(text); } catch { throw confError(file, 'not valid JSON'); }
  const mirrors = doc['registry-mirrors'] === undefined ? [] : strings(doc['registry-mirrors'], file, 'registry-mirrors');
  const insecure = doc['insecure-registries'] === undefined ? [] : strings(doc['insecure-registries'], file, 'insecure-registries');
  const out = { ...conf, insecureRegistries: [...conf.insecureRegistries, ...insecure.map((h) => h.replace(/^https?:\/\//, '').replace(/\/+$/, ''))], files: [...conf.files, file] };
  if (mirrors.length) {
    const hub = out.registries.find((r) => r.prefix === 'docker.io');
    const added = mirrors.map((m) => {
      const location = m.replace(/^https?:\/\//, '').replace(/\/+$/, '');
      return { location, insecure: m.startsWith('http://') || insecure.includes(location), pullFromMirror: 'all' as const };
    });
    out.registries = hub
      ? out.registries.map((r) => (r === hub ? { ...r, mirrors: [...r.mirrors, ...added] } : r))
      : [...out.registries, { prefix: 'docker.io', location: 'docker.io', insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: added }];
  }
  return out;
}

function readIf(file: string): string | undefined {
  try { return fs.readFileSync(file, 'utf8'); } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw confError(file, code ?? 'unreadable');
  }
}

function dropIns(dir: string): string[] {
  try { return fs.readdirSync(dir).filter((f) => f.endsWith('.conf')).sort().map((f) => path.join(dir, f)); } catch { return []; }
}

/** Every registry setting for this user (see the header). */
export function loadRegistriesConf(configHome: string, env: NodeJS.ProcessEnv = process.env): RegistriesConf {
  const etc = env.TSPOD_SYSTEM_CONFIG_DIR || '/etc';
  let conf = emptyConf();
  const user = path.join(configHome, 'containers', 'registries.conf');
  const main = env.CONTAINERS_REGISTRIES_CONF || (fs.existsSync(user) ? user : path.join(etc, 'containers', 'registries.conf'));
  const files = [main, ...dropIns(path.join(etc, 'containers', 'registries.conf.d')), ...dropIns(path.join(configHome, 'containers', 'registries.conf.d'))];
  for (const f of files) {
    const text = readIf(f);
    if (text !== undefined) conf = mergeConf(conf, parseConfFile(text, f), f);
  }
  const daemon = [path.join(configHome, 'docker', 'daemon.json'), path.join(etc, 'docker', 'daemon.json')].find((f) => fs.existsSync(f));
  if (daemon) conf = applyDaemonJson(conf, readIf(daemon) ?? '{}', daemon);
  if (conf.files.length) debug('registry configuration from %o', conf.files);
  return conf;
}

/** docker's default: loopback registries may use plain HTTP. */
function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\./.test(h) || h === '::1';
}

function inCidr(host: string, cidr: string): boolean {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  const ip = /^(\d+\.\d+\.\d+\.\d+)(:\d+)?$/.exec(host)?.[1];
  if (!m || !ip) return false;
  const n = (s: string) => s.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return ((n(ip) & mask) >>> 0) === ((n(m[1]) & mask) >>> 0);
}

/** Whether `ref` (host[/path...]) falls under a registries.conf prefix. */
export function prefixMatches(prefix: string, ref: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = ref.split('/')[0].replace(/:\d+$/, '');
    return host.endsWith(prefix.slice(1));
  }
  return ref === prefix || ref.startsWith(`${prefix}/`);
}

/** The registries.conf entry for a repository (`host/path`): the longest matching prefix. */
export function registryFor(conf: RegistriesConf, repo: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const r of conf.registries) {
    if (!prefixMatches(r.prefix, repo)) continue;
    const len = r.prefix.startsWith('*.') ? 0 : r.prefix.length;
    const bestLen = best ? (best.prefix.startsWith('*.') ? 0 : best.prefix.length) : -1;
    if (len > bestLen) best = r;
  }
  return best;
}

/** Whether plain HTTP / unverified TLS is allowed for `host`. */
export function isInsecure(conf: RegistriesConf, host: string): boolean {
  if (isLoopback(host)) return true;
  if (conf.insecureRegistries.some((h) => h === host || inCidr(host, h))) return true;
  return conf.registries.some((r) => (r.insecure && (r.location === host || r.location.split('/')[0] === host || r.prefix === host))
    || r.mirrors.some((m) => m.insecure && m.location.split('/')[0] === host));
}

/** The mirrors configured for a registry host, in order (all of them, whatever their pull-from-mirror). */
export function mirrorsFor(conf: RegistriesConf, host: string): Mirror[] {
  return registryFor(conf, host)?.mirrors ?? [];
}

/** One place a pull may fetch from: `repository` is host/path there. */
export interface PullSource {
  host: string;
  path: string;
  insecure: boolean;
  /** A mirror (tried before the registry itself). */
  mirror: boolean;
}

export interface PullPlan {
  sources: PullSource[];
  /** Mirrors not tried for this reference, with why (named in a failure's message). */
  skipped: string[];
}

/**
 * Where to pull `host/path` (by tag or digest) from: its mirrors that apply,
 * then its own location (a prefix rewrite), or an error if it is blocked.
 */
export function pullPlan(conf: RegistriesConf, host: string, repoPath: string, byDigest: boolean): PullPlan {
  const repo = `${host}/${repoPath}`;
  const entry = registryFor(conf, repo);
  if (entry?.blocked || conf.blockedRegistries.includes(host)) {
    throw new TspodError('ERR_TSPOD_REGISTRY', `registry ${entry?.prefix ?? host} is blocked in registries.conf`);
  }
  if (!entry) return { sources: [{ host, path: repoPath, insecure: isInsecure(conf, host), mirror: false }], skipped: [] };
  const rest = entry.prefix.startsWith('*.') ? repo.slice(host.length) : repo.slice(entry.prefix.length);
  const split = (loc: string) => {
    const full = `${loc}${rest}`;
    const i = full.indexOf('/');
    return { host: full.slice(0, i), path: full.slice(i + 1) };
  };
  const sources: PullSource[] = [];
  const skipped: string[] = [];
  for (const m of entry.mirrors) {
    const why = m.pullFromMirror === 'digest-only' && !byDigest ? 'digest-only mirror, pulling by tag'
      : m.pullFromMirror === 'tag-only' && byDigest ? 'tag-only mirror, pulling by digest'
        : entry.mirrorByDigestOnly && byDigest === false && m.pullFromMirror === 'all' ? 'mirror-by-digest-only, pulling by tag' : undefined;
    if (why) { skipped.push(`${m.location} (skipped: ${why})`); continue; }
    sources.push({ ...split(m.location), insecure: m.insecure || isInsecure(conf, m.location.split('/')[0]), mirror: true });
  }
  const own = split(entry.location);
  sources.push({ ...own, insecure: entry.insecure || isInsecure(conf, own.host), mirror: false });
  return { sources, skipped };
}

/**
 * The fully qualified candidates for a name given without a registry:
 * an alias, else each unqualified-search registry (docker.io alone when
 * none are configured, as docker). Enforcing mode refuses an ambiguous name.
 */
export function shortNameCandidates(conf: RegistriesConf, name: string): string[] {
  const bare = name.replace(/[:@].*$/, '');
  const suffix = name.slice(bare.length);
  const alias = conf.aliases[bare] ?? conf.aliases[bare.replace(/^library\//, '')];
  if (alias) return [`${alias}${suffix}`];
  const search = conf.unqualifiedSearch;
  if (!search?.length) return [name];
  if (search.length > 1 && conf.shortNameMode === 'enforcing') {
    throw new TspodError('ERR_TSPOD_INVALID_REFERENCE', `short name \`${name}\` is ambiguous (short-name-mode is enforcing and it may come from ${search.join(', ')}): use a fully qualified name or an alias`);
  }
  return search.map((r) => `${r}/${r === 'docker.io' && !bare.includes('/') ? 'library/' : ''}${name}`);
}

export type { Credentials };

/** Credentials for a registry host from the auth files and credential helpers (src/registry/auth.ts), or undefined for anonymous. */
export function findCredentials(host: string, env: NodeJS.ProcessEnv = process.env, authfile?: string): Credentials | undefined {
  return lookupCredentials(host, { env, authfile });
}
