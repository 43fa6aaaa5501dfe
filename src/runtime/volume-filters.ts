/** docker's `volume ls` and `volume prune` filters: name, label (label! for prune), driver, dangling. */
import type { VolumeRecord } from '../model/volume.ts';
import type { VolumeFilter } from '../volume/volumes.ts';
import { dockerMatch, matchLabels, parseFilters } from './filters.ts';
import { UsageError } from '../errors.ts';

const TRUE = ['true', '1'];
const BOOLS = [...TRUE, 'false', '0'];

/** The filter of `--filter` specs for `keys` (unknown keys and bad booleans refused). */
export function volumeFilter(specs: string[], keys: readonly string[]): VolumeFilter {
  const filters = parseFilters(specs, keys);
  for (const key of ['dangling', 'all']) {
    for (const v of filters.get(key) ?? []) if (!BOOLS.includes(v)) throw new UsageError(`invalid filter '${key}=${v}'`);
  }
  return (v: VolumeRecord, used: Map<string, string[]>) => [...filters].every(([key, values]) => {
    if (key === 'name') return values.some((p) => dockerMatch(p, v.name));
    if (key === 'label') return matchLabels(values, v.labels);
    if (key === 'label!') return !matchLabels(values, v.labels);
    if (key === 'driver') return values.includes(v.driver);
    if (key === 'dangling') return values.some((d) => TRUE.includes(d) === !used.has(v.name));
    return true;
  });
}

/** `volume prune --filter all=true` means --all. */
export function pruneAll(specs: string[]): boolean {
  return specs.some((s) => /^all=(true|1)$/i.test(s));
}
