import t from 'tap'
import { configDefaults } from '../../src/config/validate.js'
import { cacheInfoFrom, dashboardStatusFrom, featureFlagsFrom, upstreamSummaryFrom } from '../../src/daemon/dashboard-tiles.js'

const defaults = configDefaults()

t.test('feature tiles follow the live config', async (t) => {
  const on = featureFlagsFrom({ ...defaults, cluster_enabled: true, api_auth_token: 'x', cache_records: true })
  t.match(on.find((f) => f.key === 'cluster'), { value: 'On', variant: 'ok' })
  t.match(on.find((f) => f.key === 'api_auth'), { value: 'On', variant: 'ok' })
  t.match(on.find((f) => f.key === 'cache'), { value: 'On', variant: 'ok' })
  const off = featureFlagsFrom({ ...defaults, cluster_enabled: false, api_auth_token: '', cache_records: false })
  t.match(off.find((f) => f.key === 'cluster'), { value: 'Off', variant: 'neutral' })
  t.match(off.find((f) => f.key === 'api_auth'), { value: 'Off', variant: 'warn' }, 'an API without a token is a warning')
  t.same(off.map((f) => f.key), ['cluster', 'api_auth', 'cache', 'local_records', 'upstream_health', 'swr', 'refuse_any', 'dns_limits'])
  t.match(off.find((f) => f.key === 'dns_limits'), { value: 'Off' })
})

t.test('the DNS limits tile names the limits that are on', async (t) => {
  const tile = (c: Partial<typeof defaults>) => featureFlagsFrom({ ...defaults, ...c }).find((f) => f.key === 'dns_limits')?.value
  t.equal(tile({ dns_rate_limit_rps: 5, dns_max_responses_per_ip_window: 10, dns_amplification_max_ratio: 8 }), 'Rate, Window, Amplification')
  t.equal(tile({ dns_response_limit_mode: 'rrl', dns_rrl_max_per_bucket: 5 }), 'RRL')
  t.equal(tile({ dns_response_limit_mode: 'rrl', dns_max_responses_per_ip_window: 5 }), 'Off', 'the window is not used in rrl mode')
})

t.test('the status panel carries readiness, what is up and the listeners', async (t) => {
  const s = dashboardStatusFrom({ ...defaults, port: '5353', apiport: '8080', api: true, server_socket: '/tmp/s' }, false, { api: true, dns: false })
  t.match(s, { ready: false, api_up: true, dns_up: false, listeners: { dns_port: '5353', api_port: '8080', api_enabled: true, client_socket: '/tmp/s', client_tcp: '' } })
})

t.test('the cache tile clamps the compaction interval to 60 s and counts the next run from the last', async (t) => {
  const c = { ...defaults, cache_compact_enabled: true, cache_compact_interval_seconds: 10 }
  const before = cacheInfoFrom(c, 3, { at: 0, removed: 0 }, Date.UTC(2026, 0, 1))
  t.same(before, {
    entries_count: 3,
    compact_enabled: true,
    compact_interval_seconds: 60,
    next_compact_rfc3339: '2026-01-01T00:01:00.000Z',
    last_compact_rfc3339: '',
    last_compact_removed: 0,
  })
  const after = cacheInfoFrom(c, 1, { at: Date.UTC(2026, 0, 1, 1), removed: 2 }, Date.UTC(2026, 0, 1))
  t.equal(after.next_compact_rfc3339, '2026-01-01T01:01:00.000Z')
  t.equal(after.last_compact_rfc3339, '2026-01-01T01:00:00.000Z')
  t.equal(after.last_compact_removed, 2)
  t.equal(cacheInfoFrom({ ...c, cache_compact_enabled: false }, 0, { at: 0, removed: 0 }, 0).next_compact_rfc3339, '', 'no next run when off')
})

t.test('the upstream tile counts rows and, with checks on, healthy and unhealthy upstreams', async (t) => {
  const rows = [{ active: true }, { active: false }, { active: true }]
  t.same(upstreamSummaryFrom(rows, undefined), { checks_enabled: false, active: 2, configured_rows: 3, healthy: 0, unhealthy: 0 })
  t.same(upstreamSummaryFrom(rows, [{ unhealthy: false }, { unhealthy: true }, { unhealthy: false }]), {
    checks_enabled: true,
    active: 2,
    configured_rows: 3,
    healthy: 2,
    unhealthy: 1,
  })
})
