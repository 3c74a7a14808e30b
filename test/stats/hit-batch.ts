/**
 * HitBatch: fast-path hits counted per entry and handed over once a second and on flush.
 */
import t from 'tap'
import { HIT_BATCH_MAX, HitBatch } from '../../src/stats/hit-batch.js'
import type { ResolutionHit } from '../../src/stats/resolution.js'

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0)

function batch() {
  const counted: [string, number, number][] = []
  const b = new HitBatch((hit, n, at) => counted.push([hit.qname, n, at]))
  return { b, counted }
}

t.test('hits of one second wait for a flush; each entry is counted once with its total', async (t) => {
  const { b, counted } = batch()
  const a: ResolutionHit = { qname: 'a', qtype: 'A', rcode: 'NOERROR', pending: 0 }
  const c: ResolutionHit = { qname: 'c', qtype: 'A', rcode: 'NOERROR' } // no pending field yet: works too
  b.add(T0 + 1, a)
  b.add(T0 + 2, c)
  b.add(T0 + 3, a)
  t.same(counted, [], 'nothing counted yet')
  t.equal(a.pending, 0, 'a hit does not touch its entry object before the flush')
  b.flush()
  t.same(counted, [['a', 2, T0 + 3], ['c', 1, T0 + 3]])
  t.equal(a.pending, 0)
  b.flush()
  t.equal(counted.length, 2, 'a second flush has nothing to count')
})

t.test('a hit in another second counts the pending ones first, with a time of their own second', async (t) => {
  const { b, counted } = batch()
  const a: ResolutionHit = { qname: 'a', qtype: 'A', rcode: 'NOERROR', pending: 0 }
  b.add(T0 + 999, a)
  b.add(T0 + 1000, a) // next second
  t.same(counted, [['a', 1, T0 + 999]])
  b.add(T0 + 1999, a)
  t.same(counted, [['a', 1, T0 + 999]], 'same second: still pending')
  b.add(T0 + 500, a) // the clock stepped back
  t.same(counted, [['a', 1, T0 + 999], ['a', 2, T0 + 1999]])
  b.add(-1500, a) // before the epoch: the second is still found
  b.add(-1001, a)
  t.equal(counted.length, 3, '-1500 and -1001 share a second')
  b.add(-1000, a)
  t.same(counted.at(-1), ['a', 2, -1001])
  b.flush()
  t.same(counted.at(-1), ['a', 1, -1000])
})

t.test('a full list is flushed by the next hit (same second: the counts are the same, in more calls)', async (t) => {
  const { b, counted } = batch()
  const a: ResolutionHit = { qname: 'a', qtype: 'A', rcode: 'NOERROR', pending: 0 }
  for (let i = 0; i < HIT_BATCH_MAX; i++) b.add(T0 + 1, a)
  t.same(counted, [], 'a full list waits')
  b.add(T0 + 2, a)
  t.same(counted, [['a', HIT_BATCH_MAX, T0 + 2]], 'the next hit flushed the full list')
  b.flush()
  t.same(counted, [['a', HIT_BATCH_MAX, T0 + 2], ['a', 1, T0 + 2]])
})
