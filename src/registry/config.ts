/**
 * Registry settings: which registries are insecure (registries.conf
 * compatible, `[[registry]] location=... insecure=true`) and credentials from
 * ~/.docker/config.json and $XDG_RUNTIME_DIR/containers/auth.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { logger } from '../log.ts';

const debug = logger('registry');

export interface RegistryEntry {
  location: string;
  prefix?: string;
  insecure: boolean;
  blocked: boolean;
  mirrors: Array<{ location: string; insecure: boolean }>;
}

export interface RegistriesConf {
  registries: RegistryEntry[];
  insecureRegistries: string[];
}

function parseValue(raw: string): unknown {
  const v = raw.trim();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  if (v.startsWith('"') || v.startsWith("'")) return v.slice(1, v.lastIndexOf(v[0]));
  if (v.startsWith('[')) {
    return [...v.slice(1, v.lastIndexOf(']')).matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]);
  }
  return v;
}

/** Parses the subset of TOML registries.conf uses (tables, arrays of tables, scalars, string arrays). */
export function parseRegistriesConf(text: string): RegistriesConf {
  const conf: RegistriesConf = { registries: [], insecureRegistries: [] };
  let table: Record<string, unknown> | undefined;
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const arr = /^\[\[\s*([\w.]+)\s*\]\]$/.exec(line);
    const tbl = /^\[\s*([\w.]+)\s*\]$/.exec(line);
    if (arr) {
      section = arr[1];
      table = {};
      if (section === 'registry') {
        conf.registries.push(table as unknown as RegistryEntry);
        Object.assign(table, { insecure: false, blocked: false, mirrors: [] });
      } else if (section === 'registry.mirror') {
        const reg = conf.registries.at(-1);
        const m = { location: '', insecure: false };
        reg?.mirrors.push(m);
        table = m as unknown as Record<string, unknown>;
      }
      continue;
    }
    if (tbl) {
      section = tbl[1];
      table = {};
      continue;
    }
    const kv = /^([\w.-]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) continue;
    const value = parseValue(kv[2]);
    if (table && (section === 'registry' || section === 'registry.mirror')) table[kv[1]] = value;
    else if ((section === 'registries.insecure' && kv[1] === 'registries') || kv[1] === 'insecure-registries') {
      conf.insecureRegistries.push(...(value as string[]));
    }
  }
  return conf;
}

/** Loads registries.conf from the user's config dir, else the system one. */
export function loadRegistriesConf(configHome: string): RegistriesConf {
  const files = [
    process.env.CONTAINERS_REGISTRIES_CONF,
    path.join(configHome, 'containers', 'registries.conf'),
    '/etc/containers/registries.conf',
  ].filter(Boolean) as string[];
  for (const f of files) {
    try {
      const conf = parseRegistriesConf(fs.readFileSync(f, 'utf8'));
      debug('registries.conf from %s', f);
      return conf;
    } catch { /* next */ }
  }
  return { registries: [], insecureRegistries: [] };
}

/** docker's default: loopback registries may use plain HTTP. */
function isLoopback(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || /^127\./.test(h) || h === '::1';
}

/** Whether plain HTTP / unverified TLS is allowed for `host`. */
export function isInsecure(conf: RegistriesConf, host: string): boolean {
  if (isLoopback(host)) return true;
  if (conf.insecureRegistries.includes(host)) return true;
  return conf.registries.some((r) => r.insecure && (r.location === host || r.prefix === host));
}

/** The mirrors configured for a registry host, in order. */
export function mirrorsFor(conf: RegistriesConf, host: string): Array<{ location: string; insecure: boolean }> {
  return conf.registries.find((r) => r.location === host || r.prefix === host)?.mirrors ?? [];
}

export interface Credentials { username: string; password: string }

function authKeyHost(key: string): string {
  return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}

/** Credentials for a registry host from the auth files, or undefined for anonymous. */
export function findCredentials(host: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  const home = env.HOME || os.homedir();
  const uid = process.getuid?.() ?? 0;
  const files = [
    env.REGISTRY_AUTH_FILE,
    path.join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, 'containers', 'auth.json'),
    path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json'),
  ].filter(Boolean) as string[];
  const wanted = host === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io'] : [host];
  for (const f of files) {
    let doc: { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
    try { doc = JSON.parse(fs.readFileSync(f, 'utf8')); } catch { continue; }
    for (const [key, entry] of Object.entries(doc.auths ?? {})) {
      if (!wanted.includes(authKeyHost(key))) continue;
      if (entry.username && entry.password) return { username: entry.username, password: entry.password };
      if (entry.auth) {
        const text = Buffer.from(entry.auth, 'base64').toString('utf8');
        const i = text.indexOf(':');
        if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
      }
    }
  }
  return undefined;
}
