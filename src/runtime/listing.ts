/**
 * Containers as listings show them (`ps`, completion): every record, each
 * with the state listedState reads — /proc is consulted only for containers
 * whose record says they run. Kept apart from lifecycle.ts so that a listing
 * loads nothing that starts or signals processes.
 */
import { listedState } from '../storage/state.ts';
import type { Store } from '../storage/store.ts';
import type { Container } from './lifecycle.ts';

/** Every container, newest first; a damaged record is listed with status `unknown`. */
export function listedContainers(store: Store): Container[] {
  const out = store.containers().map((rec): Container => {
    const layout = store.layout(rec.id);
    const state = listedState(layout);
    return { rec, layout, dir: layout.dir, state: rec.damaged ? { ...state, status: 'unknown', pid: 0, error: rec.damaged } : state };
  });
  // ISO times compare as strings; localeCompare costs ~15 ms over a thousand.
  return out.sort((a, b) => (a.rec.created < b.rec.created ? 1 : a.rec.created > b.rec.created ? -1 : 0));
}
