/** Stats (dashboard) and metrics (Prometheus), fed by one resolution sink the DNS server writes to. */
import { Stats } from '../stats/stats.js'
import { createMetrics, type Metrics } from '../metrics/registry.js'
import type { ResolutionEvent, ResolutionHit, ResolutionSink } from '../stats/resolution.js'
import type { Config } from '../config/schema.js'

export interface BuiltStats {
  stats: Stats
  metrics: Metrics
  /** Every answered query goes to both stats and metrics. */
  sink: ResolutionSink
}

/** Nothing to stop: both are in-memory and read on demand. */
export function buildStats(config: Config): BuiltStats {
  const stats = new Stats({ resolutionLogCap: config.dashboard_resolution_log_cap })
  const metrics = createMetrics()
  const sink: ResolutionSink = {
    record(e: ResolutionEvent) {
      stats.record(e)
      metrics.record(e)
    },
    recordHit(at: number, clientIp: string | undefined, hit: ResolutionHit) {
      stats.recordHit(at, clientIp, hit)
      metrics.recordHit(at, clientIp, hit)
    },
  }
  return { stats, metrics, sink }
}
