import t from 'tap'
import { clusterGrid, upstreamGrid, formatMs, latencyView, limitsLine } from '../../../src/tui/top/top-data.js'

t.test('upstream rows: health, failures, last error; a down upstream is bad', async (t) => {
  t.same(upstreamGrid({ upstreams: [{ address_port: '1.1.1.1:53', unhealthy: false, consecutive_failures: 0 }, { address_port: '9.9.9.9:53', unhealthy: true, consecutive_failures: 3, last_probe_error: 'timeout' }] }), [
    { cells: ['1.1.1.1:53', 'ok', '0', ''], bad: false },
    { cells: ['9.9.9.9:53', 'DOWN', '3', 'timeout'], bad: true },
  ])
  t.same(upstreamGrid(undefined), [])
})

t.test('cluster grid: summary, and a peer is red when unreachable or behind while out of sync', async (t) => {
  const raw = {
    status: {
      enabled: true,
      node_id: 'n1',
      sync_policy: 'record_lww',
      healthy: false,
      peers: [
        { address: 'a:1', node_id: 'n2', reachable: true, replication_lag_seconds: 1, records: 9, digest_match: true },
        { address: 'b:1', reachable: false },
        { address: 'c:1', reachable: true, pending_entries: 4 },
        { address: 'd:1', reachable: true, pending_push: true },
      ],
    },
  }
  const g = clusterGrid(raw)
  t.equal(g.ok, false)
  t.match(g.summary, 'NOT in sync (3/4 peers reachable)')
  t.same(g.rows.map((r) => r.bad), [false, true, true, true])
  t.same(g.rows[0].cells, ['a:1', 'n2', 'yes', 'never', '1s', '0', '9 ✓'])
  const healthy = clusterGrid({ status: { enabled: true, healthy: true, peers: [{ address: 'c:1', reachable: true, pending_entries: 4 }] } })
  t.same(healthy.rows.map((r) => r.bad), [false], 'pending changes while in sync are normal')
  t.equal(healthy.ok, true)
  const off = clusterGrid({ status: { enabled: false, peers: null } })
  t.same({ enabled: off.enabled, ok: off.ok, rows: off.rows }, { enabled: false, ok: true, rows: [] }, 'clustering off is not red')
})

t.test('latency: the latest minute with replies, the per-minute series and the overall figures; — before any query', async (t) => {
  const v = latencyView({ perf: { total: 4, avg_total_ms: 0.5, max_total_ms: 30 }, series: [{ replies: 1, avg_ms: 0.25 }, { replies: 0, avg_ms: 0 }, { avg_ms: 'x' }] })
  t.same(v, { perMinute: [0.25, 0, 0], recentMs: 0.25, avgMs: 0.5, maxMs: 30 })
  t.same(latencyView({ perf: { total: 0 } }), { perMinute: [], recentMs: undefined, avgMs: undefined, maxMs: undefined })
  t.same([formatMs(undefined), formatMs(1.234), formatMs(45.6)], ['—', '1.23 ms', '46 ms'])
})

t.test('limits: the abuse counters of the dashboard data, yellow once a limit acted; none when no limit is set', async (t) => {
  t.equal(limitsLine({ perf: {} }), undefined)
  t.equal(limitsLine({ dns_limits: null }), undefined)
  t.same(limitsLine({ dns_limits: { refused_rate: 0, refused_window: 0, rrl_dropped: 0, rrl_slipped: 0, amplification_truncated: 0, evictions: 0 } }),
    { text: 'limits: refused 0 · rrl dropped 0 · slipped 0 · truncated 0 · forgotten 0', active: false })
  t.same(limitsLine({ dns_limits: { refused_rate: 7, refused_window: 2, rrl_dropped: 3, rrl_slipped: 3, amplification_truncated: 1, evictions: 0 } }),
    { text: 'limits: refused 7 · window-refused 2 · rrl dropped 3 · slipped 3 · truncated 1 · forgotten 0', active: true })
})
