import t from 'tap'
import dnsPacket from 'dns-packet'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { parseQuery, type ParsedQuery } from '../../../src/dns/wire/wire.js'
import { answerTransfer, ixfrClientSerial, isTransferQtype, peekQtype, RCODE_NOTAUTH, XFR_MESSAGE_BUDGET_BYTES, XFR_SLICE_OWNERS, XFR_STREAM_MIN_RRS, type TransferAnswer } from '../../../src/dns/xfr/transfer.js'
import { ZoneTracker } from '../../../src/zones/zone-tracker.js'
import { RecordIndex } from '../../../src/store/record-index.js'

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

/** Every message of an answer: its first ones, then each batch `more` gives, as a transport sends them. */
function allMessages(a: TransferAnswer): { messages: Buffer[]; batches: number } {
  const messages = [...a.messages]
  let batches = 0
  for (let b = a.more?.(); b !== undefined; b = a.more?.()) {
    messages.push(...b)
    batches++
  }
  return { messages, batches }
}

const bigZone = (n: number) => [...ZONE, ...Array.from({ length: n }, (_, i) => rec(`host-${i}.z.test`, 'TXT', '"' + 'x'.repeat(40) + '"'))]
const rrTexts = (msgs: Buffer[]) => msgs.flatMap((m) => decode(m).answers ?? []).map((a) => `${a.name} ${a.type} ${JSON.stringify((a as { data?: unknown }).data)}`)

t.test('a large zone spans several messages under the budget, built a slice of owners per call', async (t) => {
  const big = bigZone(3000)
  const z = new ZoneTracker({ maxDiffs: 10, maxBytes: 1_000_000 })
  z.load(big, new Map(), T0)
  const { q, msg } = query('AXFR')
  const a = answerTransfer(q, msg, z, true, true)
  t.ok(a.more, `over ${XFR_STREAM_MIN_RRS} RRs: streamed`)
  const { messages, batches } = allMessages(a)
  t.ok(batches >= Math.ceil(3000 / XFR_SLICE_OWNERS), `${batches} batches`)
  t.equal(a.more?.(), undefined, 'ended for good')
  const given = answerTransfer(q, msg, z, true, true)
  t.ok(given.more?.(), 'a second transfer streams too')
  given.abort?.()
  t.equal(given.more?.(), undefined, 'given up: nothing more')
  t.ok(messages.length > 3, `${messages.length} messages`)
  t.ok(messages.every((m) => m.length <= XFR_MESSAGE_BUDGET_BYTES + 512))
  t.equal(a.rrs, big.length + 1)
  const texts = rrTexts(messages)
  t.equal(texts.length, big.length + 1, 'SOA, the zone, SOA')
  t.equal(texts[0], texts.at(-1), 'the same SOA first and last')
  t.match(texts[0], /^z\.test SOA /)
  t.equal(decode(messages[0]).questions?.length, 1, 'the question in the first message')
  t.ok(messages.slice(1).every((m) => (decode(m).questions?.length ?? 0) === 0), 'and in no other')
  // the same RRs as the whole zone built at once (the shared build small zones use)
  const whole = [...(z.current('z.test')?.content.rrs.values() ?? [])].map((rr) => rr.key).sort()
  const zoneNow = z.current('z.test')
  const sliced = [...(zoneNow?.content.rrSlices(7) ?? [])].flat().map((rr) => rr.key).sort()
  t.same(sliced, whole, 'slices (fresh or from the shared build) hold exactly the zone\'s RRs')
})

t.test('a streamed AXFR sends the zone as it was when the transfer started', async (t) => {
  let ids = 0
  const big = bigZone(2000).map((r) => ({ ...r, id: `r${++ids}` }))
  const late = { ...rec('late.z.test', 'A', '192.0.2.77', T0 + 60), id: 'late' }
  const gone = big.find((r) => r.name === 'host-1999.z.test') as DnsRecord
  const z = new ZoneTracker({ maxDiffs: 10, maxBytes: 1_000_000 })
  const index = RecordIndex.build(big, 1)
  z.follow({ index, records: index.records, kind: 'replace' }, T0)
  const { q, msg } = query('AXFR')
  const a = answerTransfer(q, msg, z, true, true)
  const first = a.more?.() ?? []
  // a delta lands between two slices (applied in place, as the daemon applies writes): a name added, one removed far down
  const delta = { removed: [gone], added: [late], replaced: [] }
  const next = [...big.filter((r) => r !== gone), late]
  const changes = z.follow({ index: index.withDelta(next, 2, delta), records: next, kind: 'replace' }, T0 + 60)
  t.equal(changes[0]?.to, T0 + 60, 'the zone moved on meanwhile')
  const { messages } = allMessages(a)
  const texts = rrTexts([...a.messages, ...first, ...messages.slice(a.messages.length)])
  t.equal(texts.length, big.length + 1, 'the version taken at the start, whole')
  t.ok(texts.some((x) => x.startsWith('host-1999.z.test TXT')), 'a name removed meanwhile is still sent')
  t.notOk(texts.some((x) => x.startsWith('late.z.test')), 'a name added meanwhile is not')
  t.match(texts.at(-1) ?? '', new RegExp(`"serial":${T0}\\b`), 'closing SOA of the starting serial')
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
