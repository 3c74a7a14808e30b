/**
 * ZoneTracker.follow: a change that arrives as one index delta is applied at the cost of the delta and
 * lands exactly where a full pass over the records would (serials, digests, differences, content);
 * digests of the first format (persisted by an older version) are recognised once at start.
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import { RecordIndex } from '../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import type { RecordDelta } from '../../src/store/index-delta.js'
import { ZoneTracker, type SerialChange } from '../../src/zones/zone-tracker.js'
import { buildZoneContent } from '../../src/zones/zone-content.js'
import { ContentSum, isLegacyDigest } from '../../src/zones/zone-sum.js'

const T0 = 1_800_000_000
const iso = (s: number) => new Date(s * 1000).toISOString()
let ids = 0
const rec = (name: string, type: string, value: string, at = T0, ttl = 300): DnsRecord => ({
  id: `r${++ids}`, name, type, value, ttl, added_on: GO_ZERO_TIME, updated_on: at === 0 ? GO_ZERO_TIME : iso(at), last_query: GO_ZERO_TIME,
})
const soa = (zone: string, serial = 1, at = T0) => rec(zone, 'SOA', `ns.${zone}. h.${zone}. ${serial} 3600 900 604800 300`, at)
const tracker = () => new ZoneTracker({ maxDiffs: 1000, maxBytes: 10_000_000 })

/** A line of indexes as the store makes them: each carries its delta from the one before. */
class Line {
  index: RecordIndex
  constructor(records: DnsRecord[]) {
    this.index = RecordIndex.build(records, 1)
  }

  apply(delta: RecordDelta): { index: RecordIndex; records: readonly DnsRecord[]; kind: 'replace' } {
    const gone = new Set(delta.removed)
    const repl = new Map(delta.replaced)
    const next = [...this.index.records.filter((r) => !gone.has(r)).map((r) => repl.get(r) ?? r), ...delta.added]
    this.index = this.index.withDelta(next, this.index.generation + 1, delta)
    return { index: this.index, records: next, kind: 'replace' }
  }
}

/** xorshift32: the same sequence on every run. */
function rng(seed: number): (n: number) => number {
  let x = seed
  return (n) => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) % n
  }
}

const NAMES = ['z.test', 'www.z.test', 'a.z.test', 'b.a.z.test', 'child.z.test', 'x.child.z.test', 'out.test', '192.0.2.7', '2.0.192.in-addr.arpa', 'we\\.ird.z.test']
const TYPES: [string, (r: (n: number) => number) => string][] = [
  ['A', (r) => `192.0.2.${r(4)}`], ['TXT', (r) => `"t${r(3)}"`], ['NS', (r) => `ns${r(2)}.z.test.`], ['DS', (r) => `${r(3) + 1} 8 2 ABCD`], ['PTR', (r) => `h${r(2)}.z.test.`],
]

function randomRecord(r: (n: number) => number): DnsRecord {
  const [type, value] = TYPES[r(TYPES.length)]
  return rec(NAMES[r(NAMES.length)], type, value(r), T0 + r(4), [60, 300][r(2)])
}

t.test('follow: deltas applied in place land where a full pass lands (random changes, child zones, apex changes)', async (t) => {
  for (let seed = 1; seed <= 12; seed++) {
    const r = rng(seed * 7919)
    const start = [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), soa('2.0.192.in-addr.arpa'), ...Array.from({ length: 8 }, () => randomRecord(r))]
    const line = new Line(start)
    const inc = tracker()
    const full = tracker()
    inc.load(line.index, new Map(), T0)
    full.load(start, new Map(), T0)
    for (let step = 0; step < 60; step++) {
      const list = line.index.records
      const delta: RecordDelta = { removed: [], added: [], replaced: [] }
      const pick = () => list[r(list.length)]
      const used = new Set<DnsRecord>()
      for (let k = r(3) + 1; k > 0; k--) {
        const op = r(10)
        const victim = pick()
        if (op < 4) (delta.added as DnsRecord[]).push(r(12) === 0 ? soa('child.z.test', 1, T0 + step) : randomRecord(r))
        else if (used.has(victim) || (victim.type === 'SOA' && r(4) !== 0)) continue
        else if (op < 7) {
          used.add(victim)
          ;(delta.removed as DnsRecord[]).push(victim)
        } else {
          used.add(victim)
          const moved = op === 9 ? { ...victim, name: NAMES[r(NAMES.length)] } : op === 8 ? { ...victim, type: 'A', value: '192.0.2.3' } : { ...victim, ttl: victim.ttl + 1, updated_on: iso(T0 + step) }
          ;(delta.replaced as [DnsRecord, DnsRecord][]).push([victim, moved])
        }
      }
      const now = T0 + 10 + step
      const change = line.apply(delta)
      const a = inc.follow(change, now)
      const b = full.update(change.records, now)
      const view = (c: SerialChange[]) => c.map((x) => `${x.apex} ${x.from}->${x.to} +${x.added} -${x.removed}`).sort()
      t.same(view(a), view(b), `seed ${seed} step ${step}: the same serial changes`)
      for (const apex of full.apexes()) {
        const x = inc.current(apex)
        const y = full.current(apex)
        if (x?.content.digest !== y?.content.digest || x?.content.rrCount !== y?.content.rrs.size || x?.serial !== y?.serial || [...(x?.content.rrs.keys() ?? [])].sort().join() !== [...(y?.content.rrs.keys() ?? [])].sort().join()) {
          t.fail(`seed ${seed} step ${step}: zone ${apex} differs`)
          return
        }
        const hx = inc.historyOf(apex).map((d) => `${d.from}>${d.to} ${d.digest} -${d.removed.map((rr) => rr.key).sort()} +${d.added.map((rr) => rr.key).sort()}`)
        const hy = full.historyOf(apex).map((d) => `${d.from}>${d.to} ${d.digest} -${d.removed.map((rr) => rr.key).sort()} +${d.added.map((rr) => rr.key).sort()}`)
        if (hx.join('\n') !== hy.join('\n')) {
          t.fail(`seed ${seed} step ${step}: history of ${apex} differs`)
          return
        }
      }
      t.same(inc.apexes().sort(), full.apexes().sort())
      t.same(inc.persisted(), full.persisted())
    }
  }
})

t.test('follow: a change that is one delta never reads the whole record list', async (t) => {
  const start = [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), rec('www.z.test', 'A', '192.0.2.1')]
  const line = new Line(start)
  const z = tracker()
  z.load(line.index, new Map(), T0)
  const change = line.apply({ removed: [start[2]], added: [rec('new.z.test', 'A', '192.0.2.5', T0 + 10)], replaced: [] })
  const guarded = new Proxy(change.index, { get: (o, p) => (p === 'records' ? t.fail('read the whole list') : Reflect.get(o, p, o)) })
  const noList = { index: guarded, kind: change.kind, get records(): readonly DnsRecord[] { throw new Error('read the whole list') } }
  t.same(z.follow(noList, T0 + 20), [{ apex: 'z.test', from: T0, to: T0 + 10, added: 1, removed: 1 }])
  t.same(z.diffsSince('z.test', T0)?.map((d) => [d.added.length, d.removed.length]), [[1, 1]])
  t.same(z.follow(line.apply({ removed: [], added: [], replaced: [] }), T0 + 25), [], 'an empty delta: nothing')
  // an index with no delta path from the one followed: a full pass (or none when no zone can be touched)
  const other = RecordIndex.build([...change.records, rec('out.test', 'A', '192.0.2.9')], 9)
  t.same(z.follow({ index: other, records: [rec('out.test', 'A', '192.0.2.9')], kind: 'add' }, T0 + 30), [], 'outside every zone: nothing')
  const far = RecordIndex.build([...other.records, rec('far.z.test', 'A', '192.0.2.3', T0 + 40)], 10)
  t.same(z.follow({ index: far, records: far.records, kind: 'replace' }, T0 + 40).map((c) => c.to), [T0 + 40], 'no path: compared in full')
})

t.test('follow: a record that keeps its RRs (another spelling) moves no serial', async (t) => {
  const www = rec('www.z.test', 'A', '192.0.2.1', 0)
  const line = new Line([soa('z.test'), www])
  const z = tracker()
  z.load(line.index, new Map(), T0)
  t.same(z.follow(line.apply({ removed: [], added: [], replaced: [[www, { ...www, value: '192.000.002.001'.replace(/0+(\d)/g, '$1') }]] }), T0 + 5), [])
  t.equal(z.serialOf('z.test'), T0)
})

t.test('digests: order-independent sum; a persisted digest of the first format is recognised once at start', async (t) => {
  const a = new ContentSum()
  const b = new ContentSum()
  a.add('x', 1)
  a.add('y', 1)
  b.add('y', 1)
  b.add('z', 1)
  b.add('x', 1)
  b.add('z', -1)
  t.equal(a.digest('p'), b.digest('p'))
  t.not(a.digest('p'), a.digest('q'))
  t.ok(isLegacyDigest('0123456789abcdef0123456789abcdef'))
  t.notOk(isLegacyDigest(a.digest('p')))

  const records = [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), rec('www.z.test', 'A', '192.0.2.1')]
  const content = buildZoneContent('z.test', records)
  if (!content) throw new Error('no zone')
  // the first format, as an older version wrote it into zone_serials.json and the history files
  const keys = [...content.rrs.keys()].sort()
  const old = createHash('sha256').update(content.soaTtl + '|' + content.soaRdata.toString('hex') + '\n' + keys.join('\n')).digest('hex').slice(0, 32)
  t.equal(content.legacyDigest(), old)
  const kept = tracker()
  kept.load(records, new Map([['z.test', { serial: T0 + 5, digest: old }]]), T0 + 50)
  t.equal(kept.serialOf('z.test'), T0 + 5, 'the same content under the old format: no bump')
  t.notOk(isLegacyDigest(kept.persisted()['z.test'].digest), 'written back in the new format')
  const edited = tracker()
  edited.load(records, new Map([['z.test', { serial: T0 + 5, digest: 'ffffffffffffffffffffffffffffffff' }]]), T0 + 50)
  t.equal(edited.serialOf('z.test'), T0 + 50, 'another content under the old format: one step')

  const w = tracker()
  w.load(records, new Map(), T0)
  const next = [...records, rec('n.z.test', 'A', '192.0.2.2', T0 + 1)]
  w.update(next, T0 + 1)
  const history = w.historyOf('z.test').map((d) => ({ ...d }))
  const oldKeys = [...(w.current('z.test')?.content.rrs.keys() ?? [])].sort()
  const soaNow = w.current('z.test')?.content
  history[0].digest = createHash('sha256').update(soaNow?.soaTtl + '|' + soaNow?.soaRdata.toString('hex') + '\n' + oldKeys.join('\n')).digest('hex').slice(0, 32)
  const back = tracker()
  back.load(next, new Map(), T0 + 1)
  t.ok(back.restoreHistory('z.test', history), 'a history whose last digest is of the first format is taken')
})

t.test('LiveZone keeps no RRs: they are built on read (shared weakly until a change); count, stamps and digest follow deltas (duplicate stamps too)', async (t) => {
  const www = rec('www.z.test', 'A', '192.0.2.1', T0 + 1)
  const twin = { ...www, id: 'twin' } // the same stamp (identity and version) as www
  const odd = rec('we\\.ird.z.test', 'TXT', '"x"', T0 + 2)
  const members = [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), www, twin, odd]
  const z = buildZoneContent('z.test', members)
  if (!z) throw new Error('no zone')
  const first = z.rrs
  t.equal(z.rrs, first, 'transfers of one version share one build (held weakly)')
  t.equal(z.rrCount, 3)
  t.same([...z.rrs.keys()].length, 3)
  t.equal(z.stampsAt(T0 + 1), 1, 'two records with one stamp count once')
  t.ok(z.hasStamp({ ...www, id: 'other' }))
  t.notOk(z.hasStamp({ ...www, ttl: 1 }))
  t.equal(z.newest, T0 + 2)
  const removed = z.apply({ removed: [twin], added: [], replaced: [] })
  t.not(z.rrs, first, 'a change drops the shared build')
  t.same([removed.added.length, removed.removed.length], [0, 0], 'the twin leaves no RR behind')
  t.equal(z.stampsAt(T0 + 1), 1, 'www still carries the stamp')
  const moved = { ...odd, value: '"y"', updated_on: iso(T0 + 3) }
  const change = z.apply({ removed: [www], added: [rec('n.z.test', 'A', '192.0.2.9', T0 + 3)], replaced: [[odd, moved]] })
  t.same([change.added.length, change.removed.length], [2, 2])
  t.equal(z.stampsAt(T0 + 1), 0)
  t.equal(z.stampsAt(T0 + 3), 2)
  t.equal(z.stampsAt(T0 + 2), 0)
  const fresh = buildZoneContent('z.test', [members[0], members[1], moved, rec('n.z.test', 'A', '192.0.2.9', T0 + 3)])
  t.equal(z.digest, fresh?.digest)
  t.equal(z.rrCount, fresh?.rrCount)
  t.same([...z.rrs.keys()].sort(), [...(fresh?.rrs.keys() ?? [])].sort())
  t.equal(z.members, undefined)
})

t.test('a full pass over reloaded records (new objects) compares owner by owner: only changed names differ', async (t) => {
  const records = [soa('z.test'), rec('z.test', 'NS', 'ns.z.test.'), rec('a.z.test', 'A', '192.0.2.1'), rec('a.z.test', 'A', '192.0.2.2'), rec('b.z.test', 'TXT', '"x"')]
  const z = tracker()
  z.load(records, new Map(), T0)
  const copy = records.map((r) => ({ ...r }))
  t.same(z.update(copy, T0 + 1), [], 'the same records as other objects: nothing')
  const edited = copy.map((r) => (r.name === 'b.z.test' ? { ...r, ttl: 60 } : { ...r }))
  edited.push(rec('c.z.test', 'A', '192.0.2.3', T0 + 2))
  const moved = z.update(edited.filter((r) => r.value !== '192.0.2.2'), T0 + 3)
  t.same(moved.map((c) => [c.added, c.removed]), [[2, 2]])
  const d = z.historyOf('z.test')[0]
  t.same(d.removed.map((rr) => rr.name).sort(), ['a.z.test', 'b.z.test'])
  t.same(d.added.map((rr) => rr.name).sort(), ['b.z.test', 'c.z.test'])
})
