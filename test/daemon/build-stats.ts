/**
 * The daemon's sink: fast-path hits logged at once and counted in batches, yet every read of the
 * stats and the metrics sees exactly what immediate counting (Stats.recordHit, Metrics.recordHit) shows.
 */
import t from 'tap'
import { buildStats } from '../../src/daemon/build-stats.js'
import { Stats } from '../../src/stats/stats.js'
import { createMetrics } from '../../src/metrics/registry.js'
import type { ResolutionHit } from '../../src/stats/resolution.js'

const config = { dashboard_resolution_log_cap: 50 } as never
const hits: ResolutionHit[] = [
  { qname: 'a.test', qtype: 'A', rcode: 'NOERROR', record: 'A 192.0.2.1', pending: 0 },
  { qname: 'nx.test', qtype: 'AAAA', rcode: 'NXDOMAIN', pending: 0 },
  { qname: 'c.test', qtype: 'MX', outcome: 'cache', rcode: 'NOERROR', pending: 0 },
]

t.test('batched counting reads the same as counting each hit at once', async (t) => {
  const built = buildStats(config)
  const refStats = new Stats({ resolutionLogCap: 50 })
  const refMetrics = createMetrics()
  // within the current minute (the series and rates are read against the real clock), across seconds
  const start = Date.now() - 4_000
  for (let i = 0; i < 40; i++) {
    const at = start + i * 97
    const hit = hits[i % 3]
    built.sink.recordHit?.(at, `192.0.2.${i}`, hit)
    refStats.recordHit(at, `192.0.2.${i}`, { ...hit })
    refMetrics.recordHit(at, undefined, hit)
    if (i % 10 === 0) {
      const e = { at, qname: 'u.test', qtype: 'A', outcome: 'upstream' as const, rcode: 'NOERROR', duration_ms: 3 }
      built.sink.record(e)
      refStats.record(e)
      refMetrics.record(e)
    }
  }
  const strip = (c: ReturnType<Stats['counters']>) => ({ ...c, server_start_time: undefined })
  t.same(strip(built.stats.counters()), strip(refStats.counters()))
  t.same(built.stats.perf(), refStats.perf())
  t.same(built.stats.series(), refStats.series())
  t.same(built.stats.perSecondRates(), refStats.perSecondRates())
  t.same(built.stats.resolutions(), refStats.resolutions(), 'every answer in the log, in order')
  t.equal(await built.metrics.render(), await refMetrics.render())
  const d = built.stats.dashboardData({} as never)
  t.equal(d.counters.total_queries, 44)

  // hits after a read are counted by the next read (metrics first this time)
  built.sink.recordHit?.(Date.now(), undefined, hits[0])
  t.match(await built.metrics.render(), /dnsplane_dns_resolve_duration_seconds_count\{qtype="A"\} 19/)
  built.sink.recordHit?.(Date.now(), undefined, hits[0])
  t.equal(built.stats.counters().total_queries, 46)
  built.sink.recordHit?.(Date.now(), undefined, hits[0])
  built.stats.resetPerf()
  t.equal(built.stats.perf().total, 0, 'pending hits are counted before the reset, not after')
  t.equal(built.stats.counters().total_queries, 47)
})
