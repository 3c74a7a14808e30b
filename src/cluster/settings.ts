/** The cluster_* config keys the cluster reads, and its limits (constants and the defaults in force). Pure. */
import { PUSH_RETRY_MAX_MS, PUSH_RETRY_MIN_MS } from './peers/backoff.js'
import { MAX_FRAME_BYTES } from './wire/codec.js'

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
  /** Ours (record_lww): how long tombstones are kept before they are forgotten. */
  cluster_tombstone_ttl_seconds?: number
  /** Ours: false = never send nor accept the plain token (challenge-response only; excludes Go peers). */
  cluster_allow_plain_token?: boolean
}

/** Default tombstone horizon: 7 days. */
export const DEFAULT_TOMBSTONE_TTL_SECONDS = 7 * 24 * 3600
/** record_lww runs anti-entropy with every peer this often when cluster_sync_interval_seconds is 0. */
export const LWW_ANTI_ENTROPY_DEFAULT_SECONDS = 60
/** A peer clock further than this from ours is flagged in status and metrics. */
export const CLOCK_SKEW_WARN_MS = 1_000
/** Most record_lww entries queued for one peer; beyond, the queue is dropped for an anti-entropy round. */
export const MAX_PENDING_ENTRIES = 200_000

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
  /** Frame limit after auth, both ways (the original's 64 MiB; tests lower it). */
  maxFrameBytes: number
}

/** The limits in force: the defaults above, with any override (tests). */
export function clusterLimits(overrides: Partial<ClusterLimits> = {}): ClusterLimits {
  return {
    authTimeoutMs: AUTH_TIMEOUT_MS,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxInboundConnections: MAX_INBOUND_CONNECTIONS,
    maxFailedAuthsPerIp: MAX_FAILED_AUTHS_PER_IP,
    failedAuthWindowMs: FAILED_AUTH_WINDOW_MS,
    peerConcurrency: PEER_CONCURRENCY,
    pushRetryMinMs: PUSH_RETRY_MIN_MS,
    pushRetryMaxMs: PUSH_RETRY_MAX_MS,
    maxFrameBytes: MAX_FRAME_BYTES,
    ...overrides,
  }
}
