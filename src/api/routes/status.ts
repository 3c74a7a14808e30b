/**
 * GET /api/v1/status: one summary of the node for the TUI and operators.
 */
import type { ApiDeps } from '../deps.js'
import type { ApiApp } from './shared.js'
import { UnanswerableCounter } from '../../store/unanswerable.js'

export function registerStatusRoutes(app: ApiApp, deps: ApiDeps): void {
  const unanswerable = deps.unanswerable ?? new UnanswerableCounter()
  const now = deps.now ?? Date.now
  app.get('/api/v1/status', async () => {
    const stats = deps.stats.resolver()
    const readiness = deps.readiness()
    const started = Date.parse(stats.server_start_time)
    const uptime = Number.isFinite(started) ? Math.max(0, Math.floor((now() - started) / 1000)) : 0
    const cluster = deps.cluster?.status()
    return {
      version: deps.version.version,
      node_version: deps.version.node,
      os: deps.version.os,
      arch: deps.version.arch,
      server_start_time: stats.server_start_time,
      uptime_seconds: uptime,
      ready: readiness.ready,
      api: readiness.api,
      dns: readiness.dns,
      reasons: readiness.reasons ?? [],
      listeners: readiness.listeners,
      records: deps.records.index.size,
      // Records that load but no query can get (warned at load with index and reason; #13).
      records_unanswerable: unanswerable.count(deps.records.index, () => deps.records.list()),
      records_mass_delete_held: deps.records.heldMassDelete() ?? null,
      records_flush: deps.records.flushState?.() ?? null,
      servers: deps.servers.list().length,
      cache_entries: deps.cache.list().length,
      counters: stats,
      cluster_enabled: cluster?.enabled ?? false,
      cluster_node_id: cluster?.node_id,
      api_auth: deps.getApiToken().trim() !== '',
    }
  })
}
