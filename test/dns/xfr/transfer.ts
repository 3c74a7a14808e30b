import t from 'tap'
import dnsPacket from 'dns-packet'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { parseQuery, type ParsedQuery } from '../../../src/dns/wire/wire.js'
import { answerTransfer, ixfrClientSerial, isTransferQtype, peekQtype, RCODE_NOTAUTH, XFR_MESSAGE_BUDGET_BYTES } from '../../../src/dns/xfr/transfer.js'
import { ZoneTracker } from '../../../src/zones/zone-tracker.js'

const T0 = 1_800_000_000
const rec = (name: string, type: string, value: string, updated = T0): DnsRecord => ({
  name, type, value, ttl: 300, added_on: GO_ZERO_TIME, updated_on: new Date(updated * 1000).toISOString(), last_query: GO_ZERO_TIME,
})
const ZONE = [rec('z.test', 'SOA', 'ns.z.test. h.z.test. 1 3600 900 604800 300'), rec('z.test', 'NS', 'ns.z.test.'), rec('ns.z.test', 'A', '192.0.2.1')]

function query(type: 'AXFR' | 'IXFR', name = 'z.test', serial?: number, edns = false): { q: ParsedQuery; msg: Buffer } {
  const msg = dnsPacket.encode({
    type: 'query', id: 7, questions: [{ type, name, class: 'IN' }],
    authorities: serial === undefined ? [] : [{ type: 'SOA', name, ttl: 0, data: { mname: 'ns.' + name, rname: 'h.' + name, serial, refresh: 1, retry: 1, expire: 1, minimum: 1 } }],
    additionals: edns ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as dnsPacket.Answer] : [],
  })
  const p = parseQuery(msg)
  if (p.kind !== 'query') throw new Error('bad query')
  return { q: p.query, msg }
}
const decode = (m: Buffer) => dnsPacket.decode(m) as dnsPacket.DecodedPacket & { rcode: string; flag_aa: boolean }
const soaSerials = (msgs: Buffer[]) => msgs.flatMap((m) => decode(m).answers ?? []).map((a) => (a.type === 'SOA' ? `SOA ${(a.data as { serial: number }).serial}` : `${a.name} ${a.type}`))

function zones(): ZoneTracker {
  const z = new ZoneTracker({ maxDiffs: 10, maxBytes: 1_000_000 })
  z.load(ZONE, new Map(), T0)
  z.update([...ZONE, rec('a.z.test', 'A', '192.0.2.2', T0 + 5)], T0 + 5)
  z.update([...ZONE, rec('a.z.test', 'A', '192.0.2.2', T0 + 5), rec('b.z.test', 'A', '192.0.2.3', T0 + 9)].filter((r) => r.name !== 'ns.z.test'), T0 + 9)
  return z
}

t.test('AXFR: SOA, the zone, SOA; AA set, question in the first message, OPT when asked', async (t) => {
  const { q, msg } = query('AXFR', 'z.test', undefined, true)
  const a = answerTransfer(q, msg, zones(), true, true)
  t.equal(a.kind, 'axfr')
  t.equal(a.serial, T0 + 9)
  t.same(soaSerials(a.messages), [`SOA ${T0 + 9}`, 'z.test NS', 'a.z.test A', 'b.z.test A', `SOA ${T0 + 9}`])
  const d = decode(a.messages[0])
  t.ok(d.flag_aa)
  t.equal(d.questions?.[0].type, 'AXFR')
  t.ok((d.additionals ?? []).some((x) => x.type === 'OPT'))
})

t.test('IXFR: the differences since the client serial; SOA alone when current or over UDP; AXFR when out of reach', async (t) => {
  const z = zones()
  let { q, msg } = query('IXFR', 'z.test', T0)
  const a = answerTransfer(q, msg, z, true, true)
  t.equal(a.kind, 'ixfr')
  t.equal(a.fromSerial, T0)
  t.same(soaSerials(a.messages), [
    `SOA ${T0 + 9}`, `SOA ${T0}`, `SOA ${T0 + 5}`, 'a.z.test A', `SOA ${T0 + 5}`, 'ns.z.test A', `SOA ${T0 + 9}`, 'b.z.test A', `SOA ${T0 + 9}`,
  ])
  ;({ q, msg } = query('IXFR', 'z.test', T0 + 5))
  t.same(soaSerials(answerTransfer(q, msg, z, true, true).messages), [`SOA ${T0 + 9}`, `SOA ${T0 + 5}`, 'ns.z.test A', `SOA ${T0 + 9}`, 'b.z.test A', `SOA ${T0 + 9}`])
  ;({ q, msg } = query('IXFR', 'z.test', T0 + 9))
  t.equal(answerTransfer(q, msg, z, true, true).kind, 'current')
  ;({ q, msg } = query('IXFR', 'z.test', T0 + 100))
  t.equal(answerTransfer(q, msg, z, true, true).kind, 'current', 'a client ahead of us gets our SOA')
  ;({ q, msg } = query('IXFR', 'z.test', T0))
  const udp = answerTransfer(q, msg, z, true, false)
  t.equal(udp.kind, 'current')
  t.equal(udp.messages.length, 1)
  ;({ q, msg } = query('IXFR', 'z.test', 12345))
  const full = answerTransfer(q, msg, z, true, true)
  t.equal(full.kind, 'axfr', 'RFC 1995 4: the whole zone in AXFR form')
  t.equal(full.fromSerial, 12345)
  ;({ q, msg } = query('IXFR', 'z.test'))
  t.equal(answerTransfer(q, msg, z, true, true).kind, 'formerr', 'no SOA in the authority section')
})

t.test('refused when not allowed, NOTAUTH for a zone we do not hold', async (t) => {
  const { q, msg } = query('AXFR')
  const r = answerTransfer(q, msg, zones(), false, true)
  t.equal(r.kind, 'refused')
  t.equal(decode(r.messages[0]).rcode, 'REFUSED')
  const other = query('AXFR', 'nope.test')
  const n = answerTransfer(other.q, other.msg, zones(), true, true)
  t.equal(n.rcode, RCODE_NOTAUTH)
  t.equal(n.messages[0][3] & 0x0f, RCODE_NOTAUTH)
})

t.test('a large zone spans several messages under the budget', async (t) => {
  const big = [...ZONE, ...Array.from({ length: 3000 }, (_, i) => rec(`host-${i}.z.test`, 'TXT', '"' + 'x'.repeat(40) + '"'))]
  const z = new ZoneTracker({ maxDiffs: 10, maxBytes: 1_000_000 })
  z.load(big, new Map(), T0)
  const { q, msg } = query('AXFR')
  const a = answerTransfer(q, msg, z, true, true)
  t.ok(a.messages.length > 3, `${a.messages.length} messages`)
  t.ok(a.messages.every((m) => m.length <= XFR_MESSAGE_BUDGET_BYTES + 512))
  t.equal(a.messages.map((m) => decode(m).answers?.length ?? 0).reduce((x, y) => x + y, 0), big.length + 1)
  t.equal(decode(a.messages[1]).questions?.length ?? 0, 0, 'the question only in the first')
})

t.test('wire helpers: question type peek, client serial with compressed names, malformed input', async (t) => {
  const { q, msg } = query('IXFR', 'z.test', 42)
  t.equal(peekQtype(msg), 251)
  t.ok(isTransferQtype(251) && isTransferQtype(252) && !isTransferQtype(6))
  t.equal(peekQtype(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61])), -1, 'cut short')
  t.equal(peekQtype(Buffer.from([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1])), -1, 'a pointer')
  const end = 12 + q.question.length
  t.equal(ixfrClientSerial(msg, end), 42)
  t.equal(ixfrClientSerial(msg.subarray(0, msg.length - 10), end), undefined, 'truncated SOA')
  const bad = Buffer.from(msg)
  bad[end] = 0x80 // a label length that is neither a label nor a pointer
  t.equal(ixfrClientSerial(bad, end), undefined)
  const answerFirst = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'IXFR', name: 'z.test' }], answers: [{ type: 'A', name: 'z.test', data: '192.0.2.1' }] })
  t.equal(ixfrClientSerial(answerFirst, 12 + 12), undefined, 'an answer-section RR is skipped, no SOA follows')
})
