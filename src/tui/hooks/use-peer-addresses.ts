/** Cluster peer addresses for tab completion, fetched from the daemon (GET /api/v1/cluster). */
import type { DaemonClient } from '../daemon-client.js'
import { useDaemonList } from './use-daemon-list.js'
import { asArray, asObject, asString } from '../commands/shape.js'

/** Most peer addresses kept for completion. */
export const MAX_COMPLETION_PEERS = 1000

/** Peer addresses of a /api/v1/cluster answer (its `status.peers`, else `peers`), unique, in order. */
export function peerAddressesOf(raw: unknown): string[] {
  const o = asObject(raw)
  const peers = asArray(asObject(o.status).peers).length > 0 ? asArray(asObject(o.status).peers) : asArray(o.peers)
  const out = new Set<string>()
  for (const p of peers) {
    const a = asString(asObject(p).address)
    if (a !== '') out.add(a)
    if (out.size >= MAX_COMPLETION_PEERS) break
  }
  return [...out]
}

export function usePeerAddresses(client: DaemonClient): { peers: readonly string[]; refresh: () => void } {
  const { items, refresh } = useDaemonList(client, '/api/v1/cluster', peerAddressesOf)
  return { peers: items, refresh }
}
