import t from 'tap'
import { NetworkForwarder } from '../../../src/dns/forward/forwarder.js'
import { CACHE_WARM_NAME, selfEndpoint, startCacheWarm } from '../../../src/dns/forward/cache-warm.js'
import type { Forwarder } from '../../../src/dns/forward/forwarder.js'
import { aRecord, startFakeUpstream } from '../../helpers/fake-upstream.js'

/** A scheduler the test drives by hand: no timers, no timing. */
function manual() {
  const s = { fn: undefined as (() => void) | undefined, ms: 0, stopped: false }
  const every = (fn: () => void, ms: number) => {
    s.fn = fn
    s.ms = ms
    return () => void (s.stopped = true)
  }
  return { s, every }
}

t.test('selfEndpoint: the bound address, or loopback of its family for a wildcard bind', async (t) => {
  t.same(selfEndpoint('', 53), { address: '127.0.0.1', port: 53, transport: 'udp', addressPort: '127.0.0.1:53' })
  t.equal(selfEndpoint('0.0.0.0', 53).address, '127.0.0.1')
  t.same(selfEndpoint('::', 5353), { address: '::1', port: 5353, transport: 'udp', addressPort: '[::1]:5353' })
  t.equal(selfEndpoint(' 192.0.2.7 ', 53).addressPort, '192.0.2.7:53')
})

t.test('each tick asks the node itself localhost. A (a fake listener here) and counts the answer', async (t) => {
  const self = await startFakeUpstream(() => ({ answers: [aRecord('localhost', '127.0.0.1')] }))
  t.teardown(() => self.close())
  const forwarder = new NetworkForwarder({})
  t.teardown(() => forwarder.close())
  const { s, every } = manual()
  const warm = startCacheWarm({ forwarder, self: selfEndpoint('127.0.0.1', self.port), intervalMs: 10_000, timeoutMs: 2000, every })
  t.equal(s.ms, 10_000)
  t.same(self.queries, [], 'nothing is sent before the first interval')
  s.fn!()
  await warm.tick() // joins the query the timer started
  t.same(self.queries.map((q) => [q.transport, q.name, q.type]), [['udp', CACHE_WARM_NAME.slice(0, -1), 'A']])
  t.same(warm.counters(), { sent: 1, answered: 1, failed: 0 }, 'one query in flight at a time')
  warm.stop()
  t.ok(s.stopped)
})

t.test('a listener that does not answer is counted and reported, never retried in a pile', async (t) => {
  const self = await startFakeUpstream(() => ({ silent: true }))
  t.teardown(() => self.close())
  const forwarder = new NetworkForwarder({})
  t.teardown(() => forwarder.close())
  const reasons: string[] = []
  const warm = startCacheWarm({ forwarder, self: selfEndpoint('127.0.0.1', self.port), intervalMs: 1000, timeoutMs: 50, every: manual().every, onFailure: (r) => reasons.push(r) })
  await warm.tick()
  t.same(warm.counters(), { sent: 1, answered: 0, failed: 1 })
  t.same(reasons, ['timeout'])
})

t.test('a forwarder that throws is a failure, not an unhandled rejection', async (t) => {
  const forwarder: Forwarder = { forward: () => Promise.reject(new Error('closed')) }
  const reasons: string[] = []
  const warm = startCacheWarm({ forwarder, self: selfEndpoint('', 1), intervalMs: 1000, timeoutMs: 50, every: manual().every, onFailure: (r) => reasons.push(r) })
  await warm.tick()
  const quiet = startCacheWarm({ forwarder: { forward: () => Promise.reject('x') }, self: selfEndpoint('', 1), intervalMs: 1000, timeoutMs: 50, every: manual().every })
  await quiet.tick()
  t.same(reasons, ['closed'])
  t.same(quiet.counters(), { sent: 1, answered: 0, failed: 1 })
})

t.test('the default scheduler is an unref\'d interval that stop clears', async (t) => {
  const forwarder: Forwarder = { forward: () => Promise.reject(new Error('unused')) }
  const warm = startCacheWarm({ forwarder, self: selfEndpoint('', 1), intervalMs: 3_600_000, timeoutMs: 50 })
  warm.stop()
  t.same(warm.counters(), { sent: 0, answered: 0, failed: 0 })
})
