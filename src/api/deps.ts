/**
 * What the REST API needs from the rest of the node. Each member is a small interface of exactly
 * what the routes call; the daemon adapts the real objects (store, servers file, cache, cluster
 * manager, config manager) to them. Types only.
 */
import type { UnanswerableCounter } from '../store/unanswerable.js'
import type { Logger } from 'pino'
import type { ClusterControl } from '../cluster/control.js'
import type { ConfigControl } from '../config/control.js'
import type { RecordStore } from '../store/record-store.js'

/** One dnsservers.json row, snake_case as on disk (records-and-config spec §3). */
export interface ServerRow {
  address: string
  /** Port as a decimal string, as the original stores it. */
  port: string
  transport?: string
  doh_url?: string
  active: boolean
  local_resolver: boolean
  adblocker: boolean
  domain_whitelist?: string[]
  fallback_address?: string
  fallback_port?: string
  fallback_transport?: string
  fallback_doh_url?: string
  /** RFC 3339; Go zero time when never used. */
  last_used: string
  last_success: string
}

/**
 * Body of POST /dns/servers and PUT /dns/servers/:address after validation.
 * `port`/`fallback_port` arrive as strings (numbers in the request are converted).
 * On PUT the API fills an omitted `port` with "53", as the original does.
 */
export interface ServerInput {
  address: string
  port?: string
  active?: boolean
  local_resolver?: boolean
  adblocker?: boolean
  domain_whitelist?: string[]
  fallback_address?: string
  fallback_port?: string
  fallback_transport?: string
  fallback_doh_url?: string
}

/** Upstream server list with its persistence; throws ERR_SERVER_INVALID / ERR_SERVER_NOT_FOUND. */
export interface ServersDeps {
  list(): readonly ServerRow[]
  /** Validates (literal IP address), persists, returns human messages (warnings). */
  add(input: ServerInput): Promise<{ messages: string[] }>
  /** Replaces the row whose address is `address`; throws ERR_SERVER_NOT_FOUND when absent. */
  update(address: string, input: ServerInput): Promise<{ messages: string[] }>
  /** Throws ERR_SERVER_NOT_FOUND when absent. */
  remove(address: string): Promise<void>
}

/** One upstream health entry as the original's `/dns/upstreams/health` shows it. */
export interface UpstreamHealthEntry {
  address_port: string
  unhealthy: boolean
  consecutive_failures: number
  last_probe_at?: string
  last_probe_error?: string
  last_success_at?: string
}

export interface UpstreamHealthDeps {
  enabled: boolean
  intervalSeconds: number
  failures: number
  queryName: string
  snapshot(): UpstreamHealthEntry[]
}

/** One response-cache row as GET /cache lists it (the original's dnscache.json row shape). */
export interface CacheRow {
  dns_record: Record<string, unknown>
  expiry: string
  timestamp: string
  last_query: string
}

export interface CacheDeps {
  list(): readonly CacheRow[]
  clear(): void
  /** Removes rows for `name` (and `type` when given); returns how many were removed. */
  remove(name: string, type?: string): number
}

/** The original's resolver counters (`/stats` session.resolver). */
export interface ResolverStats {
  total_queries: number
  total_cache_hits: number
  total_blocks: number
  total_queries_forwarded: number
  total_queries_answered: number
  /** RFC 3339 start time of this process. */
  server_start_time: string
}

export interface StatsDeps {
  resolver(): ResolverStats
  /** Totals across restarts when the node keeps them; defaults to the session counters. */
  total?(): ResolverStats
}

export interface ListenerInfo {
  dns_port: string
  api_port: string
  api_enabled: boolean
  client_socket_path: string
  client_tcp_address: string
}

/** The /ready body in the original's shape, plus `reasons` (ours) when not ready. */
export interface Readiness {
  ready: boolean
  api: boolean
  dns: boolean
  listeners: ListenerInfo
  build?: Record<string, unknown>
  tui_client?: { connected: boolean; addr?: string; since?: string }
  reasons?: string[]
  /** Ours: why the node is ready although something is missing (e.g. it stopped waiting for a first sync). */
  notes?: string[]
}

export interface VersionInfo {
  version: string
  /** Node.js version, e.g. "v20.19.0". */
  node: string
  os: string
  arch: string
}

export type WritePermission = { ok: true } | { ok: false; reason: string }

/** One row of `tools dig`: one upstream (or the given server) and what it answered. */
export interface DigRow {
  server: string
  status: 'OK' | 'AUTH' | 'NO ANSWER' | 'ERROR'
  time_ms: number
  /** Answer RRs in presentation format. */
  answers: string[]
  error?: string
}

export interface DigQuery {
  name: string
  type: string
  server?: string
  port?: number
}

export interface ToolsDeps {
  dig(query: DigQuery): Promise<DigRow[]>
}

/** Everything the API reads and drives. Optional members switch their endpoints to an error. */
export interface ApiDeps {
  records: RecordStore
  /** The daemon's counter of unanswerable records, shared with /metrics (one O(records) pass per change); default: the route's own. */
  unanswerable?: UnanswerableCounter
  servers: ServersDeps
  upstreamHealth: UpstreamHealthDeps
  cache: CacheDeps
  stats: StatsDeps
  readiness: () => Readiness
  version: VersionInfo
  /** Read on every request so a changed token applies at once; trimmed before use. */
  getApiToken: () => string
  /** Ours: `api_viewer_token` now (read-only access); absent or empty = no viewer token. */
  getViewerToken?: () => string
  /** cluster_reject_local_writes: `{ok:false, reason}` makes record writes answer 403 with the reason. */
  localWritesAllowed: () => WritePermission
  /** records_bulk_max_bytes: the largest POST /api/v1/records/bulk body. */
  bulkMaxBytes?: number
  config?: ConfigControl
  cluster?: ClusterControl
  tools?: ToolsDeps
  log: Logger
  /** Clock in ms since the epoch (uptime in /api/v1/status); defaults to Date.now. */
  now?: () => number
}
