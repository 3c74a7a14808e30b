/**
 * Maps the cluster manager's events to metric events. Labels stay within closed sets: peers are
 * identified by their position in our own configured peer list, never by a peer-supplied string.
 */
import type { ClusterEvent } from '../cluster/manager.js'
import type { ClusterMetricEvent } from '../metrics/registry.js'

export function clusterEventToMetric(e: ClusterEvent, configuredPeers: readonly string[]): ClusterMetricEvent | undefined {
  switch (e.kind) {
    case 'frame_in':
      return { kind: 'frame_in', type: e.type, bytes: e.bytes }
    case 'frame_out':
      return { kind: 'frame_out', type: e.type, bytes: e.bytes }
    case 'auth_failure':
      return { kind: 'auth_failure' }
    case 'snapshot_sent':
      return { kind: 'snapshot_sent' }
    case 'snapshot_applied':
      return { kind: 'snapshot_applied', duration_ms: e.duration_ms }
    case 'snapshot_rejected':
      return { kind: 'snapshot_rejected', reason: e.reason }
    case 'snapshot_duplicate':
      return { kind: 'snapshot_rejected', reason: 'duplicate' }
    case 'delta_applied':
      return { kind: 'delta_applied', duration_ms: e.duration_ms }
    case 'anti_entropy':
      return { kind: 'anti_entropy', ok: e.ok }
    case 'records_rejected':
      return { kind: 'records_rejected', reason: e.reason, count: e.count }
    case 'sync_ok': {
      const index = configuredPeers.indexOf(e.peer)
      return { kind: 'sync_ok', peer_index: index >= 0 ? index : undefined, at: Date.now() }
    }
    default:
      return undefined
  }
}

/**
 * Measures dnsplane_cluster_replication_delay_seconds: the time from a local record write to the
 * first acknowledged push (`push_acked`) to each peer after it. Per peer only the oldest
 * undelivered write is remembered, so a burst of writes yields one sample per delivery (the
 * longest wait), and memory stays bounded by the peer count.
 */
export class ReplicationDelayTracker {
  private readonly pendingSince = new Map<string, number>()

  /** A local write at `at` (epoch ms) that `peers` (the effective peer addresses) have yet to receive. */
  onLocalWrite(at: number, peers: readonly string[]): void {
    for (const peer of this.pendingSince.keys()) if (!peers.includes(peer)) this.pendingSince.delete(peer)
    for (const peer of peers) if (!this.pendingSince.has(peer)) this.pendingSince.set(peer, at)
  }

  /** The replication_delay metric event for a `push_acked` at `at`, or undefined for any other event. */
  onEvent(e: ClusterEvent, at: number): ClusterMetricEvent | undefined {
    if (e.kind !== 'push_acked') return undefined
    const since = this.pendingSince.get(e.peer)
    if (since === undefined) return undefined
    this.pendingSince.delete(e.peer)
    return { kind: 'replication_delay', duration_ms: Math.max(0, at - since) }
  }
}
