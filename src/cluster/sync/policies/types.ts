/** Shared types of the sync policies (cluster-protocol spec §7). Pure. */

/** What a policy sees of an incoming records_full. */
export interface SnapshotMeta {
  node_id: string
  seq: number
  /** Unix seconds from the message; values <= 0 are treated as 1 by global_lww. */
  timestamp_unix: number
}

/** Receiver-side state a policy may consult. */
export interface PolicyState {
  allowed_writer_node_ids: readonly string[]
  last_global_lww_unix: number
  last_global_lww_node_id: string
}

export type PolicyName = 'lww_per_node' | 'primary_writer' | 'global_lww' | 'record_lww'

/** Closed set of reasons a snapshot is not applied; used as log field and metric label. */
export type RejectReason =
  | 'primary_writer_no_allowlist'
  | 'primary_writer_denied'
  | 'global_lww_stale'
  | 'empty_from_fresh_node'

export type PolicyDecision = { apply: true } | { apply: false; reason: Exclude<RejectReason, 'empty_from_fresh_node'> }

export interface SyncPolicy {
  readonly name: PolicyName
  decide(snapshot: SnapshotMeta, state: PolicyState): PolicyDecision
}
