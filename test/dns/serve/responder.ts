/**
 * DnsResponder without sockets: query bytes in, reply bytes out, one QueryEvent per answered query.
 */
import t from 'tap'
import dnsPacket from 'dns-packet'
import pino from 'pino'
import { DnsResponder, type TransferReply } from '../../../src/dns/serve/responder.js'
import type { DnsServerOptions } from '../../../src/dns/serve/options.js'
import type { QueryEvent } from '../../../src/dns/serve/query-event.js'
import { FastPathCache } from '../../../src/dns/serve/fast-path.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { recordsOf } from '../../helpers/dns-packet.js'

const rec = (name: string, type: string, value: string, ttl = 3600): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const many = Array.from({ length: 40 }, (_, i) => rec('big.zone.test', 'A', `192.0.2.${i + 1}`))
const records = [
  rec('zone.test', 'SOA', 'ns1.zone.test. hostmaster.zone.test. 7 3600 900 604800 300'),
  rec('a.zone.test', 'A', '192.0.2.1', 300),
  ...many,
]
const opts: DnsServerOptions = {
  bind: '127.0.0.1', port: 0, localRecordsEnabled: true, autoBuildPtrFromA: true, refuseAny: false,
  maxEdnsUdpPayload: 1232, tcpIdleTimeoutMs: 1000, tcpMaxConnections: 4, upstreamTimeoutMs: 100,
}
const log = pino({ level: 'silent' })

function responder(): { r: DnsResponder; events: QueryEvent[] } {
  const index = RecordIndex.build(records, 1)
  const events: QueryEvent[] = []
  const r = new DnsResponder(opts, { getIndex: () => index, log, sink: { record: (e) => events.push(e) }, now: () => 1_000 })
  return { r, events }
}

/** A query for a.zone.test A, id 0x1234, RD set: header, then 01 61 04 7a6f6e65 04 74657374 00, type 1, class 1. */
const A_QUERY = '1234' + '0100' + '0001' + '0000' + '0000' + '0000' + '0161' + '047a6f6e65' + '0474657374' + '00' + '0001' + '0001'

t.test('a local answer: the reply bytes, the event and the counters', async (t) => {
  const { r, events } = responder()
  const out = r.handle(Buffer.from(A_QUERY, 'hex'), 'udp', '198.51.100.9') as Buffer
  const expected =
    '1234' + '8500' + // ID; QR, AA, RD (RFC 1035 4.1.1); RA clear (no resolver); NOERROR
    '0001' + '0001' + '0000' + '0000' +
    A_QUERY.slice(24) + // the question as asked
    'c00c' + '0001' + '0001' + '0000012c' + '0004' + 'c0000201' // a.zone.test (pointer to 12) A IN 300 192.0.2.1
  t.equal(out.toString('hex'), expected)
  t.equal(events.length, 1)
  t.match(events[0], { qname: 'a.zone.test', qtype: 'A', outcome: 'local', rcode: 'NOERROR', transport: 'udp', truncated: false, client_ip: '198.51.100.9', record: 'A 192.0.2.1' })
  t.equal(r.counters.queries, 1)
  t.equal(r.counters.answered_local, 1)

  // the same question again comes from the fast path: same bytes with the new ID, one more event
  const again = r.handle(Buffer.from('abcd' + A_QUERY.slice(4), 'hex'), 'udp') as Buffer
  t.equal(again.toString('hex'), 'abcd' + expected.slice(4))
  t.equal(r.fast.pendingKey, undefined, 'a hit, not a miss')
  t.equal(events.length, 2)
  t.match(events[1], { qname: 'a.zone.test', outcome: 'local', rcode: 'NOERROR', transport: 'udp', truncated: false, duration_ms: 0 })
  t.equal(r.counters.answered_local, 2)
})

t.test('a name under our zone that does not exist: authoritative NXDOMAIN with the SOA', async (t) => {
  const { r, events } = responder()
  const q = dnsPacket.encode({ type: 'query', id: 77, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'nope.zone.test', type: 'A' }] })
  const out = r.handle(q, 'udp') as Buffer
  t.equal(out.readUInt16BE(0), 77)
  t.equal(out[2] & 0x84, 0x84, 'QR and AA set')
  t.equal(out[3] & 0x0f, 3, 'RCODE 3 (NXDOMAIN)')
  const d = dnsPacket.decode(out)
  t.equal(d.answers?.length, 0)
  t.same(recordsOf(d.authorities).map((a) => [a.name, a.type, a.ttl]), [['zone.test', 'SOA', 300]], 'SOA with TTL min(TTL, MINIMUM) (RFC 2308 3)')
  t.match(events, [{ qname: 'nope.zone.test', rcode: 'NXDOMAIN', outcome: 'local' }])
  t.equal(r.counters.nxdomain, 1)
})

t.test('a malformed query gets FORMERR with its ID; no resolution event; garbage shorter than a header gets nothing', async (t) => {
  const { r, events } = responder()
  // QDCOUNT 2 (RFC 1035 allows it, nobody answers it): the header is echoed with FORMERR
  const two = Buffer.from('beef' + '0100' + '0002' + '0000' + '0000' + '0000' + A_QUERY.slice(24) + A_QUERY.slice(24), 'hex')
  const out = r.handle(two, 'udp') as Buffer
  t.ok(Buffer.isBuffer(out))
  t.equal(out.readUInt16BE(0), 0xbeef)
  t.equal(out[2] & 0x80, 0x80, 'QR set')
  t.equal(out[2] & 0x01, 0x01, 'RD copied')
  t.equal(out[3] & 0x0f, 1, 'RCODE 1 (FORMERR)')
  t.equal(out.readUInt16BE(6) + out.readUInt16BE(8), 0, 'no records')
  // a question cut in the middle
  const cut = r.handle(Buffer.from(A_QUERY.slice(0, 40), 'hex'), 'tcp') as Buffer
  t.equal(cut[3] & 0x0f, 1)
  t.equal(r.handle(Buffer.from('1234', 'hex'), 'udp'), undefined, 'no header, no reply')
  t.equal(r.counters.formerr, 2)
  t.equal(r.counters.queries, 3)
  t.equal(events.length, 0, 'not a resolution: the log and stats do not see it (as before the refactor)')
})

t.test('an answer over the UDP limit is truncated (TC=1, question kept, sections empty); TCP gets all of it', async (t) => {
  const { r, events } = responder()
  const q = dnsPacket.encode({ type: 'query', id: 5, questions: [{ name: 'big.zone.test', type: 'A' }] })
  const udp = r.handle(q, 'udp') as Buffer
  t.ok(udp.length <= 512, 'fits the classic 512 bytes (RFC 1035 4.2.1)')
  t.equal(udp[2] & 0x02, 0x02, 'TC set')
  t.equal(udp.readUInt16BE(4), 1, 'question kept')
  t.equal(udp.readUInt16BE(6), 0, 'no answers')
  t.equal(udp[3] & 0x0f, 0)
  const tcp = r.handle(q, 'tcp') as Buffer
  t.equal(tcp[2] & 0x02, 0, 'no TC over TCP')
  t.equal(tcp.readUInt16BE(6), 40)
  t.match(events, [{ transport: 'udp', truncated: true }, { transport: 'tcp', truncated: false }])
  t.equal(r.counters.truncated, 1)
})

t.test('FastPathCache.lookup returns the slab offset of a hit, the key of a miss, undefined for other shapes', async (t) => {
  const index = RecordIndex.build(records, 1)
  const fast = new FastPathCache(1232)
  const q = Buffer.from(A_QUERY, 'hex')
  const miss = fast.lookup(q, index)
  t.type(miss, 'string')
  const reply = Buffer.from('1234' + '8500' + '0001' + '0000' + '0000' + '0000' + A_QUERY.slice(24), 'hex')
  fast.store(miss as string, { bytes: reply, qname: 'a.zone.test', qtype: 'A', rcode: 'NOERROR' })
  const hit = fast.lookup(Buffer.from('9999' + A_QUERY.slice(4), 'hex'), index)
  t.equal(typeof hit, 'number')
  t.equal(fast.entryAt(hit as number).qname, 'a.zone.test')
  t.equal(fast.render(hit as never, Buffer.from('9999' + A_QUERY.slice(4), 'hex'), 0).toString('hex'), '9999' + reply.toString('hex').slice(4))
  t.equal(fast.lookup(Buffer.from('1234', 'hex'), index), undefined)
})

t.test('UPDATE messages go to the update service; the event has outcome update, qtype UPDATE, the zone', async (t) => {
  const index = RecordIndex.build(records, 1)
  const events: QueryEvent[] = []
  const seen: (string | undefined)[] = []
  const update = {
    handle: async (msg: Buffer, clientIp?: string) => {
      seen.push(clientIp)
      const reply = Buffer.from(msg.subarray(0, 12))
      reply[2] |= 0x80
      return { reply, report: { zone: 'zone.test', rcode: 'NOERROR' as const, added: 2, removed: 1 } }
    },
  }
  const r = new DnsResponder(opts, { getIndex: () => index, log, sink: { record: (e) => events.push(e) }, now: () => 1_000, update })
  const msg = Buffer.from('0042' + '2800' + '0001000000000000' + '047a6f6e65' + '0474657374' + '00' + '0006' + '0001', 'hex')
  const out = await r.handle(msg, 'udp', '192.0.2.1')
  t.equal(out?.readUInt16BE(0), 0x42)
  t.same(seen, ['192.0.2.1'])
  t.match(events, [{ qname: 'zone.test', qtype: 'UPDATE', outcome: 'update', rcode: 'NOERROR', record: '+2 -1', transport: 'udp' }])
  // without an update service UPDATE stays NOTIMP (the original's answer)
  const { r: plain } = responder()
  const notimp = (await plain.handle(msg, 'udp')) as Buffer
  t.equal(notimp[3] & 0x0f, 4)
})

t.test('transfers: IXFR over UDP gets the SOA alone, TCP gets every message, served SOAs carry the zone serial', async (t) => {
  const index = RecordIndex.build(records, 1)
  const { ZoneTracker } = await import('../../../src/zones/zone-tracker.js')
  const { answerTransfer } = await import('../../../src/dns/xfr/transfer.js')
  const tracker = new ZoneTracker({ maxDiffs: 10, maxBytes: 100_000 })
  tracker.load(records, new Map([['zone.test', { serial: 1_800_000_000, digest: 'x' }]]), 1_800_000_005)
  const events: QueryEvent[] = []
  const r = new DnsResponder(opts, {
    getIndex: () => index, log, sink: { record: (e) => events.push(e) }, now: () => 1_000,
    xfr: { soaSerial: (apex) => tracker.serialOf(apex), transfer: (q, msg, stream) => answerTransfer(q, msg, tracker, true, stream) },
  })
  const serial = tracker.serialOf('zone.test') as number
  const soaOf = (m: Buffer | undefined) => {
    const rr = recordsOf(dnsPacket.decode(m as Buffer).answers)[0]
    return rr?.type === 'SOA' ? rr.data.serial : undefined
  }
  const ask = (type: string, authorities: dnsPacket.Answer[] = []) => dnsPacket.encode({ type: 'query', id: 9, questions: [{ type, name: 'zone.test' } as dnsPacket.Question], authorities })
  t.equal(soaOf(r.handle(ask('SOA'), 'udp') as Buffer), serial, 'a SOA query shows the tracked serial')
  const ixfr = ask('IXFR', [{ type: 'SOA', name: 'zone.test', data: { mname: 'a', rname: 'b', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 1 } } as dnsPacket.Answer])
  const udp = r.handle(ixfr, 'udp') as Buffer
  t.equal(soaOf(udp), serial)
  t.equal(dnsPacket.decode(udp).answers?.length, 1)
  t.equal(events.at(-1)?.qtype, 'IXFR')
  const tcp = (r.transfer(ixfr, 'tcp', '127.0.0.1') as TransferReply).messages
  t.ok(tcp.length >= 1)
  t.equal((dnsPacket.decode(tcp[0]).answers ?? []).length, records.length + 1, 'out of reach: the whole zone (RFC 1995 4)')
  t.equal(r.transfer(ask('A'), 'tcp'), undefined, 'not a transfer: handle() answers it')
  t.equal(r.transfer(Buffer.from('00', 'hex'), 'tcp'), undefined)
  const chaos = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'AXFR', name: 'zone.test', class: 'CH' } as dnsPacket.Question] })
  t.equal(r.transfer(chaos, 'tcp'), undefined, 'class CH: not ours to transfer')
  t.equal(dnsPacket.decode(r.handle(ask('AXFR'), 'udp') as Buffer).rcode, 'NOTIMP', 'AXFR over UDP: NOTIMP')
  const { r: plain } = responder()
  t.equal(plain.transfer(ixfr, 'tcp'), undefined, 'no transfer service: NOTIMP as before')
})

t.test('incoming NOTIFY: NOTIMP (we are no secondary)', async (t) => {
  const { r } = responder()
  const notify = dnsPacket.encode({ type: 'query', id: 3, questions: [{ type: 'SOA', name: 'zone.test' }] })
  notify.writeUInt16BE((4 << 11) | 0x0400, 2) // opcode NOTIFY, AA (RFC 1996 3.7)
  const reply = dnsPacket.decode(r.handle(notify, 'udp') as Buffer) as dnsPacket.DecodedPacket & { rcode: string; opcode: string }
  t.equal(reply.rcode, 'NOTIMP')
  t.equal(reply.opcode, 'NOTIFY')
  t.equal(reply.id, 3)
})

t.test('a fast-path hit goes to the sink\'s recordHit when it has one (no event object), the daemon\'s stats and metrics included', async (t) => {
  const index = RecordIndex.build(records, 1)
  const events: QueryEvent[] = []
  const hits: unknown[][] = []
  const r = new DnsResponder(opts, {
    getIndex: () => index, log, now: () => 2_000,
    sink: { record: (e) => events.push(e as QueryEvent), recordHit: (at, ip, hit) => hits.push([at, ip, hit.qname, hit.qtype, hit.outcome ?? 'local', hit.rcode, hit.record]) },
  })
  const first = r.handle(Buffer.from(A_QUERY, 'hex'), 'udp', '198.51.100.9') as Buffer
  const again = r.handle(Buffer.from(A_QUERY, 'hex'), 'udp', '198.51.100.10') as Buffer
  t.same(again, first, 'byte-identical to the general path')
  t.equal(events.length, 1, 'the miss is an event')
  t.same(hits, [[2_000, '198.51.100.10', 'a.zone.test', 'A', 'local', 'NOERROR', 'A 192.0.2.1']])

  const { buildStats } = await import('../../../src/daemon/build-stats.js')
  const built = buildStats({ dashboard_resolution_log_cap: 10 } as never)
  const d = new DnsResponder(opts, { getIndex: () => index, log, sink: built.sink, now: () => 5 })
  d.handle(Buffer.from(A_QUERY, 'hex'), 'udp', '198.51.100.9')
  d.handle(Buffer.from(A_QUERY, 'hex'), 'udp', '198.51.100.10')
  t.same(built.stats.resolutions().resolutions.map((e) => [e.client_ip, e.outcome, e.duration_ms, e.record]), [
    ['198.51.100.10', 'local', 0, 'A 192.0.2.1'], ['198.51.100.9', 'local', 0, 'A 192.0.2.1'],
  ])
  t.equal(built.stats.counters().total_queries_answered, 2)
  t.match(await built.metrics.render(), /dnsplane_dns_resolve_duration_seconds_count\{qtype="A"\} 2/)
})
