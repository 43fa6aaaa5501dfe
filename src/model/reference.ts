/**
 * docker image references: `[domain/]path[:tag][@digest]`, normalized the way
 * docker does (busybox -> docker.io/library/busybox:latest).
 */
import { TspodError } from '../errors.ts';

export const DEFAULT_DOMAIN = 'docker.io';
export const DEFAULT_TAG = 'latest';

export interface Reference {
  /** Registry host[:port], e.g. docker.io, 127.0.0.1:5000. */
  domain: string;
  /** Repository path inside the registry, e.g. library/busybox. */
  path: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const DOMAIN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$|^\[[0-9a-fA-F:.]+\](?::[0-9]+)?$/;

function invalid(input: string, why: string): TspodError {
  return new TspodError('ERR_TSPOD_INVALID_REFERENCE', `invalid reference format \`${input}\`: ${why}`);
}

/** Parses and normalizes a reference; the tag defaults to latest only when no digest is given. */
export function parseReference(input: string, opts: { defaultTag?: boolean } = {}): Reference {
  if (!input) throw invalid(input, 'empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw invalid(input, 'bad digest');
    if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) throw invalid(input, 'sha256 digest must be 64 hex characters');
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(input, 'bad tag');
  }
  let domain = DEFAULT_DOMAIN;
  let path = rest;
  const first = rest.indexOf('/');
  if (first >= 0) {
    const head = rest.slice(0, first);
    if (head.includes('.') || head.includes(':') || head === 'localhost' || head !== head.toLowerCase()) {
      domain = head;
      path = rest.slice(first + 1);
    }
  }
  if (!DOMAIN.test(domain)) throw invalid(input, 'bad registry host');
  if (domain === 'index.docker.io') domain = DEFAULT_DOMAIN;
  if (path !== path.toLowerCase()) throw invalid(input, 'repository name must be lowercase');
  const parts = path.split('/');
  if (!path || parts.some((p) => !COMPONENT.test(p))) throw invalid(input, 'bad repository name');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) path = `library/${path}`;
  if (path.length > 255) throw invalid(input, 'repository name too long');
  if (!tag && !digest && opts.defaultTag !== false) tag = DEFAULT_TAG;
  return { domain, path, tag, digest };
}

/** domain/path, e.g. docker.io/library/busybox. */
export function repository(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The fully qualified form: docker.io/library/busybox:latest or ...@sha256:... */
export function formatReference(ref: Reference): string {
  let s = repository(ref);
  if (ref.tag) s += `:${ref.tag}`;
  if (ref.digest) s += `@${ref.digest}`;
  return s;
}

/** The short form docker shows: busybox, not docker.io/library/busybox. */
export function familiarRepository(ref: Pick<Reference, 'domain' | 'path'>): string {
  if (ref.domain !== DEFAULT_DOMAIN) return `${ref.domain}/${ref.path}`;
  return ref.path.startsWith('library/') && ref.path.split('/').length === 2 ? ref.path.slice(8) : ref.path;
}

/** Whether a string looks like a (prefix of a) hex image or container id. */
export function looksLikeId(s: string): boolean {
  return /^(sha256:)?[a-f0-9]{1,64}$/.test(s);
}
