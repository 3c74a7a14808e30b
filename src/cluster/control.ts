/**
 * What the control plane (REST API, TUI through the API, dashboard) may ask of the cluster.
 * Implemented by cluster/node.ts (exported as ClusterManager); the daemon hands it to the API. Types only.
 */

export type PeerRole = 'full' | 'readonly'

/** One effective peer as `cluster status` shows it (original keys, plus ours marked). */
export interface PeerStatus {
  address: string
  last_outbound_ok?: string
  last_outbound_error?: string
  last_inbound_ok?: string
  last_pull_ok?: string
  last_probe_ok?: string
  last_probe_rtt_ms?: number
  last_probe_error?: string
  reachable: boolean
  /** Ours: RFC 3339 time of the last successful exchange of records with this peer (push acked, pull applied or inbound applied). */
  last_sync_ok?: string
  /** Ours: node id this peer announced, when known. */
  node_id?: string
  /** Ours: last seq applied from this peer's node id. */
  peer_seq?: number
  /**
   * Ours: replication lag, the age in seconds of the oldest change queued for this peer and not yet
   * delivered; 0 when nothing is queued; absent before any contact.
   */
  replication_lag_seconds?: number
  /** Ours: the same age, present only while something is queued for this peer. */
  oldest_pending_seconds?: number
  /** Ours: record count the peer announced at its last handshake (absent for Go peers). */
  records?: number
  /** Ours: whether the peer's announced record digest equalled ours then (absent for Go peers). */
  digest_match?: boolean
  /** Ours: pending push retry, if a push to this peer failed. */
  pending_push?: boolean
  /** Ours: capabilities the peer announced (record_lww/1, challenge/2); [] for a Go peer. */
  caps?: string[]
  /** Ours: how the last exchange ran: 'record_lww' (deltas) or 'records_full' (the original's snapshots). */
  sync_mode?: 'record_lww' | 'records_full'
  /** Ours: the peer's clock minus ours (ms, corrected by half the round trip), from the last handshake. */
  clock_skew_ms?: number
  /** Ours: record_lww entries queued for this peer and not yet acknowledged. */
  pending_entries?: number
}

/** Ours: the record_lww replica, when that policy runs. */
export interface ReplicaStatus {
  entries: number
  live: number
  tombstones: number
  tombstone_ttl_seconds: number
  /** The node's hybrid logical clock: wall ms and counter of the last version made or seen. */
  clock_wall_ms: number
  clock_counter: number
  /** Largest |clock_skew_ms| among peers, and whether it exceeds the bound (max_clock_skew_ms). */
  max_clock_skew_ms: number
  clock_skew_exceeded: boolean
  deltas_applied: number
  anti_entropy_rounds: number
}

/** The original's `cluster status` object (cluster-protocol spec §11) plus our extras. */
export interface ClusterStatus {
  enabled: boolean
  node_id: string
  listen_addr: string
  advertise_addr?: string
  replica_only: boolean
  cluster_admin: boolean
  peers: PeerStatus[] | null
  local_seq: number
  cluster_port_guess?: string
  sync_policy?: string
  allowed_writer_node_ids?: string[]
  last_global_lww_unix?: number
  last_global_lww_node_id?: string
  cluster_discovery_srv?: string
  cluster_discovery_interval_seconds?: number
  discovery_last_refresh?: string
  discovery_last_error?: string
  static_peer_count: number
  srv_peer_count: number
  effective_peer_count: number
  /** Ours: whether every effective peer synced within twice the sync interval (or no peers). */
  healthy?: boolean
  /** Ours: snapshots applied and rejected (by reason) since start. */
  snapshots_applied?: number
  snapshots_rejected?: Record<string, number>
  sync_interval_seconds?: number
  replica?: ReplicaStatus
  /** Ours: 'tls' when the cluster port speaks TLS (mutual when a CA is configured). */
  transport?: 'tcp' | 'tls' | 'mutual_tls'
}

export interface JoinInfo {
  node_id: string
  listen_addr: string
  dial_address: string
  token_sha256_hex: string
}

export interface PeerOpResult {
  address: string
  ok: boolean
  error?: string
}

export interface ClusterControl {
  status(): ClusterStatus
  /** Pull from every effective peer now (in parallel, bounded); one result per peer. */
  pull(): Promise<PeerOpResult[]>
  join(): JoinInfo
  /** Adds to cluster_peers, persists the config, takes effect at once. Returns human messages. */
  addPeer(address: string, role?: PeerRole): Promise<string[]>
  /** Throws ERR_NOT_FOUND when the address is not in cluster_peers. */
  removePeer(address: string): Promise<void>
  setPeerRole(address: string, role: PeerRole): Promise<void>
  pushRecords(address: string): Promise<void>
  pushConfig(address: string): Promise<void>
}
