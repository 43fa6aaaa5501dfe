/**
 * Registry credentials in the files docker and podman share:
 * - `--authfile` / REGISTRY_AUTH_FILE when given, else
 *   `$XDG_RUNTIME_DIR/containers/auth.json` (podman's, written by login),
 *   `$XDG_CONFIG_HOME/containers/auth.json`, and docker's
 *   `$DOCKER_CONFIG/config.json` (~/.docker/config.json), read in that order;
 * - in any of them, `credHelpers` (per registry) and `credsStore` (all
 *   registries) name a credential helper: `docker-credential-NAME` with
 *   `get`, `store` and `erase`, the server on stdin, JSON on stdout.
 * Secrets go to the helper's stdin or into the files (mode 0600), never into
 * argv, logs or error messages.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runSync, which } from '../sys/spawn.ts';
import { TspodError, SubprocessError, fileError } from '../errors.ts';
import { logger } from '../log.ts';

const debug = logger('registry');

export interface Credentials { username: string; password: string }

interface AuthFile {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

export interface AuthPaths {
  /** Files read, in order. */
  read: string[];
  /** Files login writes (docker's only where the user has one). */
  write: string[];
}

export function authPaths(env: NodeJS.ProcessEnv = process.env, authfile?: string): AuthPaths {
  const explicit = authfile ?? env.REGISTRY_AUTH_FILE;
  if (explicit) return { read: [explicit], write: [explicit] };
  const home = env.HOME || os.homedir();
  const uid = process.getuid?.() ?? 0;
  const runtime = path.join(env.XDG_RUNTIME_DIR || `/run/user/${uid}`, 'containers', 'auth.json');
  const config = path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'containers', 'auth.json');
  const docker = path.join(env.DOCKER_CONFIG || path.join(home, '.docker'), 'config.json');
  return { read: [runtime, config, docker], write: fs.existsSync(docker) ? [runtime, docker] : [runtime] };
}

/** The keys a registry may be stored under (docker writes Docker Hub as its v1 URL). */
function keysFor(host: string): string[] {
  return host === 'docker.io' ? ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/'] : [host, `https://${host}`, `http://${host}`];
}

function keyHost(key: string): string {
  const h = key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return h === 'index.docker.io' || h === 'registry-1.docker.io' ? 'docker.io' : h;
}

function readAuthFile(file: string): AuthFile | undefined {
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return undefined; }
  try { return JSON.parse(text) as AuthFile; } catch {
    throw new TspodError('ERR_TSPOD_CONFIG', `reading \`${file}\`: not valid JSON`);
  }
}

function writeAuthFile(file: string, doc: AuthFile): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(doc, null, '\t')}\n`, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (err) {
    throw fileError('writing', file, err);
  }
}

/** Runs `docker-credential-NAME verb` with `input` on stdin; undefined when the helper has nothing for the server. */
function helper(name: string, verb: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): string | undefined {
  const exe = which(`docker-credential-${name}`, env.PATH);
  if (!exe) throw new TspodError('ERR_TSPOD_AUTH', `credential helper \`docker-credential-${name}\` is not on PATH`);
  try {
    // Helpers say "credentials not found" on stdout with a failing status: a failure's stdout is moved to stderr to be read.
    const script = 'out=$("$0" "$1"); s=$?; if [ $s -ne 0 ]; then printf "%s\\n" "$out" >&2; exit $s; fi; printf "%s" "$out"';
    return runSync(['sh', '-c', script, exe, verb], { input, env }).stdout;
  } catch (err) {
    const out = err instanceof SubprocessError ? err.stderr : '';
    if (verb !== 'store' && /credentials not found/i.test(out)) return undefined;
    // The helper's own words may echo what it was given: only its exit status is reported.
    throw new TspodError('ERR_TSPOD_AUTH', `credential helper \`docker-credential-${name} ${verb}\` failed (exit status ${err instanceof SubprocessError ? err.status : '?'})`);
  }
}

function helperFor(doc: AuthFile, host: string): string | undefined {
  for (const k of keysFor(host)) if (doc.credHelpers?.[k]) return doc.credHelpers[k];
  return doc.credsStore || undefined;
}

function fromEntry(entry: NonNullable<AuthFile['auths']>[string] | undefined): Credentials | undefined {
  if (!entry) return undefined;
  if (entry.username && entry.password) return { username: entry.username, password: entry.password };
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) return { username: text.slice(0, i), password: text.slice(i + 1) };
  }
  return undefined;
}

/** Credentials for a registry host, or undefined for anonymous access. */
export function lookupCredentials(host: string, opts: { env?: NodeJS.ProcessEnv; authfile?: string } = {}): Credentials | undefined {
  const env = opts.env ?? process.env;
  for (const file of authPaths(env, opts.authfile).read) {
    const doc = readAuthFile(file);
    if (!doc) continue;
    const entry = Object.entries(doc.auths ?? {}).find(([k]) => keyHost(k) === host)?.[1];
    const direct = fromEntry(entry);
    if (direct) return direct;
    const name = helperFor(doc, host);
    if (name) {
      const out = helper(name, 'get', host === 'docker.io' ? 'https://index.docker.io/v1/' : host, env);
      if (!out) continue;
      const got = JSON.parse(out) as { Username?: string; Secret?: string };
      if (got.Username && got.Secret) {
        debug('credentials for %s from docker-credential-%s', host, name);
        return { username: got.Username, password: got.Secret };
      }
    }
  }
  return undefined;
}

/** Stores credentials in every file login writes (through its helper where one is configured); says where. */
export function storeCredentials(host: string, creds: Credentials, opts: { env?: NodeJS.ProcessEnv; authfile?: string } = {}): string[] {
  const env = opts.env ?? process.env;
  const where: string[] = [];
  // Where a credential helper is configured, the secret goes there alone: not also in plain text elsewhere.
  const targets = authPaths(env, opts.authfile).write;
  const helped = targets.filter((f) => { const d = readAuthFile(f); return !!d && !!helperFor(d, host); });
  for (const file of helped.length ? helped : targets) {
    const doc = readAuthFile(file) ?? {};
    const isDocker = path.basename(file) === 'config.json';
    const key = host === 'docker.io' && isDocker ? 'https://index.docker.io/v1/' : host;
    const auths = Object.fromEntries(Object.entries(doc.auths ?? {}).filter(([k]) => keyHost(k) !== host));
    const name = helperFor(doc, host);
    if (name) {
      helper(name, 'store', JSON.stringify({ ServerURL: key, Username: creds.username, Secret: creds.password }), env);
      if (!doc.credHelpers || !keysFor(host).some((k) => doc.credHelpers![k])) auths[key] = {}; // docker's marker for the credsStore
      where.push(`docker-credential-${name}`);
    } else {
      auths[key] = { auth: Buffer.from(`${creds.username}:${creds.password}`).toString('base64') };
      where.push(file);
    }
    writeAuthFile(file, { ...doc, auths });
  }
  return where;
}

/** Removes a registry's credentials (or all, host undefined) from every file read; returns the hosts removed. */
export function eraseCredentials(host: string | undefined, opts: { env?: NodeJS.ProcessEnv; authfile?: string } = {}): string[] {
  const env = opts.env ?? process.env;
  const removed = new Set<string>();
  for (const file of authPaths(env, opts.authfile).read) {
    const doc = readAuthFile(file);
    if (!doc) continue;
    const hosts = new Set(Object.keys(doc.auths ?? {}).map(keyHost).filter((h) => !host || h === host));
    if (host && helperFor(doc, host) && doc.credHelpers && keysFor(host).some((k) => doc.credHelpers![k])) hosts.add(host);
    if (!hosts.size) continue;
    for (const h of hosts) {
      const name = helperFor(doc, h);
      if (name) helper(name, 'erase', h === 'docker.io' ? 'https://index.docker.io/v1/' : h, env);
      removed.add(h);
    }
    const auths = Object.fromEntries(Object.entries(doc.auths ?? {}).filter(([k]) => !hosts.has(keyHost(k))));
    writeAuthFile(file, { ...doc, auths });
  }
  return [...removed];
}
