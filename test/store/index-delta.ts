import t from 'tap'
import { deltasSince, diffById, keepDeltas, MAX_KEPT_DELTA_RECORDS, MAX_KEPT_DELTAS, type IndexDelta } from '../../src/store/index-delta.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (id: string | undefined, value = '192.0.2.1'): DnsRecord => ({
  id, name: 'a.example', type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

t.test('diffById: kept ids with new objects are updates in place, new ids appended, missing ids removed', async (t) => {
  const [a, b, c] = [rec('a'), rec('b'), rec('c')]
  const b2 = rec('b', '192.0.2.2')
  const d = rec('d')
  const delta = diffById([a, b, c], [a, b2, d])
  t.same(delta?.removed, [c])
  t.same(delta?.added, [d])
  t.equal(delta?.replaced.length, 1)
  t.equal(delta?.replaced[0][0], b)
  t.equal(delta?.replaced[0][1], b2)
  t.same(diffById([a, b], [a, b]), { removed: [], added: [], replaced: [] })
})

t.test('diffById: undefined when the change is not a delta (order, ids)', async (t) => {
  const [a, b] = [rec('a'), rec('b')]
  t.equal(diffById([a, b], [b, a]), undefined, 'reordered')
  t.equal(diffById([a], [rec('n'), a]), undefined, 'a kept record after a new one')
  t.equal(diffById([rec(undefined)], [a]), undefined, 'no id in the base')
  t.equal(diffById([a, rec('a')], [a]), undefined, 'id repeated in the base')
  t.equal(diffById([a], [a, rec(undefined)]), undefined, 'no id in the next set')
  t.equal(diffById([a], [a, a]), undefined, 'id repeated in the next set')
})

t.test('keepDeltas keeps the newest, bounded by count and size; deltasSince finds the path', async (t) => {
  const small = (i: number): IndexDelta => ({ from: i, to: i + 1, removed: [], added: [rec(String(i))], replaced: [] })
  let kept: IndexDelta[] = []
  for (let i = 0; i < MAX_KEPT_DELTAS + 10; i++) kept = keepDeltas(kept, small(i))
  t.equal(kept.length, MAX_KEPT_DELTAS)
  t.equal(kept[kept.length - 1].to, MAX_KEPT_DELTAS + 10)
  t.equal(deltasSince(kept, 3), undefined, 'trimmed away')
  t.same(deltasSince(kept, MAX_KEPT_DELTAS + 8)?.map((d) => d.to), [MAX_KEPT_DELTAS + 9, MAX_KEPT_DELTAS + 10])
  const huge: IndexDelta = { from: 1000, to: 1001, removed: [], added: new Array<DnsRecord>(MAX_KEPT_DELTA_RECORDS).fill(rec('h')), replaced: [] }
  t.equal(keepDeltas(kept, huge).length, 1, 'a large delta pushes the older ones out')
})
