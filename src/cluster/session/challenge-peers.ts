/**
 * Peers known to speak challenge auth: every address and node id that ever announced a
 * `challenge/*` capability in a completed handshake. Such a peer never gets the plain token, so a
 * man in the middle faking a Go node's auth_fail cannot extract it. Kept in cluster_state.json
 * (`challenge_peers`) so the rule survives restarts. Pure.
 */
import { DnsplaneError } from '../../errors.js'

export interface ChallengePeers {
  addresses: string[]
  node_ids: string[]
}

/** Entries kept per list; the oldest are forgotten first (bounds the state file). */
export const MAX_CHALLENGE_PEERS = 1024

/** True when `address`, or the peer's last known `nodeId`, announced challenge auth before. */
export function isChallengePeer(known: ChallengePeers | undefined, address: string, nodeId?: string): boolean {
  if (!known) return false
  return known.addresses.includes(address) || (nodeId !== undefined && nodeId !== '' && known.node_ids.includes(nodeId))
}

/** The lists with `address` and `nodeId` added (when given), or undefined when nothing changed. */
export function noteChallengePeer(known: ChallengePeers | undefined, address: string | undefined, nodeId: string | undefined): ChallengePeers | undefined {
  const cur = known ?? { addresses: [], node_ids: [] }
  const addAddr = address !== undefined && address !== '' && !cur.addresses.includes(address)
  const addNode = nodeId !== undefined && nodeId !== '' && !cur.node_ids.includes(nodeId)
  if (!addAddr && !addNode) return undefined
  const bounded = (list: string[], item: string | undefined, add: boolean) => (add ? [...list, item as string].slice(-MAX_CHALLENGE_PEERS) : list)
  return { addresses: bounded(cur.addresses, address, addAddr), node_ids: bounded(cur.node_ids, nodeId, addNode) }
}

/** Parses the stored `challenge_peers` value (absent or null = none); throws ERR_STATE_LOAD naming the key. */
export function parseChallengePeers(v: unknown): ChallengePeers | undefined {
  if (v === undefined || v === null) return undefined
  const bad = (what: string) => new DnsplaneError('ERR_STATE_LOAD', `cluster state challenge_peers${what}`)
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(': must be an object')
  const o = v as Record<string, unknown>
  const list = (k: 'addresses' | 'node_ids'): string[] => {
    const x = o[k]
    if (x === undefined || x === null) return []
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw bad(`.${k}: must be an array of strings`)
    return (x as string[]).slice(-MAX_CHALLENGE_PEERS)
  }
  const out = { addresses: list('addresses'), node_ids: list('node_ids') }
  return out.addresses.length + out.node_ids.length > 0 ? out : undefined
}
