/**
 * Shapes of the `/stats/dashboard/data` object (keys keep the original dnsplane spellings)
 * and of the values other services provide for it. Types only.
 */
import type { ClusterStatus } from '../cluster/control.js'

/** The five query counters (original `counters` key). */
export interface QueryCounters {
  total_queries: number
  total_cache_hits: number
  total_blocks: number
  total_queries_forwarded: number
  total_queries_answered: number
}

/** `/stats` resolver object: the counters plus the start time (RFC 3339 UTC). */
export interface ResolverCounters extends QueryCounters {
  server_start_time: string
}

export interface PerfSummary {
  total: number
  outcome_local: number
  outcome_cache: number
  outcome_upstream: number
  outcome_none: number
  /** RFC 2136 UPDATE messages answered (any rcode). */
  outcome_update: number
  avg_total_ms: number
  max_total_ms: number
}

export interface UpstreamSummary {
  checks_enabled: boolean
  active: number
  configured_rows: number
  healthy: number
  unhealthy: number
}

export interface DashboardSummary {
  server_start: string
  uptime_seconds: number
  /** Cache answers / total queries, 0..1; null before the first query. */
  cache_hit_ratio: number | null
  /** Blocked answers / total queries, 0..1 (0 before the first query). */
  block_rate: number
  total_blocks: number
  upstream: UpstreamSummary
}

export interface CacheInfo {
  entries_count: number
  compact_enabled: boolean
  compact_interval_seconds: number
  next_compact_rfc3339: string
  last_compact_rfc3339: string
  last_compact_removed: number
}

/** One minute of the last-60-minutes series; `t` is the minute start in Unix seconds. */
export interface SeriesPoint {
  t: number
  replies: number
  avg_ms: number
}

/** A resolution as the dashboard shows it (`at` as RFC 3339 UTC). */
export interface ResolutionEntry {
  at: string
  client_ip?: string
  qname: string
  qtype: string
  outcome: string
  upstream?: string
  rcode: string
  record: string
  duration_ms: number
}

export interface ResolutionsView {
  cap: number
  count: number
  resolutions: ResolutionEntry[]
}

export interface FeatureFlag {
  key: string
  label: string
  value: string
  variant: 'ok' | 'warn' | 'bad' | 'neutral'
}

export interface DashboardStatus {
  ready: boolean
  api_up: boolean
  dns_up: boolean
  tui: { connected: boolean; addr: string; since_rfc3339: string }
  listeners: { dns_port: string; api_port: string; api_enabled: boolean; client_socket: string; client_tcp: string }
  features: FeatureFlag[]
}

export interface BuildInfo {
  version: string
  node_version?: string
  os?: string
  arch?: string
  commit?: string
  [key: string]: unknown
}

export interface PerSecondRates {
  window_seconds: number
  resolutions_per_sec: number
  local_per_sec: number
  cache_per_sec: number
  upstream_per_sec: number
  none_per_sec: number
  blocked_per_sec: number
}

/** What `Stats.dashboardData` needs from other services, gathered by the caller. */
export interface DashboardExtra {
  status: DashboardStatus
  cacheInfo: CacheInfo
  upstream: UpstreamSummary
  build: BuildInfo
  /** Present whenever a cluster manager exists (always in server mode). */
  cluster?: ClusterStatus
  fullstats?: unknown
  fullstats_top?: unknown
}

export interface DashboardData {
  counters: QueryCounters
  perf: PerfSummary
  summary: DashboardSummary
  cache_info: CacheInfo
  series: SeriesPoint[]
  log: ResolutionEntry[]
  fullstats?: unknown
  status: DashboardStatus
  fullstats_top?: unknown
  cluster?: ClusterStatus
  build: BuildInfo
  per_sec_rates: PerSecondRates
}
