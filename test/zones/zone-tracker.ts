import t from 'tap'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { groupByZone, soaSerialOf, withSerial } from '../../src/zones/zone-content.js'
import { ZoneTracker } from '../../src/zones/zone-tracker.js'

const T0 = 1_800_000_000
const iso = (s: number) => new Date(s * 1000).toISOString()
const rec = (name: string, type: string, value: string, updated = T0, ttl = 300): DnsRecord => ({
  name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: updated === 0 ? GO_ZERO_TIME : iso(updated), last_query: GO_ZERO_TIME,
})
const soa = (zone: string, serial = 1, updated = T0) => rec(zone, 'SOA', `ns.${zone}. h.${zone}. ${serial} 3600 900 604800 300`, updated)
const base = (): DnsRecord[] => [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), rec('www.z.test', 'A', '192.0.2.1'), rec('other.test', 'A', '192.0.2.9')]
const tracker = (maxDiffs = 10, maxBytes = 1_000_000) => new ZoneTracker({ maxDiffs, maxBytes })

t.test('zones: child zones split off, delegation NS on both sides, DS on the parent, IP-form PTRs in reverse zones', async (t) => {
  const g = groupByZone([
    soa('z.test'), soa('child.z.test'), rec('child.z.test', 'NS', 'ns.child.z.test.'), rec('child.z.test', 'DS', '1 8 2 ABCD'),
    rec('www.child.z.test', 'A', '192.0.2.2'), soa('2.0.192.in-addr.arpa'), rec('192.0.2.7', 'PTR', 'h.z.test.'), rec('elsewhere', 'A', '192.0.2.3'),
  ])
  const names = (z: string) => g.get(z)?.map((r) => `${r.name} ${r.type}`)
  t.same(names('z.test'), ['z.test SOA', 'child.z.test NS', 'child.z.test DS'])
  t.same(names('child.z.test'), ['child.z.test SOA', 'child.z.test NS', 'www.child.z.test A'])
  t.same(names('2.0.192.in-addr.arpa'), ['2.0.192.in-addr.arpa SOA', '192.0.2.7 PTR'])
  t.equal(groupByZone([rec('a.test', 'A', '192.0.2.1')]).size, 0, 'no SOA, no zones')
})

t.test('start-up serial: the newest updated_on, a newer persisted serial, a bump when edited while stopped', async (t) => {
  const a = tracker()
  a.load(base(), new Map(), T0 + 50)
  t.equal(a.serialOf('z.test'), T0)
  t.same(a.apexes(), ['z.test'])
  const saved = a.persisted()['z.test']
  const b = tracker()
  b.load(base(), new Map([['z.test', { serial: T0 + 5, digest: saved.digest }]]), T0 + 50)
  t.equal(b.serialOf('z.test'), T0 + 5, 'persisted serial wins, same content: no bump')
  const c = tracker()
  c.load(base(), new Map([['z.test', { serial: T0 + 5, digest: 'other' }]]), T0 + 50)
  t.equal(c.serialOf('z.test'), T0 + 50, 'content differs from what was persisted: one step at now')
  const d = tracker()
  d.load([soa('z.test', 7, 0)], new Map(), T0)
  t.equal(d.serialOf('z.test'), 7, 'no record times: the stored serial')
  const e = tracker()
  e.load([rec('z.test', 'SOA', 'garbage')], new Map(), T0)
  t.equal(e.serialOf('z.test'), undefined, 'a SOA that does not encode makes no zone')
})

t.test('changes: serial from updated_on (same on every node), one past on a burst, now on a delete; IXFR history', async (t) => {
  const z = tracker()
  const r0 = base()
  z.load(r0, new Map(), T0)
  t.same(z.update(r0, T0 + 1), [], 'the same records: nothing')
  t.same(z.update(r0.map((r) => ({ ...r })), T0 + 1), [], 'equal records as new objects: nothing')
  t.same(z.update([...r0, rec('x.other.test', 'A', '192.0.2.4', T0 + 9)], T0 + 9), [], 'outside every zone: nothing')

  const r1 = [...r0, rec('new.z.test', 'A', '192.0.2.5', T0 + 10)]
  t.same(z.update(r1, T0 + 12), [{ apex: 'z.test', from: T0, to: T0 + 10, added: 1, removed: 0 }], 'the change time of the record')
  const r2 = [...r1, rec('new2.z.test', 'A', '192.0.2.6', T0 + 10)]
  t.equal(z.update(r2, T0 + 12)[0].to, T0 + 11, 'same second again: one past')
  const r3 = r2.filter((r) => r.name !== 'www.z.test')
  t.equal(z.update(r3, T0 + 20)[0].to, T0 + 20, 'a delete has no record time: now')
  const r4 = r3.map((r) => (r.name === 'new.z.test' ? { ...r, ttl: 60 } : r))
  t.equal(z.update(r4, T0 + 20)[0].to, T0 + 21, 'a TTL change is a change')

  t.same(z.diffsSince('z.test', T0 + 21), [], 'current: no differences')
  t.equal(z.diffsSince('z.test', T0 + 3), undefined, 'a serial we never had')
  t.equal(z.diffsSince('nope.test', T0), undefined)
  const diffs = z.diffsSince('z.test', T0) ?? []
  t.same(diffs.map((d) => [d.from, d.to, d.removed.length, d.added.length]), [[T0, T0 + 10, 0, 1], [T0 + 10, T0 + 11, 0, 1], [T0 + 11, T0 + 20, 1, 0], [T0 + 20, T0 + 21, 1, 1]])
  const last = diffs[3]
  t.equal(soaSerialOf(last.oldSoa.body.subarray(10)), T0 + 20, 'old SOA carries the old serial')
  t.equal(soaSerialOf(last.newSoa.body.subarray(10)), T0 + 21)
  t.equal(last.removed[0].body.readUInt32BE(4), 300)
  t.equal(last.added[0].body.readUInt32BE(4), 60)
  const cur = z.current('z.test')
  t.equal(cur?.serial, T0 + 21)
  t.equal(soaSerialOf(cur?.soa.body.subarray(10) as Buffer), T0 + 21)
  t.equal(z.current('nope.test'), undefined)
})

t.test('the history is bounded by count and by bytes', async (t) => {
  const z = tracker(2)
  let records = base()
  z.load(records, new Map(), T0)
  for (let i = 1; i <= 4; i++) {
    records = [...records, rec(`h${i}.z.test`, 'A', `192.0.2.${i}`, T0 + i)]
    z.update(records, T0 + i)
  }
  t.equal(z.diffsSince('z.test', T0 + 2)?.length, 2)
  t.equal(z.diffsSince('z.test', T0 + 1), undefined, 'older ones dropped')
  const tiny = tracker(10, 10)
  tiny.load(base(), new Map(), T0)
  tiny.update([...base(), rec('big.z.test', 'TXT', '"' + 'x'.repeat(100) + '"', T0 + 1)], T0 + 1)
  t.equal(tiny.diffsSince('z.test', T0), undefined, 'a difference over the byte budget is not kept')
  const none = tracker(0)
  none.load(base(), new Map(), T0)
  none.update([...base(), rec('n.z.test', 'A', '192.0.2.8', T0 + 1)], T0 + 1)
  t.equal(none.diffsSince('z.test', T0), undefined, 'max 0: no history')
})

t.test('zones appear, go and come back counting on; a raised stored serial is followed', async (t) => {
  const z = tracker()
  z.load([], new Map(), T0)
  t.same(z.update(base(), T0 + 1), [{ apex: 'z.test', from: undefined, to: T0, added: 3, removed: 0 }], 'a new zone starts at its records\' time')
  t.same(z.update([rec('www.z.test', 'A', '192.0.2.1')], T0 + 2), [{ apex: 'z.test', from: T0, to: undefined, added: 0, removed: 3 }])
  t.equal(z.serialOf('z.test'), undefined)
  t.equal(z.update(base(), T0 + 3)[0].to, T0 + 3, 'back: past the last serial it had')
  t.same(Object.keys(z.persisted()), ['z.test'])
  const raised = base().map((r) => (r.type === 'SOA' ? soa('z.test', 2_100_000_000, T0) : r))
  t.equal(z.update(raised, T0 + 4)[0].to, 2_100_000_000, 'the operator raised the stored serial')
  const broken = base().map((r) => (r.type === 'SOA' ? rec('z.test', 'SOA', 'broken') : r))
  t.equal(z.update(broken, T0 + 5)[0].to, undefined, 'a SOA that stops encoding drops the zone')
  t.equal(withSerial(Buffer.alloc(20), 0xffff_ffff).readUInt32BE(0), 0xffff_ffff)
})

t.test('mayTouch: writes outside every zone skip the pass over the records', async (t) => {
  const z = tracker()
  t.notOk(z.mayTouch([rec('a.test', 'A', '192.0.2.1')], 'add'), 'no zones, no SOA')
  t.notOk(z.mayTouch([rec('a.test', 'A', '192.0.2.1')], 'update'), 'no zones: an update cannot touch one either')
  t.ok(z.mayTouch([soa('n.test')], 'add'), 'a SOA may make a zone')
  t.ok(z.mayTouch([], 'replace'))
  z.load(base(), new Map(), T0)
  t.ok(z.mayTouch([rec('deep.www.z.test', 'A', '192.0.2.1')], 'remove'), 'inside a zone')
  t.notOk(z.mayTouch([rec('other.test', 'A', '192.0.2.1')], 'add'))
  t.ok(z.mayTouch([rec('other.test', 'A', '192.0.2.1')], 'update'), 'an update may have moved a record out of a zone')
})

t.test('restoreHistory: taken only when it ends at the serial and content loaded, and only into an empty history', async (t) => {
  const a = tracker()
  let records = base()
  a.load(records, new Map(), T0)
  records = [...records, rec('r1.z.test', 'A', '192.0.2.11', T0 + 1)]
  a.update(records, T0 + 1)
  const saved = [...a.historyOf('z.test')]
  const b = tracker()
  b.load(records, new Map(), T0 + 5)
  t.notOk(b.restoreHistory('nope.test', saved), 'no such zone')
  t.notOk(b.restoreHistory('z.test', []), 'nothing to restore')
  t.notOk(b.restoreHistory('z.test', [{ ...saved[0], digest: 'other' }]), 'another content at the end')
  t.notOk(b.restoreHistory('z.test', [{ ...saved[0], to: T0 + 9 }]), 'another serial at the end')
  t.ok(b.restoreHistory('z.test', saved))
  t.same(b.diffsSince('z.test', T0)?.map((d) => d.to), [T0 + 1])
  t.notOk(b.restoreHistory('z.test', saved), 'a history already there is kept')
  t.same(a.historyOf('nope.test'), [])
  const tiny = tracker(10, 1)
  tiny.load(records, new Map(), T0 + 5)
  t.notOk(tiny.restoreHistory('z.test', saved), 'over the byte budget: nothing kept')
})

t.test('a burst taken as one delta lands on the serial the writer reached, never on one it had with other content', async (t) => {
  const writer = tracker()
  const peer = tracker()
  const r0 = base()
  writer.load(r0, new Map(), T0)
  peer.load(r0, new Map(), T0)
  const c1 = [...r0, rec('b1.z.test', 'A', '192.0.2.21', T0 + 10)]
  const c2 = [...c1, rec('b2.z.test', 'A', '192.0.2.22', T0 + 10)]
  const mid = writer.update(c1, T0 + 10)[0].to as number
  const end = writer.update(c2, T0 + 10)[0].to
  t.equal(peer.update(c2, T0 + 11)[0].to, end, 'the same serial for the same content on both nodes')
  t.not(peer.serialOf('z.test'), mid)
  t.equal(peer.diffsSince('z.test', mid), undefined, "the writer's intermediate serial is unknown to the peer: IXFR from it gets the whole zone")
  const c3 = [...c2, rec('b3.z.test', 'A', '192.0.2.23', T0 + 30)]
  writer.update(c3, T0 + 30)
  peer.update(c3, T0 + 30)
  t.same(peer.diffsSince('z.test', end as number)?.map((d) => [d.from, d.to, d.added.length]), writer.diffsSince('z.test', end as number)?.map((d) => [d.from, d.to, d.added.length]),
    'later changes: the same differences on both nodes (a secondary may IXFR from either)')
})
