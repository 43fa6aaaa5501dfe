/** Names in the user's store for completion, read through the domain modules; nothing when there is no store yet. */
import fs from 'node:fs';
import { defaultPaths, type PathOptions } from '../storage/paths.ts';
import { Store } from '../storage/store.ts';
import { listNetworks } from '../network/networks.ts';
import type { NameKind } from './verbs.ts';

/** docker.io/library/busybox:latest is also typed busybox:latest. */
function shortNames(ref: string): string[] {
  const short = ref.replace(/^docker\.io\/(library\/)?/, '');
  return short === ref ? [ref] : [short, ref];
}

export function storeNames(kind: NameKind, where: PathOptions = {}): string[] {
  const paths = defaultPaths(where);
  if (!fs.existsSync(paths.root)) return [];
  const store = new Store(paths);
  switch (kind) {
    case 'container': return store.containers().map((c) => c.name); // names only: no state, no /proc
    case 'image': return store.images().flatMap((i) => i.repoTags.flatMap(shortNames));
    case 'network': return listNetworks(store.root).map((n) => n.name);
    default: return [];
  }
}
