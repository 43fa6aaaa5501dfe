/** docker ps --filter: key=value pairs; the same key ORs, different keys AND. */
import type { Container } from './lifecycle.ts';
import { TspodError } from '../errors.ts';

const KEYS = new Set(['id', 'name', 'status', 'label', 'exited', 'ancestor', 'before', 'since']);

export function parseFilters(specs: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of specs) {
    const i = s.indexOf('=');
    const key = i < 0 ? s : s.slice(0, i);
    if (i < 0 || !KEYS.has(key)) throw new TspodError('ERR_TSPOD_USAGE', `invalid filter \`${s}\``);
    out.set(key, [...(out.get(key) ?? []), s.slice(i + 1)]);
  }
  return out;
}

export function matchesFilters(c: Container, filters: Map<string, string[]>, all: Container[]): boolean {
  for (const [key, values] of filters) {
    const ok = values.some((v) => {
      switch (key) {
        case 'id': return c.rec.id.startsWith(v);
        case 'name': return new RegExp(v).test(c.rec.name);
        case 'status': return c.state.status === v;
        case 'exited': return c.state.status === 'exited' && String(c.state.exitCode) === v;
        case 'ancestor': return c.rec.image === v || c.rec.imageId.startsWith(v) || c.rec.imageId.slice(7).startsWith(v);
        case 'label': {
          const [k, val] = v.split('=');
          return k in c.rec.config.labels && (val === undefined || c.rec.config.labels[k] === val);
        }
        case 'before':
        case 'since': {
          const ref = all.find((o) => o.rec.name === v || o.rec.id.startsWith(v));
          if (!ref) return false;
          return key === 'before' ? c.rec.created < ref.rec.created : c.rec.created > ref.rec.created;
        }
        default: return false;
      }
    });
    if (!ok) return false;
  }
  return true;
}
