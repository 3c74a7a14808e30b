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
    case 'sync_ok': {
      const index = configuredPeers.indexOf(e.peer)
      return { kind: 'sync_ok', peer_index: index >= 0 ? index : undefined, at: Date.now() }
    }
    default:
      return undefined
  }
}
