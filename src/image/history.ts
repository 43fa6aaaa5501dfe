/** `history`: an image's config history, newest first, each non-empty step with its layer's size. */
import { requireImage } from '../storage/images.ts';
import type { Store } from '../storage/store.ts';

export interface HistoryRow {
  /** The image id on the newest row, else `<missing>` (as docker shows steps of pulled images). */
  id: string;
  created: string;
  createdBy: string;
  size: number;
  comment: string;
  emptyLayer: boolean;
}

export function imageHistory(store: Store, query: string): HistoryRow[] {
  const img = requireImage(store.images(), query);
  const config = store.imageConfig(img);
  let steps: Array<{ created?: string; created_by?: string; comment?: string; empty_layer?: boolean }> = config.history ?? [];
  if (!steps.length) steps = img.layers.map(() => ({ created: config.created }));
  const sizes = img.layers.map((l) => store.layerMeta(l)?.size ?? 0);
  let layer = 0;
  const rows = steps.map((h) => {
    const size = h.empty_layer ? 0 : sizes[layer++] ?? 0;
    return { id: '<missing>', created: h.created ?? '', createdBy: h.created_by ?? '', size, comment: h.comment ?? '', emptyLayer: !!h.empty_layer };
  }).reverse();
  if (rows.length) rows[0].id = img.id;
  return rows;
}
