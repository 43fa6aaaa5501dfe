/** `login` and `logout`: credentials checked against the registry, then kept where docker and podman read them. */
import { RegistryClient } from './client.ts';
import { eraseCredentials, lookupCredentials, storeCredentials, type Credentials } from './auth.ts';
import { isInsecure, loadRegistriesConf } from './config.ts';
import { TspodError, UsageError } from '../errors.ts';

/** The registry host a login names: `https://reg:5000/v2/` → `reg:5000`; Docker Hub's spellings → docker.io. */
export function registryHost(input: string | undefined): string {
  const h = (input ?? 'docker.io').replace(/^https?:\/\//, '').replace(/\/.*$/, '').toLowerCase();
  if (!h || /\s/.test(h)) throw new UsageError(`invalid registry \`${input}\``);
  return ['index.docker.io', 'registry-1.docker.io'].includes(h) ? 'docker.io' : h;
}

export interface LoginOptions {
  registry?: string;
  /** Username and password; without them the stored ones are checked again. */
  credentials?: Credentials;
  authfile?: string;
  tlsVerify?: boolean;
  configHome: string;
}

/** Verifies the credentials with the registry, then stores them; returns the host and where they went. */
export async function login(opts: LoginOptions): Promise<{ host: string; stored: string[] }> {
  const host = registryHost(opts.registry);
  const creds = opts.credentials ?? lookupCredentials(host, { authfile: opts.authfile });
  if (!creds) throw new UsageError(`no stored credentials for ${host}: give a username and a password`);
  if (!creds.username || !creds.password) throw new UsageError('username and password must not be empty');
  const conf = loadRegistriesConf(opts.configHome);
  const client = new RegistryClient({ host, insecure: opts.tlsVerify === false || isInsecure(conf, host), credentials: creds });
  try {
    await client.checkLogin();
  } catch (err) {
    if ((err as TspodError).code === 'ERR_TSPOD_AUTH') throw new TspodError('ERR_TSPOD_AUTH', `logging in to ${host}: unauthorized: incorrect username or password`);
    throw err;
  } finally {
    client.close();
  }
  return { host, stored: storeCredentials(host, creds, { authfile: opts.authfile }) };
}

/** Forgets one registry's credentials (or all); returns the hosts forgotten, refusing when there were none. */
export function logout(opts: { registry?: string; all?: boolean; authfile?: string }): string[] {
  const host = opts.all ? undefined : registryHost(opts.registry);
  const removed = eraseCredentials(host, { authfile: opts.authfile });
  if (host && !removed.length) throw new TspodError('ERR_TSPOD_AUTH', `not logged into ${host}`);
  return removed;
}
