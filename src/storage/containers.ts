/** Container records and how users name them (id, unique id prefix, name). */
import crypto from 'node:crypto';
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
