/** The chunked record sequence (record-seq.ts): a change copies what it touches; every generation reads as it was. */
import t from 'tap'
import { CHUNK, RecordSeq } from '../../src/store/record-seq.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'

const rec = (id: string | undefined, value = '192.0.2.1'): DnsRecord => ({
  ...(id === undefined ? {} : { id }), name: `${id ?? 'x'}.example`, type: 'A', value, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const many = (n: number, p = 'r') => Array.from({ length: n }, (_, i) => rec(p + i))

t.test('of: the array is kept; ids and positions found across chunks', async (t) => {
  const list = many(CHUNK * 2 + 5)
  const seq = RecordSeq.of(list)
  t.equal(seq.length, list.length)
  t.equal(seq.toArray(), list, 'the given array, not a copy')
  t.ok(seq.isArray(list))
  t.notOk(seq.isArray(list.slice()))
  t.same(seq.withId('r' + (CHUNK + 3)), [list[CHUNK + 3]])
  t.ok(seq.hasId('r0'))
  t.notOk(seq.hasId('nope'))
  t.same(seq.withId('nope'), [])
  t.equal(seq.positionOf(list[2 * CHUNK + 4]), 2 * CHUNK + 4)
  t.equal(seq.positionOf(rec('r1')), -1, 'another object with the same id is not held')
})

t.test('apply: replace, remove, append (opening chunks); older generations unchanged', async (t) => {
  const list = many(CHUNK + 1)
  const s0 = RecordSeq.of(list)
  const a2 = rec('r5', '192.0.2.2')
  const renamed = rec('renamed')
  const added = many(CHUNK, 'n')
  const s1 = s0.apply({ removed: [list[7], list[CHUNK]], added, replaced: [[list[5], a2], [list[9], renamed]] })
  const expect = list.filter((r) => r !== list[7] && r !== list[CHUNK]).map((r) => (r === list[5] ? a2 : r === list[9] ? renamed : r)).concat(added)
  t.same(s1.toArray(), expect)
  t.ok(Object.isFrozen(s1.toArray()), 'a built list is frozen')
  t.equal(s1.length, expect.length)
  t.same(s0.toArray(), list, 'the older generation still reads as it was')
  t.same(s1.withId('r5'), [a2])
  t.same(s1.withId('r9'), [], 'a replacement under another id: the old id is gone')
  t.same(s1.withId('renamed'), [renamed])
  t.same(s1.withId('r7'), [])
  t.equal(s1.positionOf(added[CHUNK - 1]), expect.length - 1)
  // The older generation finds its records again (its own locator, built anew).
  t.same(s0.withId('r9'), [list[9]])
  t.equal(s0.positionOf(list[CHUNK]), CHUNK)
  const s2 = s1.apply({ removed: [rec('stray')], added: [], replaced: [[rec('stray2'), rec('x')]] })
  t.same(s2.toArray(), expect, 'records it does not hold are ignored')
})

t.test('ids held by several records, and records without an id, are found by a scan', async (t) => {
  const [a, b, c] = [rec('dup'), rec('dup', '192.0.2.2'), rec(undefined)]
  const seq = RecordSeq.of([...many(CHUNK), a, b, c])
  t.same(seq.withId('dup'), [a, b])
  t.equal(seq.positionOf(c), CHUNK + 2)
  const next = seq.apply({ removed: [a, c], added: [rec('dup', '192.0.2.3')], replaced: [] })
  t.equal(next.withId('dup').length, 2, 'still both after one went and another came')
  t.same(next.withId('dup')[0], b)
  const gone = next.apply({ removed: next.withId('dup'), added: [], replaced: [] })
  t.same(gone.withId('dup'), [])
  t.notOk(gone.toArray().some((r) => r.id === 'dup'))
})

t.test('many removals: the sequence is rebuilt compact, and reads the same', async (t) => {
  const list = many(CHUNK * 20)
  let seq = RecordSeq.of(list)
  const keep = new Set(list.filter((_, i) => i % 8 === 0))
  for (let c = 0; c < 20; c++) seq = seq.apply({ removed: list.slice(c * CHUNK, (c + 1) * CHUNK).filter((r) => !keep.has(r)), added: [], replaced: [] })
  t.same(seq.toArray(), [...keep])
  const last = [...keep][keep.size - 1]
  t.equal(seq.positionOf(last), keep.size - 1)
  t.same(seq.withId(last.id as string), [last])
})

t.test('warm builds the locator in steps; a sequence taken over by a newer one has nothing to warm', async (t) => {
  const list = many(CHUNK * 3)
  const seq = RecordSeq.of(list)
  t.notOk(seq.warm(1))
  t.notOk(seq.warm(1))
  t.ok(seq.warm(1), 'complete after its three chunks')
  t.same(seq.withId('r' + (CHUNK * 2 + 1)), [list[CHUNK * 2 + 1]])
  const next = seq.apply({ removed: [], added: [rec('z')], replaced: [] })
  t.ok(seq.warm(1), 'superseded')
  t.ok(next.warm(0), 'the newer one inherited a complete locator')
  const cold = RecordSeq.of(list)
  const applied = cold.apply({ removed: [list[0]], added: [], replaced: [] })
  t.same(applied.withId('r0'), [], 'a write before warming completes the locator first')
  t.same(applied.withId('r1'), [list[1]])
})
