/**
 * docker's pre-defined networks as `network ls` and `network inspect` show
 * them: `bridge`, a real record made on first use (membership.ts
 * defaultBridge), and `host` and `none`, which are modes rather than
 * networks: listed and inspected, never created, connected, removed or pruned.
 */
import type { Store } from '../storage/store.ts';
import type { NetworkRecord } from '../model/network.ts';
import { TspodError } from '../errors.ts';
import { sha256Hex } from '../sys/random.ts';
import { findNetwork, listNetworks } from './networks.ts';
import { defaultBridge } from './membership.ts';
import { MODE_NETWORKS } from './mode.ts';

export interface ModeNetwork { id: string; name: typeof MODE_NETWORKS[number]; driver: 'host' | 'null'; created: string }
export type ShownNetwork = NetworkRecord | ModeNetwork;

export const isModeNetwork = (n: ShownNetwork): n is ModeNetwork => n.driver !== 'bridge';

/** host and none, created with the bridge (their ids are fixed, their time the bridge's). */
function modeNetworks(bridge: NetworkRecord): ModeNetwork[] {
  return MODE_NETWORKS.map((name) => ({ id: sha256Hex(`tspod pre-defined network ${name}`), name, driver: name === 'host' ? 'host' : 'null', created: bridge.created }));
}

/** Every network as docker lists them, by name: the user's, the bridge (made now if missing), host and none. */
export async function listShownNetworks(store: Store): Promise<ShownNetwork[]> {
  const bridge = listNetworks(store.root).find((n) => n.name === 'bridge') ?? await store.locked(() => defaultBridge(store));
  const all: ShownNetwork[] = [...listNetworks(store.root), ...modeNetworks(bridge)];
  return all.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
}

/** A network by name, full id or unique id prefix, host and none included. */
export async function findShownNetwork(store: Store, query: string): Promise<ShownNetwork> {
  const mode = (MODE_NETWORKS as readonly string[]).includes(query);
  if (!mode && !/^[a-f0-9]+$/.test(query)) return findNetwork(store.root, query);
  const all = await listShownNetworks(store);
  const hit = all.find((n) => n.name === query) ?? (() => {
    const byId = all.filter((n) => n.id.startsWith(query));
    return byId.length === 1 ? byId[0] : undefined;
  })();
  if (!hit) throw new TspodError('ERR_TSPOD_NO_SUCH_NETWORK', `network ${query} not found`);
  return hit;
}
