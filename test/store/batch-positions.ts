/** A change to the record list as one journal batch (pure): positions that replay, change kinds named by what changed. */
import t from 'tap'
import { planDelta, positionedBatch } from '../../src/store/batch-positions.js'
import { replayJournal } from '../../src/store/journal/replay.js'
import { RecordIndex } from '../../src/store/record-index.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (id: string, value = '192.0.2.1'): DnsRecord => ({ id, name: `${id}.example`, type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => rec(x))
const SHA = 'a'.repeat(64)

t.test('positionedBatch: deletes at their old positions, updates at their new ones, adds last; replay agrees', async (t) => {
  const b2 = rec('b', '192.0.2.9')
  const p = positionedBatch([a, b, c], (r) => (r === a ? 'delete' : r === b ? b2 : undefined), [d])
  t.same(p.next, [b2, c, d])
  t.same(p.entries.map((e) => [e.op, 'at' in e ? e.at : []]), [['delete', [0]], ['update', [0]], ['add', []]])
  const base = { op: 'base' as const, format: 1, snapshot_sha256: SHA }
  t.same(replayJournal([a, b, c], SHA, [base, { op: 'batch', entries: p.entries }]).records, p.next)
  t.same(positionedBatch([a], () => undefined, []).entries, [], 'nothing changed: no entry')
})

t.test('planDelta names the change by what it holds', async (t) => {
  const a2 = rec('a', '192.0.2.7')
  const kind = (delta: Parameters<typeof planDelta>[1]) => {
    const index = RecordIndex.build([a, b])
    const p = planDelta(index, delta, ['v'], 'replica')
    t.same(p.entry, { op: 'batch', entries: p.entry.op === 'batch' ? p.entry.entries : [], lww: ['v'] })
    const change = p.change(index.withDelta(undefined, 1, p.delta))
    return [change.kind, change.records.length, p.fresh.length]
  }
  t.same(kind({ removed: [], added: [c], replaced: [] }), ['add', 1, 1])
  t.same(kind({ removed: [b], added: [], replaced: [] }), ['remove', 1, 0])
  t.same(kind({ removed: [], added: [], replaced: [[a, a2]] }), ['update', 1, 1])
  t.same(kind({ removed: [b], added: [c], replaced: [] }), ['replace', 2, 1], 'mixed: the whole new list, as a replacement')
  t.same(kind({ removed: [], added: [], replaced: [] }), ['add', 0, 0], 'versions only: no record changes')
})

t.test('planDelta: positions from the index, as positionedBatch makes them; records it does not hold are left out', async (t) => {
  const many = Array.from({ length: 3000 }, (_, i) => rec('m' + i))
  const index = RecordIndex.build(many)
  const [u1, u2] = [rec('m2500', '192.0.2.8'), rec('m10', '192.0.2.8')]
  const stray = rec('stray')
  const delta = { removed: [many[2000], many[5], stray], added: [d], replaced: [[many[2500], u1], [many[10], u2], [stray, rec('stray', '192.0.2.3')]] as const }
  const p = planDelta(index, delta, undefined, 'replica')
  const gone = new Set([many[2000], many[5]])
  const upd = new Map([[many[2500], u1], [many[10], u2]])
  const expected = positionedBatch(many, (r) => (gone.has(r) ? 'delete' : upd.get(r)), [d])
  t.same(p.entry.op === 'batch' && p.entry.entries, expected.entries, 'the same entries as a pass over the list')
  t.same(p.delta.removed, [many[5], many[2000]], 'in list order, the stray left out')
  t.same(p.delta.replaced.map(([o]) => o), [many[10], many[2500]])
  t.equal(p.size, 2999)
  const next = index.withDelta(undefined, 1, p.delta)
  t.same(next.records, expected.next, 'the index built from the delta holds the list the batch replays to')
  t.same(replayJournal(many, SHA, [{ op: 'base', format: 1, snapshot_sha256: SHA }, p.entry]).records, expected.next)
})
