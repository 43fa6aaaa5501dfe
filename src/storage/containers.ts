/** Container records and how users name them (id, unique id prefix, name). */
import fs from 'node:fs';
import { TspodError } from '../errors.ts';
import type { ContainerRecord } from '../model/container.ts';
import { randomHex, randomInt } from '../sys/random.ts';

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

export function newContainerId(): string {
  return randomHex(32);
}

const ADJECTIVES = ['admiring', 'brave', 'clever', 'dazzling', 'eager', 'focused', 'gallant', 'happy', 'jolly', 'keen',
  'loving', 'modest', 'nifty', 'optimistic', 'peaceful', 'quirky', 'relaxed', 'serene', 'tender', 'upbeat', 'vibrant', 'wizardly', 'zealous'];
const SURNAMES = ['albattani', 'babbage', 'curie', 'darwin', 'euclid', 'fermi', 'galileo', 'hopper', 'jepsen', 'kepler',
  'lovelace', 'meitner', 'noether', 'pasteur', 'ritchie', 'shannon', 'tesla', 'turing', 'villani', 'wozniak', 'yalow'];

/** A docker-style random name not in `taken`. */
export function randomName(taken: Set<string>): string {
  for (let i = 0; ; i++) {
    const a = ADJECTIVES[randomInt(ADJECTIVES.length)];
    const b = SURNAMES[randomInt(SURNAMES.length)];
    const name = i < 10 ? `${a}_${b}` : `${a}_${b}${randomInt(100)}`;
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
