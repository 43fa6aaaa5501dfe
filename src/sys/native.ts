/**
 * Where the native helper (tspod-rt, built from native/ by `npm run build`)
 * is: extracted from the single executable's assets to the per-user cache
 * (verified by its hash, like koffi's addon), or beside the bundle.
 */
import fs from 'node:fs';
import path from 'node:path';
import { extractedAssetDir } from './sea.ts';
import { TspodError } from '../errors.ts';

const NAME = 'tspod-rt';

export function nativeHelper(): string {
  const extracted = extractedAssetDir(NAME, NAME);
  if (extracted) return path.join(extracted, NAME);
  const candidates = [
    process.env.TSPOD_RT,
    path.join(path.dirname(process.argv[1] ?? ''), NAME), // beside dist/tspod.cjs
  ];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new TspodError('ERR_TSPOD_CONTAINER_SETUP', `the native helper \`${NAME}\` is missing: run \`npm run build\``);
}
