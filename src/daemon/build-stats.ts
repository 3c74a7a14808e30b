/** Stats (dashboard) and metrics (Prometheus), fed by one resolution sink the DNS server writes to. */
import { Stats } from '../stats/stats.js'
import { HitBatch } from '../stats/hit-batch.js'
import { createMetrics, type Metrics } from '../metrics/registry.js'
import type { ResolutionEvent, ResolutionHit, ResolutionSink } from '../stats/resolution.js'
import type { Config } from '../config/schema.js'

export interface BuiltStats {
  stats: Stats
  metrics: Metrics
  /** Every answered query goes to both stats and metrics. */
  sink: ResolutionSink
}

/**
 * Nothing to stop: both are in-memory and read on demand. Fast-path hits go to the resolution log at
 * once and are counted in batches (HitBatch: once a second and before any read of stats or metrics).
 */
export function buildStats(config: Config): BuiltStats {
  const stats = new Stats({ resolutionLogCap: config.dashboard_resolution_log_cap })
  const metrics = createMetrics({ beforeRender: () => batch.flush() })
  const batch = new HitBatch((hit, n, at) => {
    stats.countHits(hit, n, at)
    metrics.countHits(hit, n)
  })
  stats.setPendingFlush(() => batch.flush())
  const sink: ResolutionSink = {
    record(e: ResolutionEvent) {
      stats.record(e)
      metrics.record(e)
    },
    recordHit(at: number, clientIp: string | undefined, hit: ResolutionHit) {
      stats.logHit(at, clientIp, hit)
      batch.add(at, hit)
    },
  }
  return { stats, metrics, sink }
}
