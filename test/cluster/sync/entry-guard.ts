import t from 'tap'
import { countRejections, describeRejections, MAX_NAMED_REJECTIONS, MAX_VERSION_AHEAD_MS, screenVersions } from '../../../src/cluster/sync/entry-guard.js'
import type { VersionedEntry } from '../../../src/cluster/sync/lww/replica.js'

const now = 1_700_000_000_000
const entry = (key: string, wall: number): VersionedEntry => ({ key, version: { wall, counter: 0, node: 'p' } })

t.test('keeps versions up to MAX_VERSION_AHEAD_MS ahead and refuses one millisecond more', async (t) => {
  const at = entry('id:at', now + MAX_VERSION_AHEAD_MS)
  const over = entry('id:over', now + MAX_VERSION_AHEAD_MS + 1)
  const past = entry('id:past', 1)
  const r = screenVersions([past, at, over], now)
  t.same(r.accepted, [past, at])
  t.match(r.rejected, [{ key: 'id:over', reason: 'future_version', message: /60001 ms ahead of this node's clock \(bound 60000 ms\)/ }])
})

t.test('returns the same array when nothing is refused', async (t) => {
  const list = [entry('id:a', now)]
  t.equal(screenVersions(list, now).accepted, list)
})

t.test('names at most MAX_NAMED_REJECTIONS records and counts the rest', async (t) => {
  const rejected = Array.from({ length: MAX_NAMED_REJECTIONS + 2 }, (_, i) => ({ index: i, name: `n${i}`, reason: 'invalid_name' as const, message: 'name: bad' }))
  const text = describeRejections('delta batch 3', 'entries', rejected)
  t.match(text, /^delta batch 3: 10 entries refused, not stored: entries\[0\] name "n0": name: bad; /)
  t.match(text, /; and 2 more$/)
  t.notMatch(text, /n9/)
  t.same([...countRejections(rejected)], [['invalid_name', 10]])
})
