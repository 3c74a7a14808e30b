/**
 * DnsResponder with a DnsLimiter: queries over the rate limit get REFUSED on every transport, UDP
 * replies (local, fast path and forwarded) go through the response limits, stream replies never do.
 */
import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder } from '../../../src/dns/serve/responder.js'
import type { DnsServerOptions } from '../../../src/dns/serve/options.js'
import { DnsLimiter, type DnsLimitSettings } from '../../../src/dns/limit/dns-limiter.js'
import type { UpstreamResolver } from '../../../src/dns/forward/upstream.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const rec = (name: string, type: string, value: string): DnsRecord => ({
  name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const index = RecordIndex.build([rec('a.zone.test', 'A', '192.0.2.1'), ...Array.from({ length: 30 }, (_, i) => rec('big.zone.test', 'A', `192.0.2.${i + 1}`))], 1)
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: false, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 200,
}
const OFF: DnsLimitSettings = {
  rateRps: 0, rateBurst: 50, mode: 'sliding_window', windowMs: 1000, maxPerWindow: 0, rrlMax: 0, rrlWindowMs: 1000, rrlSlip: 0, amplificationRatio: 0,
}
const resolver: UpstreamResolver = {
  resolve: async (q) => ({ kind: 'answer', rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', ttl: 60, data: '198.51.100.1' }], authorities: [], fromCache: false }),
}

function responder(s: Partial<DnsLimitSettings>): DnsResponder {
  return new DnsResponder(opts, { getIndex: () => index, log: pino({ level: 'silent' }), now: () => 1000, resolver, limiter: new DnsLimiter({ ...OFF, ...s }) })
}
const query = (name: string, id = 1): Buffer => dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }] })
const rcodeOf = (b: Buffer | undefined): string | undefined => (b ? dnsPacket.decode(b).rcode : undefined)

t.test('over the query rate limit: REFUSED on every transport, counted', async (t) => {
  const r = responder({ rateRps: 0.001, rateBurst: 2 })
  t.equal(rcodeOf(await r.handle(query('a.zone.test'), 'udp', '127.0.0.2')), 'NOERROR')
  t.equal(rcodeOf(await r.handle(query('a.zone.test'), 'tcp', '127.0.0.2')), 'NOERROR')
  for (const transport of ['udp', 'tcp', 'dot', 'doh'] as const) {
    const out = (await r.handle(query('a.zone.test', 9), transport, '127.0.0.2')) as Buffer
    t.equal(rcodeOf(out), 'REFUSED', transport)
    t.equal(dnsPacket.decode(out).id, 9)
  }
  t.equal(rcodeOf(await r.handle(query('a.zone.test'), 'udp', '127.0.0.3')), 'NOERROR', 'another client is answered')
  t.equal(r.handle(Buffer.alloc(5), 'udp', '127.0.0.2'), undefined, 'garbage over the limit gets nothing')
  t.equal(r.counters.queries, 8)
  t.equal(rcodeOf(await r.handle(query('a.zone.test'), 'udp')), 'NOERROR', 'no client address: not limited')
})

t.test('UDP replies go through RRL (local, fast path and forwarded); TCP replies never', async (t) => {
  const r = responder({ mode: 'rrl', rrlMax: 1, rrlWindowMs: 60_000, rrlSlip: 1 })
  t.equal(rcodeOf(r.handle(query('a.zone.test'), 'udp', '10.0.0.1') as Buffer), 'NOERROR')
  const slipped = r.handle(query('a.zone.test'), 'udp', '10.0.0.1') as Buffer
  t.equal(dnsPacket.decode(slipped).flag_tc, true, 'fast-path reply slipped')
  t.same(dnsPacket.decode(slipped).answers, [])
  t.equal(dnsPacket.decode((await r.handle(query('a.zone.test'), 'tcp', '10.0.0.1')) as Buffer).answers?.length, 1, 'TCP is not limited')
  t.equal(dnsPacket.decode((await r.handle(query('fwd.example'), 'udp', '10.0.0.1')) as Buffer).answers?.length, 1)
  t.equal(dnsPacket.decode((await r.handle(query('fwd.example'), 'udp', '10.0.0.1')) as Buffer).flag_tc, true, 'forwarded reply slipped')
})

t.test('the amplification cap truncates a large UDP reply, not a TCP one', async (t) => {
  const r = responder({ amplificationRatio: 2 })
  const q = query('big.zone.test')
  t.equal(dnsPacket.decode(r.handle(q, 'udp', '10.0.0.1') as Buffer).flag_tc, true)
  t.equal(dnsPacket.decode((await r.handle(q, 'tcp', '10.0.0.1')) as Buffer).answers?.length, 30)
  t.equal(dnsPacket.decode(r.handle(query('a.zone.test'), 'udp', '10.0.0.1') as Buffer).flag_tc, false, 'a small reply passes')
})
