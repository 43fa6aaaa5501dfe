/** Manifest media types and platform selection from manifest lists / OCI indexes. */
import { TspodError, UsageError } from '../errors.ts';

export const MEDIA = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
} as const;

export const MANIFEST_ACCEPT = [MEDIA.ociIndex, MEDIA.dockerList, MEDIA.ociManifest, MEDIA.dockerManifest].join(', ');

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  annotations?: Record<string, string>;
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export function isIndex(mediaType: string | undefined, doc: unknown): boolean {
  if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList) return true;
  return typeof doc === 'object' && doc !== null && Array.isArray((doc as ImageIndex).manifests) && !('config' in doc);
}

/** The platform tspod runs on, in OCI terms. */
export function hostPlatform(arch: string = process.arch): Platform {
  switch (arch) {
    case 'x64': return { os: 'linux', architecture: 'amd64' };
    case 'arm64': return { os: 'linux', architecture: 'arm64', variant: 'v8' };
    case 'arm': return { os: 'linux', architecture: 'arm', variant: 'v7' };
    case 'ia32': return { os: 'linux', architecture: '386' };
    default: return { os: 'linux', architecture: arch };
  }
}

/** Parses "os/arch[/variant]" (the --platform flag). */
export function parsePlatform(spec: string): Platform {
  const [os, architecture, variant] = spec.split('/');
  if (!os || !architecture) throw new UsageError(`invalid platform \`${spec}\`: want os/arch[/variant]`);
  return { os, architecture, ...(variant ? { variant } : {}) };
}

function normalizeVariant(p: Platform): string {
  if (p.architecture === 'arm64') return p.variant ?? 'v8';
  return p.variant ?? '';
}

/**
 * Picks the manifest for `want` from an index: same os and architecture,
 * an exact variant preferred over a missing one. Attestation entries
 * (unknown/unknown) never match.
 */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor {
  const candidates = index.manifests.filter((d) =>
    d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture);
  const exact = candidates.find((d) => normalizeVariant(d.platform!) === normalizeVariant(want));
  const loose = candidates.find((d) => !d.platform!.variant || !want.variant);
  const chosen = exact ?? loose;
  if (!chosen) {
    const have = index.manifests
      .filter((d) => d.platform && d.platform.os !== 'unknown')
      .map((d) => [d.platform!.os, d.platform!.architecture, d.platform!.variant].filter(Boolean).join('/'));
    const wanted = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    throw new TspodError('ERR_TSPOD_NO_MATCHING_PLATFORM',
      `no image for platform ${wanted} in the manifest list (it has: ${have.join(', ') || 'none'})`);
  }
  return chosen;
}

/** Layer compression by media type; undefined means "sniff the bytes". */
export function layerCompression(mediaType: string): 'gzip' | 'zstd' | 'none' | undefined {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip')) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('.tar') || mediaType === 'application/vnd.oci.image.layer.v1.tar') return 'none';
  return undefined;
}
