/**
 * Running as the single executable (dist/tspod, a Node SEA): files that
 * travel inside it as assets. A native addon cannot be loaded from inside the
 * blob, so it is extracted once to a per-user cache keyed by its hash; two
 * commands starting at once both write a private temp file and rename it
 * into place, so neither ever sees a partial file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TspodError } from '../errors.ts';

interface SeaApi { isSea(): boolean; getAsset(key: string): ArrayBuffer; getRawAsset?(key: string): ArrayBuffer }

function api(): SeaApi | undefined {
  try {
    const sea = require('node:sea') as SeaApi;
    return sea.isSea() ? sea : undefined;
  } catch {
    return undefined; // Node without node:sea
  }
}

export function isSea(): boolean {
  return api() !== undefined;
}

function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'tspod');
}

/** The asset's digest (sha256, 16 hex digits), which the build writes beside the assets (`asset-digests`). */
function builtDigest(sea: SeaApi, key: string): string {
  let digest: string | undefined;
  try {
    digest = (JSON.parse(Buffer.from((sea.getRawAsset ?? sea.getAsset)('asset-digests')).toString('utf8')) as Record<string, string>)[key];
  } catch { /* no digests: damaged */ }
  if (!digest) throw new TspodError('ERR_TSPOD_STORAGE', `the asset \`${key}\` inside ${process.execPath} has no digest: the executable is damaged`);
  return digest;
}

/**
 * The directory holding `relPath` extracted from asset `key`: <cache>/<key>-<digest>/<relPath>.
 * Returns undefined when not running as the single executable. The digest
 * comes from the build, so a command that finds the file in place neither
 * copies nor hashes the asset (hashing the assets took ~10 ms of every
 * command); one that extracts it hashes what it writes and refuses an asset
 * that does not match.
 */
export function extractedAssetDir(key: string, relPath: string): string | undefined {
  const sea = api();
  if (!sea) return undefined;
  const digest = builtDigest(sea, key);
  const dir = path.join(cacheRoot(), `${key}-${digest}`);
  const file = path.join(dir, relPath);
  try {
    if (fs.statSync(file).size === (sea.getRawAsset ?? sea.getAsset)(key).byteLength) return dir;
  } catch { /* not there yet */ }
  // Loaded here only: the resident monitor imports this module and must stay small.
  const crypto = require('node:crypto') as typeof import('node:crypto');
  const data = Buffer.from(sea.getAsset(key));
  if (crypto.createHash('sha256').update(data).digest('hex').slice(0, 16) !== digest) {
    throw new TspodError('ERR_TSPOD_STORAGE', `the asset \`${key}\` inside ${process.execPath} does not match its digest: the executable is damaged`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, data, { mode: 0o700 });
  fs.renameSync(tmp, file);
  // Other builds' copies of this asset go once unused for a while (a tspod still starting from one extracts it again).
  const stale = new RegExp(`^${key.replace(/[.]/g, '\\.')}-[0-9a-f]{16}$`);
  for (const other of fs.readdirSync(cacheRoot())) {
    if (!stale.test(other) || other === path.basename(dir)) continue;
    try {
      if (Date.now() - fs.statSync(path.join(cacheRoot(), other)).mtimeMs > 3_600_000) fs.rmSync(path.join(cacheRoot(), other), { recursive: true, force: true });
    } catch { /* gone meanwhile */ }
  }
  return dir;
}
