/** The cluster_* config keys the cluster reads, and its limits. Types and constants only. */

/** A plain object of the cluster_* keys of dnsplane.json (spec records-and-config §Cluster). */
export interface ClusterSettings {
  cluster_enabled: boolean
  cluster_listen_addr: string
  cluster_advertise_addr: string
  cluster_peers: readonly string[]
  cluster_auth_token: string
  cluster_node_id: string
  cluster_sync_interval_seconds: number
  cluster_replica_only: boolean
  cluster_reject_local_writes: boolean
  cluster_admin: boolean
  cluster_admin_token: string
  cluster_sync_policy: string
  cluster_allowed_writer_node_ids: readonly string[]
  cluster_discovery_srv: string
  /** undefined when the key is absent from the file (then 60 if SRV is set). */
  cluster_discovery_interval_seconds: number | undefined
}

/** A silent client must authenticate within this time (ours; the original waits 60 s). */
export const AUTH_TIMEOUT_MS = 10_000
/** Idle limit between frames after auth (the original's 120 s deadline). */
export const IDLE_TIMEOUT_MS = 120_000
/** Inbound connections served at once; more are closed on accept. */
export const MAX_INBOUND_CONNECTIONS = 64
/** Failed auths from one IP within FAILED_AUTH_WINDOW_MS before it is refused for that window. */
export const MAX_FAILED_AUTHS_PER_IP = 10
export const FAILED_AUTH_WINDOW_MS = 60_000
/** Peers contacted at once by pull, probe and push fan-out. */
export const PEER_CONCURRENCY = 8
/** SRV lookups give up after this long. */
export const DISCOVERY_TIMEOUT_MS = 10_000
/** Probe period (the original's hard-coded 30 s). */
export const PROBE_INTERVAL_MS = 30_000

/** Client timeouts, as the original (spec §2 table). */
export const DIAL_TIMEOUT_MS = 5_000
export const PUSH_DEADLINE_MS = 30_000
export const PULL_DEADLINE_MS = 30_000
export const PROBE_DEADLINE_MS = 15_000
export const ADMIN_DIAL_TIMEOUT_MS = 8_000
export const ADMIN_DEADLINE_MS = 45_000

/** Overridable limits (tests shorten them). */
export interface ClusterLimits {
  authTimeoutMs: number
  idleTimeoutMs: number
  maxInboundConnections: number
  maxFailedAuthsPerIp: number
  failedAuthWindowMs: number
  peerConcurrency: number
  pushRetryMinMs: number
  pushRetryMaxMs: number
}
