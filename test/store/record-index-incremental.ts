import fc from 'fast-check'
import t from 'tap'
import { diffById, type RecordDelta } from '../../src/store/index-delta.js'
import { RecordIndex } from '../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const NAMES = ['a.example', 'A.Example.', 'b.example', '192.0.2.1', 'z.example']
const TYPES = ['A', 'txt', 'PTR', 'SOA']
let ids = 0
type Gen = { name: string; type: string; value: string }
const gen = fc.record({ name: fc.constantFrom(...NAMES), type: fc.constantFrom(...TYPES), value: fc.constantFrom('192.0.2.1', '"x"', 'ns h 1 2 3 4 5') })
const make = (g: Gen, id = 'r' + ++ids): DnsRecord => ({
  id, ...g, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const op = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), rec: gen }),
  fc.record({ kind: fc.constant('update' as const), at: fc.nat(), rec: gen }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), keep: fc.array(fc.boolean(), { maxLength: 9 }), adds: fc.array(gen, { maxLength: 2 }) }),
)

interface Op {
  kind: string
  at?: number
  rec?: Gen
  keep?: boolean[]
  adds?: Gen[]
}

function step(records: readonly DnsRecord[], o: Op): { next: DnsRecord[]; delta: RecordDelta | undefined } {
  const n = records.length
  if (o.kind === 'add' || (n === 0 && o.kind !== 'replace')) {
    const rec = make(o.rec ?? { name: 'a.example', type: 'A', value: '192.0.2.1' })
    return { next: [...records, rec], delta: { removed: [], added: [rec], replaced: [] } }
  }
  if (o.kind === 'update') {
    const i = (o.at as number) % n
    const rec = make(o.rec as Gen, records[i].id)
    const next = records.slice()
    next[i] = rec
    return { next, delta: { removed: [], added: [], replaced: [[records[i], rec]] } }
  }
  if (o.kind === 'remove') {
    const gone = records[(o.at as number) % n]
    return { next: records.filter((r) => r !== gone), delta: { removed: [gone], added: [], replaced: [] } }
  }
  const keep = o.keep as boolean[]
  const next = [...records.filter((_, i) => keep[i % Math.max(1, keep.length)] !== false), ...(o.adds ?? []).map((g) => make(g))]
  return { next, delta: diffById(records, next) }
}

/** Every bucket, records sorted by id (an update may move a record within its bucket). */
const view = (idx: RecordIndex): string[] => NAMES.flatMap((n) => TYPES.map((ty) => idx.lookup(n, ty).map((r) => r.id + '=' + r.value).sort().join(',')))

t.test('an index built change by change looks up as one built from scratch, and older ones keep their view', async (t) => {
  fc.assert(
    fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops) => {
      let index = RecordIndex.build([], 0)
      const line: [RecordIndex, string[]][] = []
      for (const o of ops) {
        const { next, delta } = step(index.records, o)
        index = delta ? index.withDelta(next, index.generation + 1, delta) : RecordIndex.build(next, index.generation + 1)
        const want = view(RecordIndex.build(next, 0))
        if (JSON.stringify(view(index)) !== JSON.stringify(want)) return false
        line.push([index, want])
      }
      // read the older ones after the line moved on (undoing deltas, or their own map)
      return line.every(([idx, want]) => JSON.stringify(view(idx)) === JSON.stringify(want))
    }),
    { numRuns: 300 },
  )
})

t.test('a change from an index that is not the newest of its line builds anew', async (t) => {
  const a = make({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  const b = make({ name: 'b.example', type: 'A', value: '192.0.2.1' })
  const first = RecordIndex.build([a], 1)
  const second = first.withDelta([a, b], 2, { removed: [], added: [b], replaced: [] })
  const branch = first.withDelta([], 2, { removed: [a], added: [], replaced: [] })
  t.equal(branch.lookup('a.example', 'A').length, 0)
  t.equal(second.lookup('a.example', 'A').length, 1)
  t.equal(first.lookup('b.example', 'A').length, 0)
  t.equal(branch.deltas[branch.deltas.length - 1].from, first.uid)
})
