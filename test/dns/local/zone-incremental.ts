import fc from 'fast-check'
import t from 'tap'
import { LocalAnswerer } from '../../../src/dns/local/answer.js'
import { ZoneData } from '../../../src/dns/local/zone-data.js'
import { diffById, type RecordDelta } from '../../../src/store/index-delta.js'
import { RecordIndex } from '../../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../src/store/record.js'

const OWNERS = ['z.test', 'a.z.test', 'b.a.z.test', '*.z.test', 'c.z.test', 'sub.z.test', 'x.sub.z.test', 'dn.z.test', 'out.example', 'Host.Z.test.', 'bad name']
const DATA: [string, string][] = [
  ['A', '192.0.2.1'], ['A', '192.0.2.2'], ['A', '192.0.2.3'], ['AAAA', '2001:db8::1'],
  ['SOA', 'ns.z.test. h.z.test. 1 2 3 4 5'], ['SOA', 'ns2.z.test. h. 2 2 3 4 60'],
  ['NS', 'ns.sub.z.test.'], ['NS', 'a.z.test.'], ['CNAME', 'a.z.test.'], ['CNAME', 'out.example.'],
  ['DNAME', 'out.example.'], ['DNAME', 'z.test.'], ['MX', '10 a.z.test.'], ['MX', '20 x.sub.z.test.'],
  ['TXT', '"x"'], ['TXT', '"y"'], ['TYPE999', '\\# 0'],
]
const QUERIES = [
  ...OWNERS.filter((n) => n !== 'bad name').map((n) => n.toLowerCase().replace(/\.$/, '')),
  'nx.z.test', 'q.a.z.test', 'y.dn.z.test', 'deep.x.sub.z.test', 'z.sub.z.test', '1.2.0.192.in-addr.arpa', '2.2.0.192.in-addr.arpa',
  '3.2.0.192.in-addr.arpa', '2.0.192.in-addr.arpa', '1.' + '0.'.repeat(23) + '8.b.d.0.1.0.0.2.ip6.arpa', 'localhost', 'test',
]
const QTYPES = [1, 28, 2, 6, 5, 15, 16, 12, 43, 39, 255, 999]

let ids = 0
const record = fc.record({
  owner: fc.constantFrom(...OWNERS),
  data: fc.constantFrom(...DATA),
  ptr: fc.constantFrom('192.0.2.1', '192.0.2.2', ''),
  ttl: fc.constantFrom(60, 300),
})
type Gen = { owner: string; data: [string, string]; ptr: string; ttl: number }
const make = (g: Gen, id = 'r' + ++ids): DnsRecord => {
  const base = { id, ttl: g.ttl, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME }
  if (g.ptr !== '') return { ...base, name: g.ptr, type: 'PTR', value: g.owner === 'bad name' ? 'a.z.test.' : g.owner }
  return { ...base, name: g.owner, type: g.data[0], value: g.data[1] }
}

const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), rec: record }),
  fc.record({ kind: fc.constant('update' as const), at: fc.nat(), rec: record }),
  fc.record({ kind: fc.constant('ttl' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), keep: fc.array(fc.boolean(), { maxLength: 30 }), adds: fc.array(record, { maxLength: 3 }), reverse: fc.boolean() }),
)
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never

/** The next record list and the delta the store would record for it (undefined: a rebuild). */
function step(records: readonly DnsRecord[], o: Op): { next: DnsRecord[]; delta: RecordDelta | undefined } {
  const n = records.length
  if (o.kind === 'add' || (n === 0 && o.kind !== 'replace')) {
    const rec = make(o.kind === 'add' || o.kind === 'update' ? o.rec : { owner: 'a.z.test', data: ['A', '192.0.2.9'], ptr: '', ttl: 60 })
    return { next: [...records, rec], delta: { removed: [], added: [rec], replaced: [] } }
  }
  if (o.kind === 'update' || o.kind === 'ttl') {
    const i = o.at % n
    const old = records[i]
    const rec = o.kind === 'update' ? make(o.rec, old.id) : { ...old, ttl: old.ttl === 60 ? 300 : 60 }
    const next = records.slice()
    next[i] = rec
    return { next, delta: { removed: [], added: [], replaced: [[old, rec]] } }
  }
  if (o.kind === 'remove') {
    const gone = records[o.at % n]
    return { next: records.filter((r) => r !== gone), delta: { removed: [gone], added: [], replaced: [] } }
  }
  let next = [...records.filter((_, i) => o.keep[i % Math.max(1, o.keep.length)] !== false), ...o.adds.map((g) => make(g))]
  if (o.reverse) next = next.reverse()
  return { next, delta: diffById(records, next) }
}

/** Everything an answer or a test can read of a tree, in a comparable form. */
function shape(d: ZoneData): unknown {
  const nodes = [...d.nodes.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, node]) => [key, node.groups.map((g) => [g.type, g.records.map((r) => r.id), (g.synthesized ?? []).map((r) => r.id)])])
  const names = new Set<string>(QUERIES)
  for (const key of d.nodes.keys()) for (let k = key; k !== ''; k = k.includes('.') ? k.slice(k.indexOf('.') + 1) : '') names.add(k)
  const exists = [...names].sort().filter((k) => d.exists(k))
  const conflicts = d.ttlConflicts.map((c) => JSON.stringify(c)).sort()
  return { nodes, exists, apexes: [...d.apexes].sort(), conflicts }
}

/** Whether each name a test asks about, every owner of `records` and their ancestors exist in `d`. */
function existence(d: ZoneData, records: readonly DnsRecord[]): Map<string, boolean> {
  const names = new Set<string>()
  for (const key of [...QUERIES, ...d.nodes.keys(), ...records.map((r) => r.name.toLowerCase().replace(/\.$/, ''))]) for (let k = key; k !== ''; k = k.includes('.') ? k.slice(k.indexOf('.') + 1) : '') names.add(k)
  return new Map([...names].map((k) => [k, d.exists(k)]))
}

const answers = (a: LocalAnswerer, index: RecordIndex): string[] => QUERIES.flatMap((q) => QTYPES.map((qt) => JSON.stringify(a.answer(index, q, qt))))

t.test('a tree kept up to date change by change answers as one built from scratch', async (t) => {
  for (const minimalAny of [false, true]) {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), fc.boolean(), (ops, auto) => {
        const opts = { localRecordsEnabled: true, autoBuildPtrFromA: auto, minimalAny }
        const live = new LocalAnswerer(opts)
        let index = RecordIndex.build([], 0)
        live.answer(index, 'z.test', 1)
        for (const o of ops) {
          const { next, delta } = step(index.records, o)
          const built = RecordIndex.build(next, index.generation + 1)
          const zd = (a: LocalAnswerer) => (a as unknown as { data: ZoneData }).data
          const existed = existence(zd(live), next)
          index = delta ? built.follows(index, delta) : built
          const changes = live.sync(index)
          if (delta) t.ok(changes, 'applied, not rebuilt')
          // every name whose existence flipped is among the tokens the change reports (answers cached on it go stale)
          for (const [k, was] of existed) if (changes && was !== zd(live).exists(k) && !changes.has('e' + k)) return false
          const fresh = new LocalAnswerer(opts)
          if (JSON.stringify(answers(live, index)) !== JSON.stringify(answers(fresh, index))) return false
          t.same(shape(zd(live)), shape(zd(fresh)))
        }
        return true
      }),
      { numRuns: 150 },
    )
  }
})

t.test('a change is applied without reading the whole record list', async (t) => {
  const recs = Array.from({ length: 50 }, (_, i) => make({ owner: 'a.z.test', data: ['A', `192.0.2.${i}`], ptr: '', ttl: 60 }))
  const a = new LocalAnswerer({ localRecordsEnabled: true, autoBuildPtrFromA: true })
  const first = RecordIndex.build(recs, 1)
  t.equal(a.answer(first, 'a.z.test', 1).kind, 'answer')
  const added = make({ owner: 'b.z.test', data: ['A', '192.0.2.200'], ptr: '', ttl: 60 })
  const all = [...recs, added]
  const next = RecordIndex.build(all, 2).follows(first, { removed: [], added: [added], replaced: [] })
  let reads = 0
  Object.defineProperty(next, 'records', { get: () => (reads++, all) })
  const out = a.answer(next, 'b.z.test', 1)
  t.equal(out.kind === 'answer' && out.answers.length, 1, 'the added record is answered')
  t.equal(a.answer(next, '200.2.0.192.in-addr.arpa', 12).kind, 'answer')
  t.equal(reads, 0, 'the new index was caught up with by its delta')
})

t.test('sync reports what a change touched and rebuilds without a path back', async (t) => {
  const soa = make({ owner: 'z.test', data: ['SOA', 'ns.z.test. h.z.test. 1 2 3 4 5'], ptr: '', ttl: 60 })
  const a = new LocalAnswerer({ localRecordsEnabled: true, autoBuildPtrFromA: false })
  const first = RecordIndex.build([soa], 1)
  t.equal(a.sync(first), undefined, 'first use builds')
  t.same([...(a.sync(first) ?? ['x'])], [], 'same index: nothing changed')
  const host = make({ owner: 'b.a.z.test', data: ['A', '192.0.2.1'], ptr: '', ttl: 60 })
  const second = RecordIndex.build([soa, host], 2).follows(first, { removed: [], added: [host], replaced: [] })
  t.same([...(a.sync(second) ?? [])].sort(), ['ea.z.test', 'eb.a.z.test', 'nb.a.z.test'])
  const third = RecordIndex.build([host], 3).follows(second, { removed: [soa], added: [], replaced: [] })
  t.same([...(a.sync(third) ?? [])].sort(), ['az.test', 'nz.test'], 'z.test keeps existing (it has a descendant)')
  t.equal(a.sync(RecordIndex.build([host], 4)), undefined, 'no path back: rebuilt')
  const off = new LocalAnswerer({ localRecordsEnabled: false, autoBuildPtrFromA: false })
  t.same([...(off.sync(first) ?? ['x'])], [], 'local records off: nothing depends on them')
})

t.test('a served SOA serial (src/zones) is read on use, and a change in the zone reports its apex', async (t) => {
  let serial = 7
  const soa = make({ owner: 'z.test', data: ['SOA', 'ns.z.test. h.z.test. 1 2 3 4 5'], ptr: '', ttl: 60 })
  const first = RecordIndex.build([soa], 1)
  const d = new ZoneData(first, { autoBuildPtrFromA: false, soaSerial: (apex) => (apex === 'z.test' ? serial : undefined) })
  const serialOf = (): number => {
    const rd = d.rrset('z.test', 6)?.rdatas[0] as Buffer
    return rd.readUInt32BE(rd.length - 20)
  }
  t.equal(serialOf(), 7)
  t.equal(d.rrset('z.test', 6), d.rrset('z.test', 6), 'patched once per serial')
  serial = 8
  t.equal(serialOf(), 8)
  const host = make({ owner: 'x.z.test', data: ['A', '192.0.2.1'], ptr: '', ttl: 60 })
  t.ok(d.apply({ removed: [], added: [host], replaced: [] }).has('nz.test'), 'answers that read the SOA are dropped')
  const plain = new ZoneData(first, { autoBuildPtrFromA: false, soaSerial: () => undefined })
  t.equal((plain.rrset('z.test', 6)?.rdatas[0] as Buffer).readUInt32BE(plain.rrset('z.test', 6)!.rdatas[0].length - 20), 1, 'no served serial: the stored one')
})
