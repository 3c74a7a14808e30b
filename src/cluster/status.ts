/**
 * Builds `cluster status` (the original's object, cluster-protocol spec §11, plus our extras) from
 * plain data. Pure: the node gathers its state, the tracker records and the outbox queues, and
 * passes the time in; nothing here reads a clock, a timer, the network or the file system.
 */
import type { ClusterStatus } from './control.js'
import { staticPeerList } from './peers/discovery.js'
import { effectiveListenAddr } from './transport/netinfo.js'
import type { ClusterState } from './peers/peer-state.js'
import { formatUtcSeconds, peerStatus, type PeerRecord, type PeerStatusExtra } from './peers/peer-tracker.js'
import { normalizePolicyName } from './sync/policies/index.js'
import { CLOCK_SKEW_WARN_MS, type ClusterSettings } from './settings.js'

/** One effective peer as status sees it: its tracker record and what the outbox holds for it. */
export interface PeerView extends Omit<PeerStatusExtra, 'peerSeq'> {
  record: Readonly<PeerRecord>
}

/** The record_lww replica's counters (present only while that policy runs). */
export interface ReplicaView {
  entries: number
  live: number
  tombstones: number
  tombstoneTtlMs: number
  clock: { wall: number; counter: number }
  deltasApplied: number
  antiEntropyRounds: number
}

export interface StatusInput {
  state: Readonly<ClusterState>
  settings: ClusterSettings
  /** Epoch milliseconds. */
  now: number
  /** The address peers should dial (netinfo.dialAddress), '' when unknown. */
  advertiseAddr: string
  /** Effective peers in order (static first, then SRV). */
  peers: readonly PeerView[]
  srvPeerCount: number
  discoveryLastRefresh?: number
  discoveryLastError?: string
  snapshotsApplied: number
  snapshotsRejected: Readonly<Record<string, number>>
  replica?: ReplicaView
  transportKind?: ClusterStatus['transport']
}

/** Status of a node whose cluster is not running (a new object each call). */
export function disabledStatus(): ClusterStatus {
  return {
    enabled: false,
    node_id: '',
    listen_addr: '',
    replica_only: false,
    cluster_admin: false,
    peers: null,
    local_seq: 0,
    static_peer_count: 0,
    srv_peer_count: 0,
    effective_peer_count: 0,
  }
}

/** Status of a running node; keys the original omits when empty are left out. */
export function buildClusterStatus(input: StatusInput): ClusterStatus {
  const { state, settings: s, now } = input
  const adv = input.advertiseAddr
  const out: ClusterStatus = { enabled: true, node_id: state.node_id, listen_addr: effectiveListenAddr(s.cluster_listen_addr) } as ClusterStatus
  if (adv) out.advertise_addr = adv
  out.replica_only = !!s.cluster_replica_only
  out.cluster_admin = !!s.cluster_admin
  out.peers = input.peers.map(({ record, pendingPush, pendingEntries, pendingSince }) => {
    const nodeId = record.nodeId
    const peerSeq = nodeId && Object.hasOwn(state.peer_seq, nodeId) ? state.peer_seq[nodeId] : undefined
    return peerStatus(record, now, { peerSeq, pendingPush, pendingEntries, pendingSince })
  })
  out.local_seq = state.local_seq
  if (adv) out.cluster_port_guess = adv
  out.sync_policy = normalizePolicyName(s.cluster_sync_policy)
  const writers = staticPeerList(s.cluster_allowed_writer_node_ids ?? [])
  if (writers.length > 0) out.allowed_writer_node_ids = writers
  if (state.last_global_lww_unix) out.last_global_lww_unix = state.last_global_lww_unix
  if (state.last_global_lww_node_id) out.last_global_lww_node_id = state.last_global_lww_node_id
  const srv = (s.cluster_discovery_srv ?? '').trim()
  if (srv) {
    out.cluster_discovery_srv = srv
    const interval = s.cluster_discovery_interval_seconds ?? 60
    if (interval) out.cluster_discovery_interval_seconds = interval
    if (input.discoveryLastRefresh !== undefined) out.discovery_last_refresh = formatUtcSeconds(input.discoveryLastRefresh)
  }
  if (input.discoveryLastError) out.discovery_last_error = input.discoveryLastError
  out.static_peer_count = staticPeerList(s.cluster_peers ?? []).length
  out.srv_peer_count = input.srvPeerCount
  out.effective_peer_count = input.peers.length
  const records = input.peers.map((p) => p.record)
  out.healthy = isClusterHealthy(records, s, now)
  out.snapshots_applied = input.snapshotsApplied
  out.snapshots_rejected = { ...input.snapshotsRejected }
  out.sync_interval_seconds = Math.max(0, s.cluster_sync_interval_seconds ?? 0)
  const r = input.replica
  if (r) {
    const skew = maxClockSkewMs(records)
    out.replica = {
      entries: r.entries,
      live: r.live,
      tombstones: r.tombstones,
      tombstone_ttl_seconds: r.tombstoneTtlMs / 1000,
      clock_wall_ms: r.clock.wall,
      clock_counter: r.clock.counter,
      max_clock_skew_ms: skew,
      clock_skew_exceeded: skew > CLOCK_SKEW_WARN_MS,
      deltas_applied: r.deltasApplied,
      anti_entropy_rounds: r.antiEntropyRounds,
    }
  }
  out.transport = input.transportKind ?? 'tcp'
  return out
}

/**
 * Ours: every effective peer synced within twice cluster_sync_interval_seconds (or, with no interval,
 * is reachable or synced once), and none is blocked by an oversized snapshot. True with no peers.
 */
export function isClusterHealthy(peers: readonly Readonly<PeerRecord>[], s: ClusterSettings, now: number): boolean {
  const interval = Math.max(0, s.cluster_sync_interval_seconds ?? 0)
  return peers.every((p) => {
    if (p.pushBlocked) return false
    if (interval > 0) return p.lastSyncOk !== undefined && now - p.lastSyncOk <= 2 * interval * 1000
    return p.reachable || p.lastSyncOk !== undefined
  })
}

/** Largest |clock_skew_ms| among `peers` (0 when none reported one). */
export function maxClockSkewMs(peers: readonly Readonly<PeerRecord>[]): number {
  let max = 0
  for (const p of peers) max = Math.max(max, Math.abs(p.clockSkewMs ?? 0))
  return max
}
