/** What the dashboard's status, cache and upstream tiles show, from the live config and counters (pure). */
import type { Config } from '../config/schema.js'
import type { CacheInfo, DashboardStatus, FeatureFlag, UpstreamSummary } from '../stats/dashboard-data.js'
import type { CompactionRecord } from './build-timers.js'

const onOff = (b: boolean): string => (b ? 'On' : 'Off')

/** The feature tiles: cluster, API auth, cache, local records, upstream health, SWR, refuse ANY, DNS limits. */
export function featureFlagsFrom(c: Config): FeatureFlag[] {
  return [
    { key: 'cluster', label: 'Cluster sync', value: onOff(c.cluster_enabled), variant: c.cluster_enabled ? 'ok' : 'neutral' },
    { key: 'api_auth', label: 'API auth', value: onOff(!!c.api_auth_token), variant: c.api_auth_token ? 'ok' : 'warn' },
    { key: 'cache', label: 'Cache', value: onOff(c.cache_records), variant: c.cache_records ? 'ok' : 'neutral' },
    { key: 'local_records', label: 'Local records', value: onOff(c.local_records_enabled), variant: 'neutral' },
    { key: 'upstream_health', label: 'Upstream health', value: onOff(c.upstream_health_check_enabled), variant: 'neutral' },
    { key: 'swr', label: 'Stale-while-revalidate', value: onOff(c.stale_while_revalidate), variant: 'neutral' },
    { key: 'refuse_any', label: 'Refuse ANY', value: onOff(c.dns_refuse_any), variant: 'neutral' },
    { key: 'dns_limits', label: 'DNS limits', value: dnsLimitsLabel(c), variant: 'neutral' },
  ]
}

/** Which DNS abuse limits are on (docs/abuse-resistance.md): "Rate, RRL, Amplification", or "Off". */
function dnsLimitsLabel(c: Config): string {
  const on: string[] = []
  if (c.dns_rate_limit_rps > 0) on.push('Rate')
  if (c.dns_response_limit_mode === 'rrl' ? c.dns_rrl_max_per_bucket > 0 : c.dns_max_responses_per_ip_window > 0) on.push(c.dns_response_limit_mode === 'rrl' ? 'RRL' : 'Window')
  if (c.dns_amplification_max_ratio > 0) on.push('Amplification')
  return on.length > 0 ? on.join(', ') : 'Off'
}

/** The status panel: readiness, what is up, the listeners and the feature tiles. */
export function dashboardStatusFrom(c: Config, ready: boolean, up: { api: boolean; dns: boolean }): DashboardStatus {
  return {
    ready,
    api_up: up.api,
    dns_up: up.dns,
    tui: { connected: false, addr: '', since_rfc3339: '' },
    listeners: { dns_port: c.port, api_port: c.apiport, api_enabled: c.api, client_socket: c.server_socket, client_tcp: '' },
    features: featureFlagsFrom(c),
  }
}

/**
 * The cache tile. The compaction interval is shown clamped to 60 s as the timer uses it; the next run is
 * counted from the last one, or from `startedAtMs` before the first.
 */
export function cacheInfoFrom(c: Config, entries: number, last: CompactionRecord, startedAtMs: number): CacheInfo {
  const interval = Math.max(60, c.cache_compact_interval_seconds)
  return {
    entries_count: entries,
    compact_enabled: c.cache_compact_enabled,
    compact_interval_seconds: interval,
    next_compact_rfc3339: c.cache_compact_enabled ? new Date((last.at || startedAtMs) + interval * 1000).toISOString() : '',
    last_compact_rfc3339: last.at ? new Date(last.at).toISOString() : '',
    last_compact_removed: last.removed,
  }
}

/** The upstream tile: configured and active rows, and the health probes' verdicts when checks run. */
export function upstreamSummaryFrom(
  rows: ReadonlyArray<{ active: boolean }>,
  health: ReadonlyArray<{ unhealthy: boolean }> | undefined,
): UpstreamSummary {
  const snap = health ?? []
  return {
    checks_enabled: !!health,
    active: rows.filter((s) => s.active).length,
    configured_rows: rows.length,
    healthy: snap.filter((h) => !h.unhealthy).length,
    unhealthy: snap.filter((h) => h.unhealthy).length,
  }
}
