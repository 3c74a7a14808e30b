import t from 'tap'
import { render } from 'ink-testing-library'
import { Top } from '../../../src/tui/top/Top.js'
import { apiError, fakeClient } from '../../helpers/fake-daemon-client.js'
import { until } from '../../helpers/until.js'

const STATS = () => ({ session: { resolver: { total_queries: 100, total_cache_hits: 40, total_blocks: 2, total_queries_forwarded: 60, total_queries_answered: 100 } } })

t.test('draws queries, upstreams and the cluster grid from the control API', async (t) => {
  let n = 0
  const client = fakeClient({
    'GET /stats': () => {
      n += 10
      return { session: { resolver: { total_queries: n, total_cache_hits: n / 2, total_blocks: 0, total_queries_forwarded: 0, total_queries_answered: n } } }
    },
    'GET /dns/upstreams/health': { upstreams: [{ address_port: '9.9.9.9:53', unhealthy: true, consecutive_failures: 3, last_probe_error: 'timeout' }] },
    'GET /api/v1/cluster': { status: { enabled: true, node_id: 'n1', sync_policy: 'record_lww', healthy: true, peers: [{ address: '10.0.0.2:7946', node_id: 'n2', reachable: true, replication_lag_seconds: 3 }] } },
    'GET /stats/dashboard/data': {
      perf: { total: 5, avg_total_ms: 1.5, max_total_ms: 12.25 },
      series: [{ t: 0, replies: 3, avg_ms: 1 }, { t: 60, replies: 2, avg_ms: 2.5 }, { t: 120, replies: 0, avg_ms: 0 }],
      dns_limits: { refused_rate: 7, refused_window: 0, rrl_dropped: 3, rrl_slipped: 2, amplification_truncated: 1, evictions: 0 },
    },
  })
  const r = render(<Top client={client} intervalMs={20} now={Date.now} />)
  t.teardown(() => r.unmount())
  const f = await until(r.lastFrame, (x) => x.includes('10.0.0.2:7946') && x.includes('9.9.9.9:53') && /[▁▂▃▄▅▆▇█]/.test(x) && x.includes('latency'))
  t.match(f, 'dnsplane top')
  t.match(f, /9\.9\.9\.9:53\s+DOWN\s+3\s+timeout/)
  t.match(f, 'node n1 · policy record_lww · in sync (1/1 peers reachable)')
  t.match(f, /10\.0\.0\.2:7946\s+n2\s+yes\s+never\s+3s/, 'the lag column is the real lag')
  t.match(f, /latency\s+2\.50 ms\s+\S+ per minute, 1 h · avg 1\.50 ms · max 12 ms/, 'the latest minute with replies, the chart and the overall figures')
  t.match(f, /queries\/s\s+\d/)
  t.match(f, 'limits: refused 7 · rrl dropped 3 · slipped 2 · truncated 1 · forgotten 0', 'what the abuse limits did')
})

t.test('shows what failed instead of data, and q quits', async (t) => {
  const client = fakeClient({ 'GET /stats': STATS, 'GET /dns/upstreams/health': { upstreams: [] }, 'GET /api/v1/cluster': apiError(409, 'cluster is not enabled') })
  const r = render(<Top client={client} intervalMs={20} />)
  t.teardown(() => r.unmount())
  const f = await until(r.lastFrame, (x) => x.includes('cluster is not enabled'))
  t.match(f, 'cluster: cluster is not enabled (HTTP 409)')
  t.match(f, 'no upstream health data')
  t.match(f, /latency: /, 'a failed latency poll says so')
  r.stdin.write('q')
  for (let i = 0; i < 5; i++) await new Promise((res) => setImmediate(res))
  const calls = client.calls.length
  await new Promise((res) => setTimeout(res, 100))
  t.equal(client.calls.length, calls, 'polling stopped after q')
})

t.test('Ctrl-C and Esc quit too', async (t) => {
  for (const key of ['\u0003', '\u001b']) {
    const client = fakeClient({ 'GET /stats': STATS })
    const r = render(<Top client={client} intervalMs={20} />)
    t.teardown(() => r.unmount())
    await until(r.lastFrame, (x) => x.includes('dnsplane top'))
    r.stdin.write(key)
    await new Promise((res) => setTimeout(res, 60))
    const calls = client.calls.length
    await new Promise((res) => setTimeout(res, 100))
    t.equal(client.calls.length, calls, `polling stopped after ${JSON.stringify(key)}`)
  }
})
