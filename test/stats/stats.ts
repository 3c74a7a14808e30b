import t from 'tap'
import { Stats, SERIES_MINUTES, DASHBOARD_LOG_LIMIT } from '../../src/stats/stats.js'
import type { ResolutionEvent, ResolutionOutcome } from '../../src/stats/resolution.js'
import type { DashboardExtra } from '../../src/stats/dashboard-data.js'

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0)

function clock(start = T0) {
  let now = start
  return { now: () => now, advance: (ms: number) => { now += ms } }
}

const ev = (outcome: ResolutionOutcome, over: Partial<ResolutionEvent> = {}): ResolutionEvent => ({
  at: T0, qname: 'www.example.com', qtype: 'A', outcome, rcode: 'NOERROR', duration_ms: 2, ...over,
})

const extra: DashboardExtra = {
  status: {
    ready: true, api_up: true, dns_up: true, tui: { connected: false, addr: '', since_rfc3339: '' },
    listeners: { dns_port: '53', api_port: '8080', api_enabled: true, client_socket: '', client_tcp: '' }, features: [],
  },
  cacheInfo: { entries_count: 0, compact_enabled: false, compact_interval_seconds: 0, next_compact_rfc3339: '', last_compact_rfc3339: '', last_compact_removed: 0 },
  upstream: { checks_enabled: false, active: 1, configured_rows: 1, healthy: 1, unhealthy: 0 },
  build: { version: '0.1.0' },
}

t.test('counts each outcome into the original counters, forwarded included', async (t) => {
  const s = new Stats({ now: clock().now })
  for (const o of ['local', 'cache', 'cache', 'upstream', 'none', 'blocked'] as const) s.record(ev(o))
  s.noteQueryWithoutResolution()
  const c = s.counters()
  t.same(
    { ...c, server_start_time: undefined },
    { total_queries: 7, total_cache_hits: 2, total_blocks: 1, total_queries_forwarded: 1, total_queries_answered: 6, server_start_time: undefined },
  )
  t.equal(c.server_start_time, '2024-01-01T12:00:00.000Z')
})

t.test('the resolution log keeps only the newest cap entries, newest first', async (t) => {
  const s = new Stats({ now: clock().now, resolutionLogCap: 3 })
  for (let i = 0; i < 5; i++) s.record(ev('local', { qname: `n${i}.example` }))
  const v = s.resolutions()
  t.equal(v.cap, 3)
  t.equal(v.count, 3)
  t.same(v.resolutions.map((r) => r.qname), ['n4.example', 'n3.example', 'n2.example'])
  t.equal(v.resolutions[0].at, '2024-01-01T12:00:00.000Z')
  s.purgeResolutions()
  t.same(s.resolutions(), { cap: 3, count: 0, resolutions: [] })
  t.equal(s.counters().total_queries, 5, 'purge leaves counters alone')
})

t.test('changing the cap keeps the newest entries that fit', async (t) => {
  const s = new Stats({ now: clock().now, resolutionLogCap: 5 })
  for (let i = 0; i < 5; i++) s.record(ev('local', { qname: `n${i}` }))
  s.setResolutionLogCap(2)
  t.same(s.resolutions().resolutions.map((r) => r.qname), ['n4', 'n3'])
  s.record(ev('local', { qname: 'n5' }))
  t.same(s.resolutions().resolutions.map((r) => r.qname), ['n5', 'n4'])
})

const badCaps = [0, -1, 1.5, 1_000_001, Number.NaN]
for (const cap of badCaps) {
  t.test(`rejects resolution log cap ${cap}`, async (t) => {
    t.throws(() => new Stats({ resolutionLogCap: cap }), RangeError)
  })
}

t.test('the minute series rolls over with the clock and forgets minutes older than 60', async (t) => {
  const c = clock()
  const s = new Stats({ now: c.now })
  s.record(ev('local', { duration_ms: 2 }))
  s.record(ev('local', { duration_ms: 4 }))
  let series = s.series()
  t.equal(series.length, SERIES_MINUTES)
  t.same(series[59], { t: T0 / 1000, replies: 2, avg_ms: 3 })
  t.equal(series[58].t, T0 / 1000 - 60)

  c.advance(60_000)
  s.record(ev('cache', { duration_ms: 1 }))
  series = s.series()
  t.same(series[58], { t: T0 / 1000, replies: 2, avg_ms: 3 })
  t.same(series[59], { t: T0 / 1000 + 60, replies: 1, avg_ms: 1 })

  c.advance(59 * 60_000)
  series = s.series()
  t.equal(series[0].t, T0 / 1000 + 60, 'oldest point is 59 minutes ago')
  t.equal(series[0].replies, 1)
  t.notOk(series.some((p) => p.t === T0 / 1000), 'the first minute has dropped out')

  c.advance(60 * 60_000)
  s.record(ev('local'))
  t.equal(s.series().reduce((a, p) => a + p.replies, 0), 1, 'a reused slot starts from zero')
})

t.test('per-second rates average the last 5 complete seconds', async (t) => {
  const c = clock()
  const s = new Stats({ now: c.now })
  for (let i = 0; i < 10; i++) s.record(ev('upstream'))
  s.record(ev('blocked'))
  let r = s.perSecondRates()
  t.equal(r.resolutions_per_sec, 0, 'the current second does not count yet')
  c.advance(1000)
  for (let i = 0; i < 5; i++) s.record(ev('cache'))
  c.advance(1000)
  r = s.perSecondRates()
  t.same(r, {
    window_seconds: 5, resolutions_per_sec: 3.2, local_per_sec: 0, cache_per_sec: 1,
    upstream_per_sec: 2, none_per_sec: 0, blocked_per_sec: 0.2,
  })
  c.advance(4000)
  t.equal(s.perSecondRates().resolutions_per_sec, 1, 'the first second has left the window')
  c.advance(1000)
  t.equal(s.perSecondRates().resolutions_per_sec, 0)
})

t.test('dashboardData has the original keys and derived summary values', async (t) => {
  const c = clock()
  const s = new Stats({ now: c.now })
  let d = s.dashboardData(extra)
  t.equal(d.summary.cache_hit_ratio, null, 'no ratio before the first query')
  t.same(Object.keys(d).sort(), ['build', 'cache_info', 'counters', 'log', 'per_sec_rates', 'perf', 'series', 'status', 'summary'])
  for (let i = 0; i < DASHBOARD_LOG_LIMIT + 10; i++) s.record(ev(i % 4 === 0 ? 'cache' : 'local', { duration_ms: i % 2 === 0 ? 1 : 3 }))
  s.record(ev('blocked', { duration_ms: 10 }))
  c.advance(90_000)
  const cluster = { enabled: false, node_id: '', listen_addr: '', replica_only: false, cluster_admin: false, peers: null, local_seq: 0, static_peer_count: 0, srv_peer_count: 0, effective_peer_count: 0 }
  d = s.dashboardData({ ...extra, cluster })
  t.same(d.cluster, cluster)
  t.equal(d.log.length, DASHBOARD_LOG_LIMIT)
  t.equal(d.summary.uptime_seconds, 90)
  t.equal(d.summary.server_start, '2024-01-01T12:00:00.000Z')
  t.equal(d.summary.cache_hit_ratio, Math.round((53 / 211) * 10000) / 10000)
  t.equal(d.summary.total_blocks, 1)
  t.same(Object.keys(d.counters).sort(), ['total_blocks', 'total_cache_hits', 'total_queries', 'total_queries_answered', 'total_queries_forwarded'])
  t.equal(d.perf.total, 211)
  t.equal(d.perf.max_total_ms, 10)
  t.equal(d.perf.outcome_cache, 53)
  s.resetPerf()
  t.equal(s.perf().total, 0)
})

t.test('record never throws on odd input', async (t) => {
  const s = new Stats({ now: clock().now })
  t.doesNotThrow(() => s.record({ ...ev('local'), at: Number.POSITIVE_INFINITY, duration_ms: Number.NaN }))
  t.doesNotThrow(() => s.record({ ...ev('local'), at: 8.64e15 + 1 }))
  t.doesNotThrow(() => s.record({ ...ev('local'), outcome: 'bogus' as ResolutionOutcome }))
  const r = s.resolutions().resolutions
  t.equal(r.length, 2)
  t.equal(r[1].duration_ms, 0)
  t.equal(r[0].at, '1970-01-01T00:00:00.000Z')
})

t.test('UPDATE events: outcome update is counted in perf and logged', async (t) => {
  const s = new Stats({ now: () => 1_000 })
  s.record(ev('update', { qname: 'example.test', qtype: 'UPDATE', rcode: 'NOERROR' }))
  s.record(ev('local'))
  t.equal(s.perf().outcome_update, 1)
  t.equal(s.perf().outcome_local, 1)
  t.same(s.resolutions().resolutions.map((e) => [e.outcome, e.qtype]), [['local', 'A'], ['update', 'UPDATE']], 'newest first')
})

t.test('a fast-path hit counts and logs as a resolution of duration 0, in the series at its time', async (t) => {
  const c = clock()
  const s = new Stats({ now: c.now, resolutionLogCap: 4 })
  s.record(ev('local', { duration_ms: 4 }))
  s.recordHit(T0 + 10, '192.0.2.7', { qname: 'hit.example', qtype: 'AAAA', rcode: 'NOERROR', record: 'AAAA 2001:db8::1' })
  s.recordHit(T0 + 20, undefined, { qname: 'cached.example', qtype: 'A', outcome: 'cache', rcode: 'NOERROR' })
  s.recordHit(T0 + 30, undefined, { qname: 'x', qtype: 'A', outcome: 'bogus' as never, rcode: 'NOERROR' })
  t.same({ ...s.counters(), server_start_time: undefined }, {
    total_queries: 3, total_cache_hits: 1, total_blocks: 0, total_queries_forwarded: 0, total_queries_answered: 3, server_start_time: undefined,
  })
  const p = s.perf()
  t.same([p.total, p.outcome_local, p.outcome_cache, p.avg_total_ms, p.max_total_ms], [3, 2, 1, 1.333, 4])
  const log = s.resolutions().resolutions
  t.same(log.map((e) => [e.qname, e.outcome, e.duration_ms, e.client_ip]), [
    ['cached.example', 'cache', 0, undefined], ['hit.example', 'local', 0, '192.0.2.7'], ['www.example.com', 'local', 4, undefined],
  ])
  t.equal(log[1].at, new Date(T0 + 10).toISOString())
  t.equal(s.series().at(-1)?.replies, 3)
  c.advance(1000)
  t.equal(s.perSecondRates().resolutions_per_sec, 3 / 5)
})

t.test('the series and rates follow the clock across second and minute boundaries', async (t) => {
  const c = clock(T0 + 999)
  const s = new Stats({ now: c.now })
  s.record(ev('local'))
  c.advance(1) // next second, same minute
  s.record(ev('cache'))
  s.record(ev('cache'))
  c.advance(59_000) // next minute
  s.record(ev('upstream'))
  c.advance(-120_000) // a clock that steps back lands in its own slots
  s.record(ev('none'))
  c.advance(121_000)
  const series = s.series()
  t.equal(series.at(-2)?.replies, 3, 'the minute of T0')
  t.equal(series.at(-1)?.replies, 1, 'the next minute')
  t.equal(series.at(-3)?.replies, 1, 'the stepped-back minute')
})

t.test('countHits(hit, n, at) counts as n recordHit calls would, without logging; unknown outcomes are ignored', async (t) => {
  const c = clock()
  const a = new Stats({ now: c.now })
  const b = new Stats({ now: c.now })
  const hit = { qname: 'h.example', qtype: 'A', outcome: 'cache' as const, rcode: 'NOERROR' }
  for (let i = 0; i < 3; i++) a.recordHit(T0 + 5, undefined, hit)
  b.countHits(hit, 3, T0 + 5)
  b.countHits({ ...hit, outcome: 'bogus' as never }, 2, T0 + 5)
  t.same(b.counters(), a.counters())
  t.same(b.perf(), a.perf())
  t.same(b.series(), a.series())
  t.equal(b.resolutions().count, 0, 'countHits does not log')
  b.logHit(T0 + 6, '192.0.2.1', hit)
  t.same(b.resolutions().resolutions.map((e) => [e.qname, e.client_ip, e.outcome]), [['h.example', '192.0.2.1', 'cache']])
  t.equal(b.counters().total_queries, 3, 'logHit does not count')
})
