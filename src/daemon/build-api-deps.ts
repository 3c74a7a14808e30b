/**
 * What the REST API and the control socket are handed: the daemon's real objects adapted to ApiDeps.
 * Builds no service and starts nothing.
 */
import type { UnanswerableCounter } from '../store/unanswerable.js'
import type { DnsLimitCounters } from '../dns/limit/dns-limiter.js'
import type { ApiDeps, Readiness } from '../api/deps.js'
import type { ConfigManager } from '../config/manager.js'
import type { ClusterManager } from '../cluster/manager.js'
import type { Stats } from '../stats/stats.js'
import type { Metrics } from '../metrics/registry.js'
import type { RecordStore } from '../store/record-store.js'
import type { ServersStore } from '../store/servers-file-store.js'
import { VERSION } from '../version.js'
import { apiCacheRowFrom } from './adapters.js'
import { digAll } from './dig.js'
import type { BuiltForwarding } from './build-forwarding.js'
import type { CompactionRecord } from './build-timers.js'
import type { BuildContext, UpFlags } from './options.js'

/** The services the control plane (API, control socket, dashboard) reads from. */
export interface ControlPlaneDeps {
  configManager: ConfigManager
  records: RecordStore
  servers: ServersStore
  forwarding: BuiltForwarding
  stats: Stats
  metrics: Metrics
  cluster: ClusterManager
  readiness: () => Readiness
  up: UpFlags
  lastCompaction: () => CompactionRecord
  /** When the daemon started (ms since the epoch): the first compaction is counted from here. */
  startedAtMs: number
  /** What the DNS abuse limits did (dashboard); undefined when no limit is set. */
  dnsLimits?: () => DnsLimitCounters | undefined
  /** The unanswerable-records counter /metrics uses, shared with the status route. */
  unanswerable?: UnanswerableCounter
}

export function apiDepsFor({ config, cfg, log }: BuildContext, d: ControlPlaneDeps): ApiDeps {
  const { forwarder, resolver, health, rows, fallbackNow } = d.forwarding
  return {
    records: d.records,
    unanswerable: d.unanswerable,
    servers: {
      list: () => d.servers.list(),
      // The API's validated ServerInput is a subset of what the servers file accepts.
      add: async (input) => {
        await d.servers.add(input)
        return { messages: [] }
      },
      update: async (address, input) => {
        await d.servers.update(address, input)
        return { messages: [] }
      },
      remove: async (address) => {
        await d.servers.remove(address)
      },
    },
    upstreamHealth: {
      enabled: config.upstream_health_check_enabled,
      intervalSeconds: config.upstream_health_check_interval_seconds,
      failures: config.upstream_health_check_failures,
      queryName: config.upstream_health_check_query_name,
      snapshot: () => health?.snapshot() ?? [],
    },
    cache: {
      list: () => resolver.cache.list(Date.now()).map((r) => apiCacheRowFrom(r, Date.now())),
      clear: () => resolver.cache.clear(),
      remove: (name, type) => resolver.cache.remove(name, type),
    },
    stats: { resolver: () => d.stats.counters() },
    readiness: d.readiness,
    version: { version: VERSION, node: process.version, os: process.platform, arch: process.arch },
    getApiToken: () => cfg().api_auth_token,
    getViewerToken: () => cfg().api_viewer_token,
    localWritesAllowed: () =>
      cfg().cluster_reject_local_writes
        ? { ok: false, reason: 'cluster: local record writes are disabled on this node (cluster_reject_local_writes)' }
        : { ok: true },
    bulkMaxBytes: config.records_bulk_max_bytes,
    config: d.configManager,
    cluster: d.cluster,
    tools: {
      dig: (q) => digAll(q, { forwarder, rows, fallback: fallbackNow, timeoutMs: Math.max(1, cfg().timeout) * 1000, now: Date.now }),
    },
    log: log.child({ component: 'api' }),
  }
}
