/**
 * The replication state of this node (cluster_state.json, cluster-protocol spec §8) and the
 * pure rules over it: node id resolution, the duplicate rule, the fresh-node guard, policy
 * evaluation order and what an apply or rejection commits. Pure: node-state.ts loads and saves, the snapshot engine decides.
 */
import { DnsplaneError } from '../../errors.js'
import { lwwTimestamp } from '../sync/policies/global-lww.js'
import type { PolicyState, RejectReason, SyncPolicy } from '../sync/policies/index.js'
import { parseChallengePeers, type ChallengePeers } from '../session/challenge-peers.js'

export interface ClusterState {
  node_id: string
  /** Seq of the last snapshot this node pushed (0 = never wrote). */
  local_seq: number
  /** Highest seq applied or policy-rejected per sender node_id. */
  peer_seq: Record<string, number>
  last_global_lww_unix: number
  last_global_lww_node_id: string
  /** Ours: peers that announced challenge auth and so never get the plain token (session/challenge-peers.ts). */
  challenge_peers?: ChallengePeers
}

export function emptyState(nodeId = ''): ClusterState {
  return { node_id: nodeId, local_seq: 0, peer_seq: {}, last_global_lww_unix: 0, last_global_lww_node_id: '' }
}

/**
 * Node id per spec §8: non-empty trimmed config value, else the stored id, else 'node-' +
 * 16 lowercase hex chars from `randomBytes8` (8 random bytes supplied by the caller).
 */
export function resolveNodeId(configNodeId: string | undefined, storedNodeId: string, randomBytes8: () => Uint8Array): string {
  const fromConfig = (configNodeId ?? '').trim()
  if (fromConfig) return fromConfig
  if (storedNodeId.trim()) return storedNodeId
  return 'node-' + Buffer.from(randomBytes8()).subarray(0, 8).toString('hex')
}

/** The seq the duplicate rule compares: 0 counts as 1 (the original's rule). */
export function effectiveSeq(seq: number): number {
  return seq === 0 ? 1 : seq
}

/** True when the snapshot must be dropped unseen: empty node_id, or effective seq <= peer_seq[node_id]. */
export function isDuplicate(state: ClusterState, nodeId: string, seq: number): boolean {
  if (nodeId === '') return true
  return effectiveSeq(seq) <= (Object.hasOwn(state.peer_seq, nodeId) ? state.peer_seq[nodeId] : 0)
}

export interface SnapshotInput {
  node_id: string
  seq: number
  timestamp_unix: number
  /** Number of records in the snapshot (null counts as 0). */
  record_count: number
}

/** What to do with an incoming snapshot; `state` is the state to persist for 'reject'. */
export type SnapshotDecision =
  | { action: 'duplicate' }
  | { action: 'reject'; reason: RejectReason; state: ClusterState }
  | { action: 'apply' }

/**
 * Order: duplicate check, fresh-node guard, policy. The fresh-node guard (ours) refuses a seq-0
 * snapshot (its sender never wrote) when this node already holds records, so a new or reset
 * node cannot overwrite or wipe a populated cluster; it does not touch peer_seq, so the sender's
 * first real push (seq 1) is still applied (fixes original weak point 4). A policy rejection
 * advances peer_seq to the effective seq, as the original does.
 */
export function decideSnapshot(
  state: ClusterState,
  snapshot: SnapshotInput,
  policy: SyncPolicy,
  policyState: PolicyState,
  receiverHasRecords: boolean,
): SnapshotDecision {
  if (isDuplicate(state, snapshot.node_id, snapshot.seq)) return { action: 'duplicate' }
  if (snapshot.seq === 0 && receiverHasRecords) return { action: 'reject', reason: 'empty_from_fresh_node', state }
  const verdict = policy.decide(snapshot, policyState)
  if (!verdict.apply) return { action: 'reject', reason: verdict.reason, state: advancePeerSeq(state, snapshot.node_id, snapshot.seq) }
  return { action: 'apply' }
}

/**
 * State after a successful apply: peer_seq advanced (except for seq 0, see decideSnapshot),
 * and for global_lww the winner tuple (lwwTimestamp(ts), node_id).
 */
export function commitApplied(state: ClusterState, snapshot: SnapshotInput, policy: SyncPolicy): ClusterState {
  let next = snapshot.seq === 0 ? state : advancePeerSeq(state, snapshot.node_id, snapshot.seq)
  if (policy.name === 'global_lww') {
    next = { ...next, last_global_lww_unix: lwwTimestamp(snapshot.timestamp_unix), last_global_lww_node_id: snapshot.node_id }
  }
  return next
}

/** peer_seq[nodeId] = max(stored, effectiveSeq(seq)). */
export function advancePeerSeq(state: ClusterState, nodeId: string, seq: number): ClusterState {
  const s = effectiveSeq(seq)
  const cur = Object.hasOwn(state.peer_seq, nodeId) ? state.peer_seq[nodeId] : 0
  if (s <= cur) return state
  return { ...state, peer_seq: { ...state.peer_seq, [nodeId]: s } }
}

/** cluster_state.json text: 2-space indent, Go key order, omitempty for peer_seq and the LWW tuple. */
export function serializeState(state: ClusterState): string {
  const out: Record<string, unknown> = { node_id: state.node_id, local_seq: state.local_seq }
  if (Object.keys(state.peer_seq).length > 0) out.peer_seq = state.peer_seq
  if (state.last_global_lww_unix) out.last_global_lww_unix = state.last_global_lww_unix
  if (state.last_global_lww_node_id) out.last_global_lww_node_id = state.last_global_lww_node_id
  if (state.challenge_peers) out.challenge_peers = state.challenge_peers
  return JSON.stringify(out, null, 2) + '\n'
}

/** Parses cluster_state.json; throws ERR_STATE_LOAD naming the bad key. Absent keys take zero values. */
export function parseState(text: string): ClusterState {
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch (cause) {
    throw new DnsplaneError('ERR_STATE_LOAD', `cluster state is not valid JSON: ${(cause as Error).message}`, { cause })
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DnsplaneError('ERR_STATE_LOAD', 'cluster state must be a JSON object')
  const o = v as Record<string, unknown>
  const bad = (k: string, what: string) => new DnsplaneError('ERR_STATE_LOAD', `cluster state ${k}: must be ${what}`)
  const uint = (x: unknown, k: string) => {
    if (x === undefined || x === null) return 0
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw bad(k, 'a non-negative integer')
    return x
  }
  const str = (x: unknown, k: string) => {
    if (x === undefined || x === null) return ''
    if (typeof x !== 'string') throw bad(k, 'a string')
    return x
  }
  const peerSeq: Record<string, number> = {}
  if (o.peer_seq !== undefined && o.peer_seq !== null) {
    if (typeof o.peer_seq !== 'object' || Array.isArray(o.peer_seq)) throw bad('peer_seq', 'an object')
    for (const [k, x] of Object.entries(o.peer_seq as Record<string, unknown>)) peerSeq[k] = uint(x, `peer_seq.${k}`)
  }
  const lww = o.last_global_lww_unix
  if (lww !== undefined && lww !== null && (typeof lww !== 'number' || !Number.isSafeInteger(lww))) {
    throw bad('last_global_lww_unix', 'an integer')
  }
  const state: ClusterState = {
    node_id: str(o.node_id, 'node_id'),
    local_seq: uint(o.local_seq, 'local_seq'),
    peer_seq: peerSeq,
    last_global_lww_unix: (lww as number | null | undefined) ?? 0,
    last_global_lww_node_id: str(o.last_global_lww_node_id, 'last_global_lww_node_id'),
  }
  const challengePeers = parseChallengePeers(o.challenge_peers)
  if (challengePeers) state.challenge_peers = challengePeers
  return state
}
