import t from 'tap'
import pino from 'pino'
import { UpstreamHealth } from '../../../src/dns/forward/upstream-health.js'
import type { Forwarder, ForwardRequest, ForwardResult } from '../../../src/dns/forward/forwarder.js'
import type { UpstreamEndpoint } from '../../../src/dns/forward/upstream-select.js'

const log = pino({ level: 'silent' })
const T0 = Date.UTC(2024, 0, 1)
const E1: UpstreamEndpoint = { address: '192.0.2.1', port: 53, transport: 'udp', addressPort: '192.0.2.1:53' }
const E2: UpstreamEndpoint = { address: '192.0.2.2', port: 53, transport: 'udp', addressPort: '192.0.2.2:53' }

/** Answers per endpoint from a mutable table. */
class ScriptedForwarder implements Forwarder {
  outcome = new Map<string, 'ok' | 'nxdomain' | 'servfail' | 'timeout'>()
  calls: ForwardRequest[] = []
  async forward(req: ForwardRequest): Promise<ForwardResult> {
    this.calls.push(req)
    const ep = req.endpoints[0]
    const o = this.outcome.get(ep.addressPort) ?? 'ok'
    if (o === 'ok' || o === 'nxdomain') {
      return { kind: 'answer', rcode: o === 'ok' ? 'NOERROR' : 'NXDOMAIN', answers: [], authorities: [], ad: false, upstream: ep.addressPort, failures: [] }
    }
    if (o === 'servfail') return { kind: 'none', reason: 'all_failed', failures: [{ addressPort: ep.addressPort, reason: 'servfail', rcode: 'SERVFAIL' }] }
    return { kind: 'none', reason: 'timeout', failures: [] }
  }
}

function setup(endpoints: UpstreamEndpoint[] = [E1, E2]) {
  const fw = new ScriptedForwarder()
  const clock = { now: T0 }
  const eps = { list: endpoints }
  const h = new UpstreamHealth(
    { failures: 2, intervalSeconds: 1, queryName: 'probe.example.' },
    { getEndpoints: () => eps.list, forwarder: fw, now: () => clock.now, log },
  )
  return { fw, clock, h, eps }
}

t.test('N consecutive failures mark an endpoint unhealthy; a success clears it', async (t) => {
  const { fw, clock, h } = setup()
  fw.outcome.set(E1.addressPort, 'servfail')
  fw.outcome.set(E2.addressPort, 'nxdomain')
  await h.probeOnce()
  t.ok(h.isHealthy(E1.addressPort), 'one failure is not enough')
  clock.now = T0 + 30_000
  await h.probeOnce()
  t.notOk(h.isHealthy(E1.addressPort))
  t.ok(h.isHealthy(E2.addressPort), 'NXDOMAIN counts as healthy')
  t.same(h.snapshot(), [
    {
      address_port: E1.addressPort,
      unhealthy: true,
      consecutive_failures: 2,
      last_probe_at: new Date(T0 + 30_000).toISOString(),
      last_probe_error: 'SERVFAIL',
    },
    {
      address_port: E2.addressPort,
      unhealthy: false,
      consecutive_failures: 0,
      last_probe_at: new Date(T0 + 30_000).toISOString(),
      last_success_at: new Date(T0 + 30_000).toISOString(),
    },
  ])
  fw.outcome.set(E1.addressPort, 'ok')
  await h.probeOnce()
  t.ok(h.isHealthy(E1.addressPort))
  t.equal(h.snapshot()[0].consecutive_failures, 0)
})

t.test('probes an A query for the configured name to one endpoint at a time', async (t) => {
  const { fw, h } = setup([E1])
  await h.probeOnce()
  t.same(
    fw.calls.map((c) => [c.name, c.type, c.endpoints.map((e) => e.addressPort)]),
    [['probe.example.', 'A', [E1.addressPort]]],
  )
})

t.test('endpoints no longer configured are forgotten; unknown endpoints are healthy', async (t) => {
  const { fw, h, eps } = setup()
  fw.outcome.set(E1.addressPort, 'timeout')
  await h.probeOnce()
  t.equal(h.snapshot()[0].last_probe_error, 'timeout')
  eps.list = [E2]
  await h.probeOnce()
  t.same(
    h.snapshot().map((e) => e.address_port),
    [E2.addressPort],
  )
  t.ok(h.isHealthy('203.0.113.9:53'))
})

t.test('start probes at once and stop ends the loop', async (t) => {
  const { fw, h } = setup([E1])
  h.start()
  await h.stop()
  t.ok(fw.calls.length >= 1)
  const n = fw.calls.length
  await new Promise((r) => setImmediate(r))
  t.equal(fw.calls.length, n, 'no probes after stop')
})
