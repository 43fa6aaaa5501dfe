/** /etc/subuid and /etc/subgid ranges, and the id maps tspod writes from them. */

export interface IdRange { start: number; count: number }

/** One line of uid_map: inner id, outer id, count. */
export interface IdMapping { inner: number; outer: number; count: number }

/** Ranges in a subuid/subgid file that belong to the user (by name or numeric id). */
export function parseSubIds(text: string, user: string, id: number): IdRange[] {
  const out: IdRange[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const [who, start, count] = line.split(':');
    if (who !== user && who !== String(id)) continue;
    const s = Number(start);
    const c = Number(count);
    if (Number.isInteger(s) && Number.isInteger(c) && c > 0) out.push({ start: s, count: c });
  }
  return out;
}

/**
 * The container map: inner 0 is the user's own id, inner 1.. the subordinate
 * ranges in order. With no ranges, only 0 is mapped (single-id mode).
 */
export function containerMap(ownId: number, ranges: IdRange[]): IdMapping[] {
  const map: IdMapping[] = [{ inner: 0, outer: ownId, count: 1 }];
  let next = 1;
  for (const r of ranges) {
    map.push({ inner: next, outer: r.start, count: r.count });
    next += r.count;
  }
  return map;
}

/** Total ids covered by a map. */
export function mapSize(map: IdMapping[]): number {
  return map.reduce((n, m) => n + m.count, 0);
}

/** Arguments for newuidmap/newgidmap after the pid. */
export function mapArgs(map: IdMapping[]): string[] {
  return map.flatMap((m) => [String(m.inner), String(m.outer), String(m.count)]);
}
