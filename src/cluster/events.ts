/**
 * The cluster's observable events (metrics, dashboard) and the hub that fans them out. Every room
 * of the cluster emits through one EventHub owned by the node; listeners never break replication.
 */
import { parseMessage, type MessageType, type ParseResult, type RecordRejection } from './wire/messages.js'
import type { RejectReason } from './sync/policies/index.js'

export type SnapshotVia = 'push' | 'pull'
export type SnapshotOutcome = 'applied' | 'duplicate' | 'rejected'

export type AuthFailureReason =
  | 'auth_required'
  | 'no_token'
  | 'bad_token'
  | 'timeout'
  | 'bad_admin_token'
  | 'bad_proof'
  | 'plain_token_refused'
  | 'challenge_v1_refused'
  /** The client went away (or timed out) after our challenge without a valid proof. */
  | 'abandoned'

/** Observable events for metrics and the dashboard. `from` is a peer-supplied node id: never a metric label. */
export type ClusterEvent =
  | { kind: 'frame_in'; type: MessageType | 'invalid'; bytes: number }
  | { kind: 'frame_out'; type: MessageType; bytes: number }
  | { kind: 'connection_refused'; reason: 'max_connections' | 'source_blocked' }
  | { kind: 'auth_failure'; reason: AuthFailureReason }
  | { kind: 'snapshot_sent'; peer: string; seq: number; records: number; via: 'push' | 'pull_response' }
  | { kind: 'push_acked'; peer: string; seq: number }
  | { kind: 'push_failed'; peer: string; attempt: number; retry_in_ms: number }
  | { kind: 'snapshot_applied'; from: string; records: number; duration_ms: number; via: SnapshotVia }
  | { kind: 'snapshot_rejected'; from: string; reason: RejectReason; via: SnapshotVia }
  | { kind: 'snapshot_duplicate'; from: string; via: SnapshotVia }
  | { kind: 'snapshot_apply_failed'; from: string; via: SnapshotVia }
  | { kind: 'sync_ok'; peer: string; op: 'push' | 'pull' | 'inbound' }
  | { kind: 'pull_failed'; peer: string }
  | { kind: 'probe'; peer: string; ok: boolean; rtt_ms?: number }
  | { kind: 'admin_config'; outcome: 'applied' | 'refused_disabled' | 'refused_token' | 'refused_invalid' | 'persist_failed' }
  | { kind: 'discovery_refresh'; ok: boolean; srv_peers: number }
  | { kind: 'delta_applied'; from: string; entries: number; won: number; duration_ms: number }
  | { kind: 'delta_acked'; peer: string; entries: number }
  | { kind: 'anti_entropy'; peer: string; ok: boolean; buckets_differ?: number; received?: number; sent?: number }
  | { kind: 'clock_skew'; peer: string; skew_ms: number }
  | { kind: 'records_rejected'; from: string; reason: RecordRejection['reason']; count: number; via: 'delta' | 'records_full' | 'bucket_entries' }
  | { kind: 'local_versions'; entries: number }

/** Fans events out to listeners; a throwing listener is ignored. */
export class EventHub {
  private readonly listeners = new Set<(e: ClusterEvent) => void>()

  /** Subscribes; returns the unsubscribe function. */
  on(listener: (e: ClusterEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(e: ClusterEvent): void {
    for (const l of this.listeners) {
      try {
        l(e)
      } catch {
        // A broken metrics/dashboard listener must not break replication.
      }
    }
  }
}

/** parseMessage that also emits frame_in (type, or 'invalid'; bytes with the 4-byte header). */
export function countingParser(emit: (e: ClusterEvent) => void): (frame: Buffer) => ParseResult {
  return (frame) => {
    const parsed = parseMessage(frame)
    emit({ kind: 'frame_in', type: parsed.ok ? parsed.message.type : 'invalid', bytes: frame.length + 4 })
    return parsed
  }
}
