/** Container records and how users name them (id, unique id prefix, name). */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { TspodError } from '../errors.ts';
import type { PortBinding } from '../slirp/ports.ts';
import type { Endpoint } from '../slirp/networks.ts';

export type ContainerStatus = 'created' | 'running' | 'exited';

export interface Mount {
  type: 'bind' | 'volume';
  source: string;
  destination: string;
  readOnly: boolean;
  name?: string;
}

export interface ContainerRecord {
  /** Set (never stored) on the stand-in for a record that could not be read: why. */
  damaged?: string;
  id: string;
  name: string;
  created: string;
  /** The image as the user named it, and its id. */
  image: string;
  imageId: string;
  /** diffIDs of the image, base first. */
  layers: string[];
  config: {
    /** argv the container runs (entrypoint + cmd resolved). */
    entrypoint: string[];
    cmd: string[];
    env: string[];
    workingDir: string;
    user: string;
    hostname: string;
    tty: boolean;
    openStdin: boolean;
    labels: Record<string, string>;
    stopSignal?: string;
  };
  hostConfig: {
    autoRemove: boolean;
    readOnly: boolean;
    /** pasta, slirp4netns, host, none, container:ID, or a user-defined network's name. */
    networkMode: string;
    /** Published ports, host ports already chosen. */
    portBindings?: PortBinding[];
    dns?: string[];
    dnsSearch?: string[];
    /** --add-host entries as NAME:IP (host-gateway already resolved). */
    extraHosts?: string[];
    /** The user-mode stack of a container on user-defined networks (its way out). */
    outbound?: 'pasta' | 'slirp4netns';
    /** User-defined networks the container is on (its NetworkMode is the first), with its address there. */
    networks?: Record<string, Endpoint>;
    /** --link NAME:ALIAS, NAME being the linked container's name when created. */
    links?: string[];
    mounts: Mount[];
    /** no, always, unless-stopped, on-failure[:N]. */
    restartPolicy: string;
  };
}

/** What is wrong with a parsed container.json, or undefined when it has the shape tspod relies on. */
export function checkContainerRecord(rec: unknown, id: string): string | undefined {
  const r = rec as Partial<ContainerRecord> | null;
  if (!r || typeof r !== 'object' || Array.isArray(r)) return 'not a container record';
  if (r.id !== id) return 'its id does not match its directory';
  if (typeof r.name !== 'string' || typeof r.image !== 'string' || !Array.isArray(r.layers)) return 'name, image or layers missing';
  const c = r.config;
  if (!c || typeof c !== 'object' || !Array.isArray(c.entrypoint) || !Array.isArray(c.cmd) || !Array.isArray(c.env)) return 'config missing or mistyped';
  const h = r.hostConfig;
  if (!h || typeof h !== 'object' || !Array.isArray(h.mounts) || typeof h.networkMode !== 'string') return 'hostConfig missing or mistyped';
  return undefined;
}

/** A stand-in for a damaged record: listed (status unknown) and removable, nothing else. */
export function damagedRecord(id: string, why: string, file: string): ContainerRecord {
  let created = new Date(0).toISOString();
  try { created = fs.statSync(file).mtime.toISOString(); } catch { /* gone */ }
  return {
    damaged: why, id, name: id.slice(0, 12), created, image: '', imageId: '', layers: [],
    config: { entrypoint: [], cmd: [], env: [], workingDir: '/', user: '', hostname: '', tty: false, openStdin: false, labels: {} },
    hostConfig: { autoRemove: false, readOnly: false, networkMode: 'none', mounts: [], restartPolicy: 'no' },
  };
}

export const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function newContainerId(): string {
  return crypto.randomBytes(32).toString('hex');
}

const ADJECTIVES = ['admiring', 'brave', 'clever', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen',
  'loving', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'tender', 'upbeat', 'vibrant', 'wizardly', 'zealous'];
const SURNAMES = ['albattani', 'babbage', 'curie', 'darwin', 'euclid', 'fermi', 'galileo', 'hopper', 'jepsen', 'kepler',
  'lovelace', 'meitner', 'noether', 'pasteur', 'ritchie', 'shannon', 'tesla', 'turing', 'villani', 'wozniak', 'yalow'];

/** A docker-style random name not in `taken`. */
export function randomName(taken: Set<string>): string {
  for (let i = 0; ; i++) {
    const a = ADJECTIVES[crypto.randomInt(ADJECTIVES.length)];
    const b = SURNAMES[crypto.randomInt(SURNAMES.length)];
    const name = i < 10 ? `${a}_${b}` : `${a}_${b}${crypto.randomInt(100)}`;
    if (!taken.has(name)) return name;
  }
}

/** Finds a container by exact name, full id, or unique id prefix. */
export function findContainer(all: ContainerRecord[], query: string): ContainerRecord {
  const q = query.replace(/^\//, '');
  const byName = all.find((c) => c.name === q);
  if (byName) return byName;
  const byPrefix = /^[a-f0-9]+$/.test(q) ? all.filter((c) => c.id.startsWith(q)) : [];
  if (byPrefix.length === 1) return byPrefix[0];
  if (byPrefix.length > 1) throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `container id prefix \`${query}\` is ambiguous`);
  throw new TspodError('ERR_TSPOD_NO_SUCH_CONTAINER', `no such container: ${query}`);
}
