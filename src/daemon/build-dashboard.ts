/** The dashboard's dependencies: live tiles over stats, metrics, cluster, cache and upstreams. Starts nothing. */
import type { DashboardDeps } from '../dashboard/routes.js'
import { VERSION } from '../version.js'
import { cacheInfoFrom, dashboardStatusFrom, upstreamSummaryFrom } from './dashboard-tiles.js'
import type { ControlPlaneDeps } from './build-api-deps.js'
import type { BuildContext } from './options.js'

export function dashboardDepsFor({ cfg, log }: BuildContext, d: ControlPlaneDeps): DashboardDeps {
  const { resolver, health } = d.forwarding
  return {
    enabled: () => cfg().stats_dashboard_enabled,
    stats: d.stats,
    metrics: d.metrics,
    cluster: () => d.cluster.status(),
    status: () => dashboardStatusFrom(cfg(), d.readiness().ready, d.up),
    cacheInfo: () => cacheInfoFrom(cfg(), resolver.cache.size, d.lastCompaction(), d.startedAtMs),
    upstreamSummary: () => upstreamSummaryFrom(d.servers.list(), health?.snapshot()),
    getApiToken: () => cfg().api_auth_token,
    getViewerToken: () => cfg().api_viewer_token,
    recordCount: () => d.records.list().length,
    dnsLimits: d.dnsLimits,
    syncIntervalSeconds: () => cfg().cluster_sync_interval_seconds,
    build: { version: VERSION, node_version: process.version, os: process.platform, arch: process.arch },
    logger: log.child({ component: 'dashboard' }),
  }
}
