import t from 'tap'
import { parseUpdate, type UpdateMessage } from '../../../src/dns/update/update-message.js'
import { applyUpdate, planUpdate, type UpdateOutcome } from '../../../src/dns/update/update-rules.js'
import type { ValidRecordInput } from '../../../src/store/record-validate.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'
import { ANY, NONE, updateMessage, type RawRR } from '../../helpers/update-message.js'

const rec = (name: string, type: string, value: string, ttl = 300): DnsRecord => ({ name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const ZONE: DnsRecord[] = [
  rec('example.test', 'SOA', 'ns1.example.test. hostmaster.example.test. 7 3600 900 604800 300'),
  rec('example.test', 'NS', 'ns1.example.test.'),
  rec('example.test', 'NS', 'ns2.example.test.'),
  rec('ns1.example.test', 'A', '192.0.2.53'),
  rec('www.example.test', 'A', '192.0.2.1'),
  rec('www.example.test', 'A', '192.0.2.2'),
  rec('www.example.test', 'TXT', '"hello"'),
  rec('alias.example.test', 'CNAME', 'www.example.test'),
  rec('mail.example.test', 'MX', '10 Mx.Example.test.'),
]
let n = 0
const ctx = { newRecord: (v: ValidRecordInput): DnsRecord => ({ ...rec(v.name, v.type, v.value, v.ttl ?? 3600), id: `id-${++n}` }), stamp: '2026-01-01T00:00:00Z' }
const parse = (msg: Buffer): UpdateMessage => {
  const m = parseUpdate(msg)
  if (m === 'formerr') throw new Error('did not parse')
  return m
}
const run = (prereqs: RawRR[], updates: RawRR[], records = ZONE, zone = 'example.test'): UpdateOutcome => applyUpdate(records, parse(updateMessage(zone, prereqs, updates)), ctx)
const values = (o: UpdateOutcome, name: string, type: string): string[] => (o.next ?? []).filter((r) => r.name === name && r.type === type).map((r) => r.value).sort()

t.test('zone section: a zone we hold (an SOA owner) or NOTAUTH; class other than IN is NOTAUTH', async (t) => {
  t.equal(run([], [], ZONE, 'other.test').rcode, 'NOTAUTH')
  t.equal(run([], [], ZONE, 'www.example.test').rcode, 'NOTAUTH', 'a name inside the zone is not a zone')
  t.equal(applyUpdate(ZONE, parse(updateMessage('example.test', [], [], { zoneClass: 3 })), ctx).rcode, 'NOTAUTH')
  t.same(run([], []), { rcode: 'NOERROR', next: undefined, added: 0, removed: 0 }, 'an empty update changes nothing')
})

t.test('prerequisites (RFC 2136 2.4): each rcode', async (t) => {
  const cases: [RawRR, string][] = [
    [{ name: 'www.example.test', type: 'ANY', rrClass: ANY }, 'NOERROR'],
    [{ name: 'nope.example.test', type: 'ANY', rrClass: ANY }, 'NXDOMAIN'],
    [{ name: 'www.example.test', type: 'ANY', rrClass: NONE }, 'YXDOMAIN'],
    [{ name: 'nope.example.test', type: 'ANY', rrClass: NONE }, 'NOERROR'],
    [{ name: 'www.example.test', type: 'A', rrClass: ANY }, 'NOERROR'],
    [{ name: 'www.example.test', type: 'AAAA', rrClass: ANY }, 'NXRRSET'],
    [{ name: 'www.example.test', type: 'A', rrClass: NONE }, 'YXRRSET'],
    [{ name: 'www.example.test', type: 'AAAA', rrClass: NONE }, 'NOERROR'],
    [{ name: 'www.other.test', type: 'A', rrClass: ANY }, 'NOTZONE'],
    [{ name: 'www.example.test', type: 'A', rrClass: ANY, ttl: 5 }, 'FORMERR'],
    [{ name: 'www.example.test', type: 'A', rrClass: ANY, value: '192.0.2.1' }, 'FORMERR'],
    [{ name: 'www.example.test', type: 'A', rrClass: 3, value: '192.0.2.1' }, 'FORMERR'],
  ]
  for (const [p, want] of cases) t.equal(run([p], []).rcode, want, `${p.name} ${p.type} class ${p.rrClass}`)
})

t.test('value-dependent prerequisites compare the whole RRset, names case-insensitively', async (t) => {
  const both = [{ name: 'www.example.test', type: 'A', value: '192.0.2.1' }, { name: 'www.example.test', type: 'A', value: '192.0.2.2' }]
  t.equal(run(both, []).rcode, 'NOERROR')
  t.equal(run([both[0]], []).rcode, 'NXRRSET', 'a subset is not the RRset')
  t.equal(run([...both, { name: 'www.example.test', type: 'A', value: '192.0.2.3' }], []).rcode, 'NXRRSET')
  t.equal(run([{ name: 'mail.example.test', type: 'MX', value: '10 mx.example.test.' }], []).rcode, 'NOERROR')
  t.equal(run([{ name: 'www.example.test', type: 'ANY', rrClass: 1 }], []).rcode, 'FORMERR')
})

t.test('update prescan (3.4.1): NOTZONE and FORMERR', async (t) => {
  t.equal(run([], [{ name: 'x.other.test', type: 'A', value: '192.0.2.9', ttl: 60 }]).rcode, 'NOTZONE')
  t.equal(run([], [{ name: 'x.example.test', type: 'ANY', value: Buffer.from([1]), ttl: 60 }]).rcode, 'FORMERR', 'add of a meta type')
  t.equal(run([], [{ name: 'x.example.test', type: 'A', ttl: 60 }]).rcode, 'FORMERR', 'add without RDATA')
  t.equal(run([], [{ name: 'x.example.test', type: 'A', rrClass: ANY, ttl: 60 }]).rcode, 'FORMERR', 'delete RRset with a TTL')
  t.equal(run([], [{ name: 'x.example.test', type: 'AXFR', rrClass: ANY }]).rcode, 'FORMERR')
  t.equal(run([], [{ name: 'x.example.test', type: 'A', rrClass: NONE }]).rcode, 'FORMERR', 'delete RR without RDATA')
  t.equal(run([], [{ name: 'x.example.test', type: 'A', rrClass: 3, value: '192.0.2.9' }]).rcode, 'FORMERR')
  t.equal(parseUpdate(updateMessage('example.test', [], [{ name: 'x.example.test', type: 'MX', value: Buffer.from([0]), ttl: 60 }])), 'formerr', 'RDATA that does not decode')
})

t.test('add: new records through the codec, duplicates only change the TTL, all or nothing', async (t) => {
  const o = run([], [{ name: 'new.example.test', type: 'A', value: '192.0.2.7', ttl: 60 }, { name: 'www.example.test', type: 'A', value: '192.0.2.1', ttl: 99 }])
  t.equal(o.rcode, 'NOERROR')
  t.equal(o.added, 1)
  t.same(values(o, 'new.example.test', 'A'), ['192.0.2.7'])
  t.equal(o.next?.find((r) => r.name === 'www.example.test' && r.value === '192.0.2.1')?.ttl, 99)
  t.equal(run([], [{ name: 'www.example.test', type: 'A', value: '192.0.2.1', ttl: 300 }]).next, undefined, 'an identical record: no change')
  const bad = run([], [{ name: 'ok.example.test', type: 'A', value: '192.0.2.8', ttl: 60 }, { name: 'bad.example.test', type: 'TXT', value: Buffer.alloc(0).fill(0), ttl: 60 }])
  t.equal(bad.rcode, 'FORMERR', 'one bad record fails the whole message')
  t.equal(bad.next, undefined)
})

t.test('CNAME rules: no CNAME beside other data, a CNAME replaces a CNAME', async (t) => {
  t.equal(run([], [{ name: 'www.example.test', type: 'CNAME', value: 'x.example.test.', ttl: 60 }]).next, undefined)
  t.equal(run([], [{ name: 'alias.example.test', type: 'A', value: '192.0.2.9', ttl: 60 }]).next, undefined)
  const o = run([], [{ name: 'alias.example.test', type: 'CNAME', value: 'ns1.example.test.', ttl: 60 }])
  t.same(values(o, 'alias.example.test', 'CNAME'), ['ns1.example.test.'])
})

t.test('SOA: the apex SOA takes the new fields but keeps its serial; elsewhere or deleted it is ignored', async (t) => {
  const o = run([], [{ name: 'example.test', type: 'SOA', value: 'ns2.example.test. admin.example.test. 999 7200 900 604800 60', ttl: 600 }])
  t.same(values(o, 'example.test', 'SOA'), ['ns2.example.test. admin.example.test. 7 7200 900 604800 60'])
  t.equal(run([], [{ name: 'sub.example.test', type: 'SOA', value: 'a. b. 1 2 3 4 5', ttl: 60 }]).next, undefined)
  t.equal(run([], [{ name: 'example.test', type: 'SOA', value: 'ns1.example.test. hostmaster.example.test. 8 3600 900 604800 300', ttl: 300 }]).next, undefined, 'only the serial differs')
  t.equal(run([], [{ name: 'example.test', type: 'SOA', rrClass: ANY }]).next, undefined)
  t.equal(run([], [{ name: 'example.test', type: 'SOA', rrClass: NONE, value: 'ns1.example.test. hostmaster.example.test. 7 3600 900 604800 300' }]).next, undefined)
})

t.test('delete an RRset, a name, one RR; the apex keeps its SOA and NS', async (t) => {
  let o = run([], [{ name: 'www.example.test', type: 'A', rrClass: ANY }])
  t.same(values(o, 'www.example.test', 'A'), [])
  t.same(values(o, 'www.example.test', 'TXT'), ['"hello"'])
  t.equal(o.removed, 2)
  o = run([], [{ name: 'www.example.test', type: 'ANY', rrClass: ANY }])
  t.equal(o.next?.some((r) => r.name === 'www.example.test'), false)
  o = run([], [{ name: 'www.example.test', type: 'A', rrClass: NONE, value: '192.0.2.2' }])
  t.same(values(o, 'www.example.test', 'A'), ['192.0.2.1'])
  o = run([], [{ name: 'mail.example.test', type: 'MX', rrClass: NONE, value: '10 mx.EXAMPLE.test.' }])
  t.same(values(o, 'mail.example.test', 'MX'), [], 'names in RDATA compare case-insensitively')
  o = run([], [{ name: 'example.test', type: 'ANY', rrClass: ANY }, { name: 'example.test', type: 'NS', rrClass: ANY }])
  t.equal(o.next, undefined, 'apex SOA and NS survive')
  o = run([], [{ name: 'example.test', type: 'NS', rrClass: NONE, value: 'ns1.example.test.' }, { name: 'example.test', type: 'NS', rrClass: NONE, value: 'ns2.example.test.' }])
  t.same(values(o, 'example.test', 'NS'), ['ns2.example.test.'], 'the last apex NS stays')
})

t.test('an RRset grown past one TCP reply is REFUSED', async (t) => {
  const big = Array.from({ length: 320 }, (_, i) => rec('big.example.test', 'TXT', `"${'x'.repeat(200)}${i}"`))
  const o = run([], [{ name: 'big.example.test', type: 'TXT', value: `"${'y'.repeat(250)}"`, ttl: 60 }], [...ZONE, ...big])
  t.equal(o.rcode, 'REFUSED')
})

t.test('parseUpdate: FORMERR for anything but one SOA zone question, or records that do not fit', async (t) => {
  t.equal(parseUpdate(Buffer.alloc(5)), 'formerr')
  t.equal(parseUpdate(updateMessage('example.test', [], [], { zoneType: 1 })), 'formerr')
  const two = updateMessage('example.test', [], [])
  two.writeUInt16BE(2, 4)
  t.equal(parseUpdate(two), 'formerr')
  const cut = updateMessage('example.test', [], [{ name: 'a.example.test', type: 'A', value: '192.0.2.1' }])
  t.equal(parseUpdate(cut.subarray(0, cut.length - 2)), 'formerr')
  t.equal(parseUpdate(cut.subarray(0, 20)), 'formerr')
  const garbledName = Buffer.from(cut)
  garbledName[30] = 0xff
  t.equal(parseUpdate(garbledName), 'formerr')
})

t.test('planUpdate reads only the names the message names and returns the change as a delta of them', async (t) => {
  const read: string[] = []
  const byName = new Map<string, DnsRecord[]>()
  for (const r of ZONE) byName.set(r.name, [...(byName.get(r.name) ?? []), r])
  const view = { atName: (key: string) => (read.push(key), byName.get(key) ?? []) }
  const m = parse(updateMessage('example.test', [{ name: 'www.example.test', type: 'A', rrClass: ANY }], [
    { name: 'www.example.test', type: 'A', rrClass: NONE, value: '192.0.2.2' },
    { name: 'www.example.test', type: 'A', value: '192.0.2.1', ttl: 5 },
    { name: 'www.example.test', type: 'A', value: '192.0.2.1', ttl: 6 },
    { name: 'n.example.test', type: 'A', value: '192.0.2.40', ttl: 60 },
    { name: 'gone.example.test', type: 'A', value: '192.0.2.41', ttl: 60 },
    { name: 'gone.example.test', type: 'ANY', rrClass: ANY },
  ]))
  const p = planUpdate(view, m, ctx)
  t.same([...new Set(read)].sort(), ['example.test', 'gone.example.test', 'n.example.test', 'www.example.test'], 'no other name is read')
  t.same(p.delta?.removed.map((r) => r.value), ['192.0.2.2'])
  t.same(p.delta?.replaced.map(([a, b]) => [a.ttl, b.ttl, a === ZONE[4]]), [[300, 6, true]], 'two TTL changes: one replacement of the stored record')
  t.same(p.delta?.added.map((r) => r.name), ['n.example.test'], 'an add deleted again in the same message is no change')
  t.equal(p.removed, 2)
  t.equal(planUpdate(view, parse(updateMessage('example.test', [], [{ name: 'x.example.test', type: 'A', value: '192.0.2.40', ttl: 60 }, { name: 'x.example.test', type: 'A', rrClass: ANY }])), ctx).delta, undefined)
})

t.test('planUpdate with a typed view reads whole names only where a rule needs every type', async (t) => {
  const whole: string[] = []
  const byName = new Map<string, DnsRecord[]>()
  for (const r of ZONE) byName.set(r.name, [...(byName.get(r.name) ?? []), r])
  const view = {
    atName: (key: string) => (whole.push(key), byName.get(key) ?? []),
    ofType: (key: string, type: string) => (byName.get(key) ?? []).filter((r) => r.type === type),
  }
  const plain = planUpdate(view, parse(updateMessage('example.test', [{ name: 'www.example.test', type: 'A', rrClass: ANY }], [
    { name: 'www.example.test', type: 'A', rrClass: NONE, value: '192.0.2.2' },
    { name: 'new.example.test', type: 'A', value: '192.0.2.40', ttl: 60 },
    { name: 'www.example.test', type: 'TXT', rrClass: ANY },
  ])), ctx)
  t.same(whole, [], 'adds and typed deletes read by type alone')
  t.same([plain.delta?.removed.map((r) => r.value), plain.delta?.added.map((r) => r.value)], [['192.0.2.2', '"hello"'], ['192.0.2.40']])
  const mixed = planUpdate(view, parse(updateMessage('example.test', [], [
    { name: 'www.example.test', type: 'A', value: '192.0.2.9', ttl: 60 },
    { name: 'www.example.test', type: 'ANY', rrClass: ANY },
    { name: 'www.example.test', type: 'A', value: '192.0.2.10', ttl: 60 },
    { name: 'alias.example.test', type: 'CNAME', value: 'ns1.example.test.', ttl: 60 },
  ])), ctx)
  t.same(whole, ['www.example.test', 'alias.example.test'], 'a delete of every type and a CNAME add read the whole name')
  t.same(mixed.delta?.removed.map((r) => r.value).sort(), ['"hello"', '192.0.2.1', '192.0.2.2', 'www.example.test'])
  t.same(mixed.delta?.added.map((r) => r.value), ['192.0.2.10', 'ns1.example.test.'], 'an add read by type, then the whole name, is deleted with it')
})
