import t from 'tap'
import { createMetrics } from '../../src/metrics/registry.js'

t.test('API 429s and encrypted upstream exchanges are counted by closed labels', async (t) => {
  const m = createMetrics()
  let text = await m.render()
  t.match(text, /^dnsplane_api_rate_limited_total 0$/m, 'zero series before any 429')
  t.match(text, /^dnsplane_upstream_encrypted_queries_total\{transport="doh",outcome="timeout"\} 0$/m)
  m.apiRateLimitedTotal.inc()
  m.observeUpstreamExchange({ transport: 'dot', outcome: 'ok', durationMs: 20 })
  m.observeUpstreamExchange({ transport: 'dot', outcome: 'servfail', durationMs: 5 }) // not a transport outcome
  m.observeUpstreamExchange({ transport: 'doh', outcome: 'timeout', durationMs: Number.NaN })
  m.observeUpstreamExchange({ transport: 'udp', outcome: 'ok', durationMs: 1 }) // not encrypted: ignored
  text = await m.render()
  t.match(text, /^dnsplane_api_rate_limited_total 1$/m)
  t.match(text, /^dnsplane_upstream_encrypted_queries_total\{transport="dot",outcome="ok"\} 1$/m)
  t.match(text, /^dnsplane_upstream_encrypted_queries_total\{transport="dot",outcome="network_error"\} 1$/m)
  t.match(text, /^dnsplane_upstream_encrypted_queries_total\{transport="doh",outcome="timeout"\} 1$/m)
  t.notMatch(text, /transport="udp"/)
  t.match(text, /^dnsplane_upstream_encrypted_duration_seconds_count\{transport="dot"\} 2$/m)
  t.match(text, /^dnsplane_upstream_encrypted_duration_seconds_bucket\{le="0.025",transport="dot"\} 2$/m)
  t.notMatch(text, /^dnsplane_upstream_encrypted_duration_seconds_count\{transport="doh"\} [1-9]/m, 'a NaN duration is not observed')
})
