/**
 * What the control plane (REST API, TUI through the API, dashboard) may ask of the cluster.
 * Implemented by cluster/manager.ts; the daemon hands it to the API. Types only.
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
  /** Ours: seconds since the last successful sync, when known. */
  replication_lag_seconds?: number
  /** Ours: pending push retry, if a push to this peer failed. */
  pending_push?: boolean
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
