import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder, type DnsServerOptions } from '../../../src/dns/serve/server.js'
import { FastPathCache, patchResponse } from '../../../src/dns/serve/fast-path.js'
import { rrTtlOffsets } from '../../../src/dns/wire/wire.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const records = [
  rec('bench.test', 'SOA', 'ns1.bench.test. hostmaster.bench.test. 1 3600 900 604800 300'),
  rec('bench.test', 'MX', '10 mail.bench.test.'),
  rec('bench.test', 'MX', '20 mail2.bench.test.'),
  rec('bench.test', 'TXT', '"v=spf1 mx -all"'),
  rec('host1.bench.test', 'A', '198.18.0.1'),
  rec('multi.bench.test', 'AAAA', '2001:db8::1'),
  rec('multi.bench.test', 'AAAA', '2001:db8::2'),
  rec('www.bench.test', 'CNAME', 'alias.bench.test'),
  rec('alias.bench.test', 'CNAME', 'host1.bench.test'),
  rec('198.51.100.7', 'PTR', 'seven.example.net'),
  rec('v6.bench.test', 'AAAA', '2001:db8::abcd'),
  rec('mail.bench.test', 'A', '198.18.0.25'),
  rec('*.wild.bench.test', 'A', '198.18.0.80'),
  rec('sub.bench.test', 'NS', 'ns1.sub.bench.test.'),
  rec('ns1.sub.bench.test', 'A', '198.18.0.70'),
  rec('old.bench.test', 'DNAME', 'bench.test.'),
]
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100,
}
const log = pino({ level: 'silent' })

const query = (name: string, type: string, o: { id: number; rd?: boolean; edns?: number }): Buffer =>
  dnsPacket.encode({
    type: 'query', id: o.id, flags: o.rd === false ? 0 : dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: type as 'A' }],
    additionals: o.edns ? [{ type: 'OPT', name: '.', udpPayloadSize: o.edns } as dnsPacket.Answer] : [],
  })

const v6rev = 'd.c.b.a.' + '0.'.repeat(20) + '8.b.d.0.1.0.0.2.ip6.arpa'
const table: [string, string, string, string, { edns?: number; aa?: boolean }][] = [
  // [label, warm-up name, then the same question asked differently, type, options]
  ['A', 'host1.bench.test', 'HOST1.bench.TEST', 'A', {}],
  ['AAAA with two values', 'multi.bench.test', 'MuLtI.bench.test', 'AAAA', {}],
  ['MX', 'bench.test', 'Bench.Test', 'MX', {}],
  ['TXT with EDNS', 'bench.test', 'BENCH.test', 'TXT', { edns: 4096 }],
  ['CNAME chain', 'www.bench.test', 'WWW.Bench.test', 'A', {}],
  ['NXDOMAIN', 'nx1.bench.test', 'NX1.bench.test', 'A', {}],
  ['NXDOMAIN with EDNS', 'nx2.bench.test', 'nX2.bench.test', 'A', { edns: 1232 }],
  ['NODATA', 'host1.bench.test', 'hOST1.bench.test', 'AAAA', {}],
  ['PTR v4 explicit', '7.100.51.198.in-addr.arpa', '7.100.51.198.IN-ADDR.ARPA', 'PTR', {}],
  ['PTR v4 from A', '1.0.18.198.in-addr.arpa', '1.0.18.198.In-Addr.Arpa', 'PTR', { edns: 512 }],
  ['PTR v6 from AAAA', v6rev, v6rev.toUpperCase(), 'PTR', {}],
  ['localhost', 'localhost', 'LocalHost', 'A', {}],
  ['MX with addresses in the additional section', 'bench.test', 'bEnCh.TeSt', 'MX', { edns: 1232 }],
  ['a wildcard match', 'x.wild.bench.test', 'X.Wild.Bench.Test', 'A', {}],
  ['a referral below a zone cut', 'www.sub.bench.test', 'WWW.SUB.bench.test', 'A', { aa: false }],
  ['a DNAME substitution', 'host1.old.bench.test', 'HOST1.Old.BENCH.test', 'A', {}],
]

for (const [label, warm, asked, type, o] of table) {
  t.test(`the fast path answers ${label} byte for byte as the general path does`, async (t) => {
    const index = RecordIndex.build(records, 1)
    const fast = new DnsResponder(opts, { getIndex: () => index, log })
    t.ok(fast.handle(query(warm, type, { id: 1, ...o }), 'udp', '127.0.0.1'), 'warm-up answered')
    t.equal(fast.fast.size, 1, 'warm-up stored one response')
    const msg = query(asked, type, { id: 0xbeef, rd: false, ...o })
    const viaFast = fast.handle(msg, 'udp', '127.0.0.1') as Buffer
    t.equal(fast.fast.pendingKey, undefined, 'answered from the cache (no miss)')
    t.equal(fast.fast.lastHit !== undefined, true)

    const general = new DnsResponder(opts, { getIndex: () => index, log })
    const viaGeneral = general.handle(msg, 'udp', '127.0.0.1') as Buffer
    t.equal(viaFast.toString('hex'), viaGeneral.toString('hex'))
    const d = dnsPacket.decode(viaFast)
    t.equal(d.id, 0xbeef)
    t.equal(d.flag_rd, false)
    t.equal(d.flag_aa, o.aa ?? true)
    t.equal(d.questions?.[0].name, asked, 'the client\'s letter case is echoed')

    // in place (the UDP listener with an empty send queue): the cache's own bytes patched, the same answer
    const inPlace = fast.handle(msg, 'udp', '127.0.0.1', true) as Buffer
    t.equal(inPlace.toString('hex'), viaGeneral.toString('hex'), 'in place: byte for byte the general path')
    const again = fast.handle(msg, 'udp', '127.0.0.1', true) as Buffer
    t.ok(again.buffer === inPlace.buffer && again.byteOffset === inPlace.byteOffset, 'in place: the same bytes each time (the slab\'s, no copy)')
    // the stored question now holds the client's case: another case still finds it (names compare folded)
    const lower = query(warm, type, { id: 7, ...o })
    const inPlace2 = fast.handle(lower, 'udp', '127.0.0.1', true) as Buffer
    t.equal(fast.fast.pendingKey, undefined, 'a hit after a mixed-case client was patched in')
    t.equal(inPlace2.toString('hex'), (general.handle(lower, 'udp', '127.0.0.1') as Buffer).toString('hex'))
    t.equal(fast.fast.size, 1, 'no second entry for the other case')
  })
}

t.test('a new index generation drops the cached responses', async (t) => {
  let index = RecordIndex.build(records, 1)
  const r = new DnsResponder(opts, { getIndex: () => index, log })
  r.handle(query('host1.bench.test', 'A', { id: 1 }), 'udp')
  index = RecordIndex.build([rec('host1.bench.test', 'A', '192.0.2.99')], 2)
  const d = dnsPacket.decode(r.handle(query('host1.bench.test', 'A', { id: 2 }), 'udp') as Buffer)
  t.equal((d.answers?.[0] as { data: string }).data, '192.0.2.99')
})

t.test('a cached response larger than the client limit goes the general way and is truncated', async (t) => {
  const many = Array.from({ length: 40 }, (_, i) => rec('big.bench.test', 'A', `192.0.2.${i + 1}`))
  const index = RecordIndex.build([...records, ...many], 1)
  const r = new DnsResponder(opts, { getIndex: () => index, log })
  const first = dnsPacket.decode(r.handle(query('big.bench.test', 'A', { id: 1, edns: 1232 }), 'udp') as Buffer)
  t.equal(first.answers?.length, 40)
  const small = dnsPacket.decode(r.handle(query('big.bench.test', 'A', { id: 2 }), 'udp') as Buffer)
  t.equal(small.flag_tc, true)
  t.equal(small.answers?.length, 0)
  t.equal(small.questions?.length, 1)
  t.equal(r.counters.truncated, 1)
})

t.test('patchResponse copies ID, RD, CD and the question bytes only', async (t) => {
  const template = Buffer.from('0000' + '8500' + '0001000100000000' + '01610000010001' + 'ffff', 'hex')
  const q = Buffer.from('abcd' + '0010' + '0001000000000000' + '01410000010001', 'hex')
  t.equal(patchResponse(template, q, 19).toString('hex'), 'abcd' + '8410' + '0001000100000000' + '01410000010001' + 'ffff')
})

/** A resolver answering from a pretend cache: counts calls; its cache generation is settable. */
function fakeCachedResolver() {
  const state = { calls: 0, generation: 0 }
  const resolver = {
    async resolve(question: { name: string; type: string }) {
      state.calls++
      return {
        kind: 'answer' as const,
        rcode: 'NOERROR',
        answers: [{ name: question.name, type: 'A', ttl: 300, class: 'IN', data: '203.0.113.5' }],
        authorities: [],
        fromCache: true,
        upstream: '192.0.2.53:53',
      }
    },
    cacheGeneration: () => state.generation,
  }
  return { resolver, state }
}

t.test('a cached forwarded answer is reused by the fast path with its TTL counted down, until the cache could expire it', async (t) => {
  const index = RecordIndex.build([], 1)
  let now = 1_000_000
  const { resolver, state } = fakeCachedResolver()
  const r = new DnsResponder({ ...opts, localRecordsEnabled: false }, { getIndex: () => index, log, resolver: resolver as never, now: () => now })
  const first = (await r.handle(query('fwd.example', 'A', { id: 1, edns: 1232 }), 'udp')) as Buffer
  t.equal(state.calls, 1)
  const ttlOf = (b: Buffer) => (dnsPacket.decode(b).answers?.[0] as { ttl: number }).ttl
  const again = r.handle(query('FWD.example', 'A', { id: 2, edns: 1232 }), 'udp')
  t.ok(Buffer.isBuffer(again), 'answered synchronously from the fast path')
  t.equal(state.calls, 1, 'the resolver was not asked again')
  const d = dnsPacket.decode(again as Buffer)
  t.equal(d.id, 2)
  t.equal((d.answers?.[0] as { data: string }).data, '203.0.113.5')
  t.equal(d.questions?.[0].name, 'FWD.example', 'the client\'s question bytes')
  t.same(d.additionals?.map((a) => a.type), ['OPT'], 'the OPT record is left as it was')
  t.equal(ttlOf(again as Buffer), 300)
  t.equal(r.counters.answered_cache, 2, 'both counted as cache answers')
  now += 2500
  const later = r.handle(query('fwd.example', 'A', { id: 3, edns: 1232 }), 'udp') as Buffer
  t.equal(state.calls, 1, 'still from the fast path 2.5 s later')
  t.equal(ttlOf(later), 298, 'TTL counted down by the whole seconds elapsed')
  t.equal(ttlOf(first), 300)
  const inPlace = r.handle(query('fwd.Example', 'A', { id: 9, edns: 1232 }), 'udp', undefined, true) as Buffer
  t.equal(ttlOf(inPlace), 298, 'in place: the TTL counted down too')
  t.equal(dnsPacket.decode(inPlace).id, 9)
  now += 1000
  t.equal(ttlOf(r.handle(query('fwd.example', 'A', { id: 10, edns: 1232 }), 'udp', undefined, true) as Buffer), 297)
  now -= 1000
  now += 297_000
  await r.handle(query('fwd.example', 'A', { id: 4 }), 'udp')
  t.equal(state.calls, 2, 'one second before the cache entry could expire, the cache is asked again')
  r.handle(query('fwd.example', 'A', { id: 5 }), 'udp')
  t.equal(state.calls, 2)
  state.generation++
  await r.handle(query('fwd.example', 'A', { id: 6 }), 'udp')
  t.equal(state.calls, 3, 'a cache change (flush, eviction) drops the reused bytes at once')
})

t.test('rrTtlOffsets finds the TTL of every answer and authority record, not OPT', async (t) => {
  const msg = dnsPacket.encode({
    type: 'response', id: 1, questions: [{ name: 'a.example', type: 'A' }],
    answers: [{ name: 'a.example', type: 'A', ttl: 77, data: '192.0.2.1' }, { name: 'a.example', type: 'A', ttl: 77, data: '192.0.2.2' }],
    authorities: [{ name: 'example', type: 'SOA', ttl: 77, data: { mname: 'ns.example', rname: 'h.example', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as dnsPacket.Answer],
  })
  const offsets = rrTtlOffsets(msg) as number[]
  t.equal(offsets.length, 3)
  t.ok(offsets.every((o) => msg.readUInt32BE(o) === 77))
  t.equal(rrTtlOffsets(msg.subarray(0, msg.length - 20)), undefined, 'a truncated message gives undefined')
  t.equal(rrTtlOffsets(Buffer.alloc(5)), undefined)
})

t.test('an answer fetched from upstream (not yet from the cache) is not reused', async (t) => {
  const index = RecordIndex.build([], 1)
  const { resolver, state } = fakeCachedResolver()
  const fresh = { ...resolver, resolve: async (q: { name: string; type: string }) => ({ ...(await resolver.resolve(q)), fromCache: false }) }
  const r = new DnsResponder({ ...opts, localRecordsEnabled: false }, { getIndex: () => index, log, resolver: fresh as never })
  await r.handle(query('up.example', 'A', { id: 1 }), 'udp')
  const second = r.handle(query('up.example', 'A', { id: 2 }), 'udp')
  t.notOk(Buffer.isBuffer(second), 'went to the resolver again (a promise)')
  await second
  t.equal(state.calls, 2)
})

t.test('dropped entries leave dead slab bytes that a later store compacts away; the rest still hit, byte for byte', async (t) => {
  const index = RecordIndex.build([], 1)
  const fast = new FastPathCache(1232)
  const q = (i: number, id = 1) => query(`n${i}.example`, 'A', { id })
  // a pretend response: the query with QR set and 200 bytes after it (enough to fill the slab quickly)
  const reply = (i: number) => Buffer.concat([q(i), Buffer.alloc(200, i & 0xff)]).fill(0x81, 2, 3) // QR, RD as asked
  const N = 1200
  for (let i = 0; i < N; i++) {
    const miss = fast.lookup(q(i), index)
    t.equal(typeof miss, 'string')
    fast.store(miss as string, { bytes: reply(i), qname: `n${i}.example`, qtype: 'A', rcode: 'NOERROR' }, [i % 2 === 0 ? 'even' : 'odd'])
  }
  t.equal(fast.size, N)
  const next = RecordIndex.build([], 2)
  fast.advance(next, new Set(['even']))
  t.equal(fast.size, N / 2, 'the even ones dropped')
  const before = fast.slabBytes
  t.ok(before.dead * 2 >= before.used - 1000 && before.dead > 64 * 1024, `half the bytes dead (${before.dead} of ${before.used})`)
  const miss = fast.lookup(q(0), next)
  fast.store(miss as string, { bytes: reply(0), qname: 'n0.example', qtype: 'A', rcode: 'NOERROR' }, ['even'])
  const after = fast.slabBytes
  t.equal(after.dead, 0, 'compacted')
  t.ok(after.used < before.used, `smaller (${after.used} < ${before.used})`)
  for (const i of [0, 1, 3, N - 1]) {
    const hit = fast.lookup(q(i, 0x4242), next)
    t.equal(typeof hit, 'number', `n${i} hits`)
    t.equal(fast.entryAt(hit as number).qname, `n${i}.example`)
    t.equal(fast.lastHit?.qname, `n${i}.example`)
    const want = reply(i)
    want.writeUInt16BE(0x4242, 0)
    t.equal(fast.render(hit as number, q(i, 0x4242), 0).toString('hex'), want.toString('hex'))
    t.equal(fast.renderInPlace(hit as number, q(i, 0x4242), 0).toString('hex'), want.toString('hex'))
  }
  t.equal(typeof fast.lookup(q(2), next), 'string', 'a dropped one misses')
})
