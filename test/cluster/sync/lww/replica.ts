import t from 'tap'
import { compareHlc, HlcClock, type Hlc } from '../../../../src/cluster/sync/lww/hlc.js'
import {
  ADOPTED_NODE,
  adoptionVersion,
  entryKey,
  EMPTY_BUCKET,
  recordSetHash,
  ReplicaState,
  sameRecordContent,
  type VersionedEntry,
} from '../../../../src/cluster/sync/lww/replica.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../../src/store/record.js'

const T0 = '2025-01-01T00:00:00Z'

function rec(p: Partial<DnsRecord> & { name: string; value: string }): DnsRecord {
  return { type: 'A', ttl: 300, added_on: T0, updated_on: T0, last_query: GO_ZERO_TIME, ...p }
}

const v = (wall: number, node = 'n', counter = 0): Hlc => ({ wall, counter, node })

function live(r: DnsRecord, version: Hlc): VersionedEntry {
  return { key: entryKey(r), version, record: r }
}

function tomb(key: string, version: Hlc): VersionedEntry {
  return { key, version }
}

/** A clock whose wall time advances 1 ms per tick, from `start`. */
function steppingClock(node: string, start = 1000): HlcClock {
  let ms = start
  return new HlcClock(node, () => ms++)
}

/** Stable text of a state's entries, for comparing replicas. */
function dump(s: ReplicaState): string[] {
  return s
    .entries()
    .map((e) => `${e.key}|${e.version.wall}.${e.version.counter}@${e.version.node}|${e.record ? JSON.stringify(e.record) : 'deleted'}`)
    .sort()
}

function viewText(s: ReplicaState): string[] {
  return s.view().map((r) => JSON.stringify(r))
}

const A = rec({ id: 'a', name: 'a.example', value: '10.0.0.1' })
const B = rec({ id: 'b', name: 'b.example', value: '10.0.0.2' })
const C = rec({ name: 'c.example', value: '10.0.0.3' })

t.test('entryKey uses the id when there is one, else name+type+value', async (t) => {
  t.equal(entryKey(A), 'id:a')
  t.match(entryKey(C), /^rr:/)
  t.equal(entryKey(C), entryKey({ ...C, name: 'C.EXAMPLE.' }), 'name case and trailing dot do not change the key')
  t.not(entryKey(C), entryKey({ ...C, value: '10.0.0.4' }))
})

t.test('recordLocal', async (t) => {
  t.test('versions new records, one tick each, and returns them', async (t) => {
    const s = new ReplicaState()
    const clock = steppingClock('n1')
    const out = s.recordLocal([A, C], clock)
    t.same(out, [live(A, v(1000, 'n1')), live(C, v(1001, 'n1'))])
    t.same(s.view(), [A, C])
    t.equal(s.liveCount, 2)
    t.equal(s.tombstoneCount, 0)
  })

  t.test('returns nothing when the store already matches the view', async (t) => {
    const s = new ReplicaState()
    const clock = steppingClock('n1')
    s.recordLocal([A, B], clock)
    t.same(s.recordLocal([B, A], clock), [])
  })

  t.test('ignores a change of last_query alone (a local statistic)', async (t) => {
    const s = new ReplicaState()
    const clock = steppingClock('n1')
    s.recordLocal([A], clock)
    t.same(s.recordLocal([{ ...A, last_query: '2025-06-01T00:00:00Z' }], clock), [])
  })

  t.test('an update of any replicated field gets a new, higher version under the same key', async (t) => {
    const fields: [string, Partial<DnsRecord>][] = [
      ['value', { value: '10.9.9.9' }],
      ['ttl', { ttl: 60 }],
      ['name', { name: 'renamed.example' }],
      ['updated_on', { updated_on: '2025-02-02T00:00:00Z' }],
      ['mac', { mac: 'aa:bb:cc:dd:ee:ff' }],
      ['cache_record', { cache_record: true }],
    ]
    for (const [field, change] of fields) {
      const s = new ReplicaState()
      const clock = steppingClock('n1')
      const [first] = s.recordLocal([A], clock)
      const updated = { ...A, ...change }
      const out = s.recordLocal([updated], clock)
      t.equal(out.length, 1, field)
      t.equal(out[0].key, 'id:a', field)
      t.ok(compareHlc(out[0].version, first.version) > 0, `${field}: higher version`)
      t.same(s.view(), [updated], field)
    }
  })

  t.test('a record gone from the store becomes a tombstone', async (t) => {
    const s = new ReplicaState()
    const clock = steppingClock('n1')
    s.recordLocal([A, B], clock)
    const out = s.recordLocal([B], clock)
    t.same(out, [tomb('id:a', v(1002, 'n1'))])
    t.same(s.view(), [B])
    t.equal(s.tombstoneCount, 1)
    t.same(s.get('id:a'), tomb('id:a', v(1002, 'n1')))
  })

  t.test('changing the value of a record without id tombstones the old key', async (t) => {
    const s = new ReplicaState()
    const clock = steppingClock('n1')
    s.recordLocal([C], clock)
    const moved = { ...C, value: '10.0.0.30' }
    const out = s.recordLocal([moved], clock)
    t.same(
      out.map((e) => [e.key, !!e.record]),
      [
        [entryKey(moved), true],
        [entryKey(C), false],
      ],
    )
    t.same(s.view(), [moved])
  })

  t.test('a delete also tombstones concurrent copies of the same name+type+value under other ids', async (t) => {
    const s = new ReplicaState()
    const mine = rec({ id: 'x1', name: 'dup.example', value: '10.1.1.1' })
    const theirs = rec({ id: 'x2', name: 'DUP.example.', value: '10.1.1.1' })
    s.merge([live(mine, v(10, 'n1')), live(theirs, v(11, 'n2'))])
    t.same(s.view(), [{ ...theirs, name: 'DUP.example' }], 'the view shows the copy with the higher version only, in stored form (no trailing dot)')
    const out = s.recordLocal([], steppingClock('n1'))
    t.same(out.map((e) => e.key).sort(), ['id:x1', 'id:x2'])
    t.ok(out.every((e) => !e.record))
    t.same(s.view(), [])
    t.equal(s.liveCount, 0)
  })

  t.test('a delete leaves other records of the same name alone', async (t) => {
    const s = new ReplicaState()
    const other = rec({ id: 'x3', name: 'a.example', value: '10.0.0.99' })
    s.merge([live(A, v(10, 'n1')), live(other, v(11, 'n2'))])
    const out = s.recordLocal([other], steppingClock('n1'))
    t.same(out.map((e) => e.key), ['id:a'])
    t.same(s.view(), [other])
  })

  t.test(
    'an update of a record leaves no concurrent copy of its old name+type+value in the view',
    {},
    async (t) => {
      const s = new ReplicaState()
      const mine = rec({ id: 'x1', name: 'dup.example', value: '10.1.1.1' })
      const theirs = rec({ id: 'x2', name: 'dup.example', value: '10.1.1.1' })
      s.merge([live(mine, v(10, 'n1')), live(theirs, v(11, 'n2'))])
      // The store serves the view ([theirs]); the user changes its value.
      const updated = { ...theirs, value: '10.2.2.2' }
      s.recordLocal([updated], steppingClock('n1'))
      t.same(viewText(s), [JSON.stringify(updated)], 'view matches what the store now serves')
    },
  )

  t.test('only the first record of a repeated key in the store is versioned', async (t) => {
    const s = new ReplicaState()
    const out = s.recordLocal([A, { ...A, value: '10.0.0.77' }], steppingClock('n1'))
    t.equal(out.length, 1)
    t.same(out[0].record, A)
  })
})

t.test('adoption gives the lowest versions, derived from content only, so any real write wins over adopted records', async (t) => {
  const s = new ReplicaState()
  const [adopted] = s.recordLocal([A], 'adopt')
  t.equal(adopted.version.wall, 1)
  t.equal(adopted.version.node, ADOPTED_NODE)
  t.same(adoptionVersion(A), adopted.version, 'the same record adopted anywhere gets the same version')
  t.not(adoptionVersion({ ...A, value: '10.9.9.9' }).counter, adopted.version.counter, 'another content gets another version')
  const other = new ReplicaState()
  other.recordLocal([A], 'adopt')
  t.same(other.digest(16), s.digest(16), 'two nodes adopting identical files have identical digests')
  const peerWrite = live({ ...A, value: '10.5.5.5' }, { wall: 2, counter: 0, node: '0' })
  t.equal(s.merge([peerWrite]).length, 1)
  t.same(s.view(), [peerWrite.record])
})

t.test('merge', async (t) => {
  const batch: VersionedEntry[] = [
    live(A, v(10, 'n1')),
    live({ ...A, ttl: 1 }, v(12, 'n2')),
    tomb('id:a', v(11, 'n3')),
    live(B, v(5, 'n1')),
    tomb('id:b', v(5, 'n2')),
    live(C, v(7, 'n3')),
    tomb(entryKey(C), v(6, 'n1')),
  ]

  t.test('keeps the highest version per key and returns the entries that won', async (t) => {
    const s = new ReplicaState()
    const won = s.merge(batch)
    t.same(
      won.map((e) => e.key + '@' + e.version.wall + e.version.node),
      ['id:a@10n1', 'id:a@12n2', 'id:b@5n1', 'id:b@5n2', `${entryKey(C)}@7n3`],
    )
    t.same(s.get('id:a'), live({ ...A, ttl: 1 }, v(12, 'n2')))
    t.same(s.get('id:b'), tomb('id:b', v(5, 'n2')), 'node id breaks the tie')
    t.same(s.view(), [C, { ...A, ttl: 1 }])
  })

  t.test('is idempotent: merging the same entries again changes nothing and returns nothing', async (t) => {
    const s = new ReplicaState()
    s.merge(batch)
    const before = dump(s)
    const digest = s.digest(16)
    t.same(s.merge(batch), [])
    t.same(s.merge(s.entries()), [])
    t.same(dump(s), before)
    t.same(s.digest(16), digest)
  })

  t.test('gives the same state whatever the order, grouping or repetition of deliveries', async (t) => {
    const reference = new ReplicaState()
    reference.merge(batch)
    const orders = [
      [...batch].reverse(),
      [batch[2], batch[0], batch[6], batch[4], batch[1], batch[5], batch[3]],
      [...batch, ...batch.slice(0, 3)],
    ]
    for (const [i, order] of orders.entries()) {
      const s = new ReplicaState()
      for (const e of order) s.merge([e])
      t.same(dump(s), dump(reference), `order ${i}: entries`)
      t.same(viewText(s), viewText(reference), `order ${i}: view`)
    }
    // Associativity: (x ∪ y) ∪ z = x ∪ (y ∪ z), each group merged on its own replica first.
    const x = new ReplicaState(batch.slice(0, 2))
    const y = new ReplicaState()
    y.merge(batch.slice(2, 5))
    const z = new ReplicaState()
    z.merge(batch.slice(5))
    const left = new ReplicaState()
    left.merge(x.entries())
    left.merge(y.entries())
    left.merge(z.entries())
    const yz = new ReplicaState()
    yz.merge(z.entries())
    yz.merge(y.entries())
    const right = new ReplicaState()
    right.merge(yz.entries())
    right.merge(x.entries())
    t.same(dump(left), dump(reference))
    t.same(dump(right), dump(reference))
  })

  t.test('an entry with a version equal to the held one is the same write and is ignored', async (t) => {
    const s = new ReplicaState([live(A, v(10, 'n1'))])
    t.same(s.merge([live({ ...A, value: '10.6.6.6' }, v(10, 'n1'))]), [])
    t.same(s.merge([tomb('id:a', v(10, 'n1'))]), [])
    t.same(s.view(), [A])
  })

  t.test('an entry with a lower version is ignored', async (t) => {
    const s = new ReplicaState([tomb('id:a', v(10, 'n1'))])
    t.same(s.merge([live(A, v(9, 'z'))]), [])
    t.same(s.view(), [])
  })

  t.test('the clock observes every incoming version, winning or not', async (t) => {
    const s = new ReplicaState([live(A, v(100, 'n2'))])
    const clock = new HlcClock('n1', () => 1)
    s.merge([live(A, v(50, 'n3')), live(B, v(70, 'n3', 4))], clock)
    t.same(clock.current(), { wall: 70, counter: 4 })
  })

  t.test('stores its own copy of the winning entry, without extra fields', async (t) => {
    const s = new ReplicaState()
    const incoming = { ...tomb('id:z', v(3, 'n')), record: undefined, extra: 1 } as VersionedEntry
    s.merge([incoming])
    t.same(Object.keys(s.get('id:z') as object).sort(), ['key', 'version'])
  })
})

t.test('view', async (t) => {
  t.test('serves one record per name+type+value, the copy with the higher version', async (t) => {
    const x1 = rec({ id: 'x1', name: 'dup.example', value: '10.1.1.1', ttl: 1 })
    const x2 = rec({ id: 'x2', name: 'Dup.Example.', value: '10.1.1.1', ttl: 2 })
    for (const order of [
      [live(x1, v(20, 'n1')), live(x2, v(20, 'n2'))],
      [live(x2, v(20, 'n2')), live(x1, v(20, 'n1'))],
    ]) {
      const s = new ReplicaState(order)
      t.same(s.view(), [x2])
      t.equal(s.liveCount, 2, 'both entries are kept')
    }
  })

  t.test('a tombstone hides nothing but its own key', async (t) => {
    const x1 = rec({ id: 'x1', name: 'dup.example', value: '10.1.1.1' })
    const s = new ReplicaState([live(x1, v(5, 'n1')), tomb('id:x2', v(50, 'n2'))])
    t.same(s.view(), [x1])
  })

  t.test('lists records in ascending version order', async (t) => {
    const s = new ReplicaState([live(A, v(30)), live(B, v(10)), live(C, v(20))])
    t.same(s.view(), [B, C, A])
  })
})

t.test('digest', async (t) => {
  const entries = [live(A, v(10, 'n1')), live(B, v(11, 'n2')), tomb('id:q', v(12, 'n3')), live(C, v(13, 'n1'))]

  t.test('an empty replica has every bucket empty', async (t) => {
    t.same(new ReplicaState().digest(4), [EMPTY_BUCKET, EMPTY_BUCKET, EMPTY_BUCKET, EMPTY_BUCKET])
  })

  t.test('is equal for the same entries whatever the insertion order', async (t) => {
    const a = new ReplicaState(entries)
    const b = new ReplicaState([...entries].reverse())
    for (const n of [1, 2, 1024]) t.same(a.digest(n), b.digest(n), `${n} buckets`)
    t.equal(a.digest().length, 1024, 'defaults to DEFAULT_DIGEST_BUCKETS')
  })

  t.test('differs when one entry differs in version or in being a tombstone', async (t) => {
    const base = new ReplicaState(entries)
    const variants: [string, VersionedEntry[]][] = [
      ['newer version', [...entries.slice(0, 3), live(C, v(14, 'n1'))]],
      ['other node in the version', [...entries.slice(0, 3), live(C, v(13, 'n2'))]],
      ['tombstone instead of record', [...entries.slice(0, 3), tomb(entryKey(C), v(13, 'n1'))]],
      ['entry missing', entries.slice(0, 3)],
      ['extra entry', [...entries, tomb('id:extra', v(1, 'n'))]],
    ]
    for (const [name, es] of variants) {
      const other = new ReplicaState(es)
      t.not(other.digest(1)[0], base.digest(1)[0], `${name} (1 bucket)`)
      t.equal(base.differingBuckets(other.digest(64)).length, 1, `${name}: exactly one of 64 buckets differs`)
    }
  })

  t.test('rejects bucket counts that are not a power of two within bounds', async (t) => {
    const s = new ReplicaState(entries)
    for (const n of [0, 3, 1000, 131_072, 1.5, -2]) {
      t.throws(() => s.digest(n), RangeError, `digest(${n})`)
      t.throws(() => s.entriesInBuckets([0], n), RangeError, `entriesInBuckets(.., ${n})`)
    }
    t.doesNotThrow(() => s.digest(65_536))
  })
})

t.test('differingBuckets and entriesInBuckets bring two replicas together', async (t) => {
  const shared = Array.from({ length: 40 }, (_, i) => live(rec({ id: `s${i}`, name: `s${i}.example`, value: '10.0.0.1' }), v(100 + i, 'n1')))
  const onlyA = [live(rec({ id: 'only-a', name: 'oa.example', value: '10.0.0.2' }), v(500, 'n1')), tomb('id:s3', v(600, 'n1'))]
  const onlyB = [live(rec({ id: 'only-b', name: 'ob.example', value: '10.0.0.3' }), v(501, 'n2')), live({ ...shared[7].record!, ttl: 5 }, v(601, 'n2'))]
  const a = new ReplicaState([...shared, ...onlyA])
  const b = new ReplicaState([...shared, ...onlyB])
  const n = 64
  const differ = a.differingBuckets(b.digest(n))
  t.same(b.differingBuckets(a.digest(n)), differ, 'symmetric')
  t.ok(differ.length >= 1 && differ.length <= 4)
  const fromA = a.entriesInBuckets(differ, n)
  const fromB = b.entriesInBuckets(differ, n)
  for (const key of ['id:only-a', 'id:s3']) t.ok(fromA.some((e) => e.key === key), `A ships ${key}`)
  for (const key of ['id:only-b', 'id:s7']) t.ok(fromB.some((e) => e.key === key), `B ships ${key}`)
  t.ok(fromA.length < a.size, 'ships only the differing buckets')
  a.merge(fromB)
  b.merge(fromA)
  t.same(a.differingBuckets(b.digest(n)), [])
  t.same(dump(a), dump(b))
  t.same(a.entriesInBuckets([], n), [])
})

t.test('collectTombstones drops tombstones older than the horizon and nothing else', async (t) => {
  const s = new ReplicaState([
    tomb('id:old', v(100, 'n')),
    tomb('id:edge', v(400, 'n')),
    tomb('id:young', v(900, 'n')),
    live(rec({ id: 'ancient', name: 'x.example', value: '10.0.0.1' }), v(1, 'n')),
  ])
  const viewBefore = s.view()
  t.equal(s.collectTombstones(1000, 600), 1, 'only wall < now - horizon')
  t.notOk(s.get('id:old'))
  t.ok(s.get('id:edge'), 'exactly at the horizon is kept')
  t.ok(s.get('id:young'))
  t.ok(s.get('id:ancient'), 'live records are never collected')
  t.same(s.view(), viewBefore)
  t.equal(s.tombstoneCount, 2)
  t.equal(s.collectTombstones(1000, 600), 0)
  t.same(s.digest(8), new ReplicaState(s.entries()).digest(8), 'digest follows the collection')
})

t.test('viewOrderedLike', async (t) => {
  const D = rec({ id: 'd', name: 'd.example', value: '10.0.0.4' })
  const s = new ReplicaState([live(A, v(1)), live(B, v(2)), live(C, v(3)), live(D, v(4))])

  t.test('keeps the order of served records and appends new ones in version order', async (t) => {
    t.same(s.viewOrderedLike([C, A]), [C, A, B, D])
    t.same(s.viewOrderedLike([D, C, B, A]), [D, C, B, A])
    t.same(s.viewOrderedLike([]), [A, B, C, D])
  })

  t.test('drops served records the view lacks and replaces changed ones in place', async (t) => {
    const gone = rec({ id: 'gone', name: 'g.example', value: '10.0.0.9' })
    const staleB = { ...B, ttl: 1 }
    const out = s.viewOrderedLike([gone, staleB, A])
    t.same(out, [B, A, C, D])
  })

  t.test('keeps the served object (with its last_query) when only last_query differs', async (t) => {
    const queried = { ...A, last_query: '2025-05-05T00:00:00Z' }
    const out = s.viewOrderedLike([queried])
    t.equal(out[0], queried)
  })
})

t.test('recordSetHash', async (t) => {
  t.test('does not depend on order', async (t) => {
    t.equal(recordSetHash([A, B, C]), recordSetHash([C, A, B]))
  })

  t.test('ignores last_query', async (t) => {
    t.equal(recordSetHash([A, B]), recordSetHash([{ ...A, last_query: '2025-09-09T00:00:00Z' }, B]))
  })

  t.test('changes with every replicated field and with the count', async (t) => {
    const base = recordSetHash([A, B])
    const changes: [string, DnsRecord[]][] = [
      ['id', [{ ...A, id: 'a2' }, B]],
      ['no id', [{ ...A, id: undefined }, B]],
      ['name', [{ ...A, name: 'z.example' }, B]],
      ['type', [{ ...A, type: 'AAAA' }, B]],
      ['value', [{ ...A, value: '10.0.0.9' }, B]],
      ['ttl', [{ ...A, ttl: 301 }, B]],
      ['added_on', [{ ...A, added_on: '2025-03-03T00:00:00Z' }, B]],
      ['updated_on', [{ ...A, updated_on: '2025-03-03T00:00:00Z' }, B]],
      ['mac', [{ ...A, mac: 'aa' }, B]],
      ['cache_record', [{ ...A, cache_record: true }, B]],
      ['a record removed', [A]],
      ['a record duplicated', [A, B, B]],
    ]
    for (const [name, records] of changes) t.not(recordSetHash(records), base, name)
    t.match(recordSetHash([]), /^0:0{16}$/)
  })
})

t.test('sameRecordContent compares every field but last_query', async (t) => {
  t.ok(sameRecordContent(A, { ...A, last_query: '2025-01-02T00:00:00Z' }))
  t.ok(sameRecordContent(A, { ...A, mac: '', cache_record: false }), 'absent and empty optional fields are equal')
  t.notOk(sameRecordContent(A, { ...A, ttl: 1 }))
  t.notOk(sameRecordContent(A, { ...A, id: undefined }))
})

t.test('recordLocal over the whole store does not build (and sort) the view', async (t) => {
  const clock = new HlcClock('n1', () => 1_700_000_000_000)
  const a = rec({ name: 'a.test', value: '192.0.2.1' })
  const b = rec({ name: 'b.test', value: '192.0.2.2' })
  const s = new ReplicaState()
  s.recordLocal([a, b], clock)
  let built = 0
  const view = s.view.bind(s)
  s.view = () => {
    built++
    return view()
  }
  const changes = s.recordLocal([a], clock)
  t.same(changes.map((c) => [c.key, c.record === undefined]), [[entryKey(b), true]], 'the record gone is tombstoned')
  t.equal(built, 0)
})

t.test('concurrent copies of one content: every copy is found while shared, the last one alone after', async (t) => {
  const clock = new HlcClock('n1', () => 1_700_000_000_000)
  const one = rec({ id: '11111111-1111-4111-8111-111111111111', name: 'c.test', value: '192.0.2.3' })
  const two = { ...one, id: '22222222-2222-4222-8222-222222222222' }
  const three = { ...one, id: '33333333-3333-4333-8333-333333333333' }
  const s = new ReplicaState()
  s.merge([{ key: entryKey(one), version: { wall: 10, counter: 0, node: 'a' }, record: one }])
  s.merge([{ key: entryKey(two), version: { wall: 20, counter: 0, node: 'b' }, record: two }, { key: entryKey(three), version: { wall: 15, counter: 0, node: 'c' }, record: three }])
  t.equal(s.shownFor(`c.test\u0000A\u0000192.0.2.3`)?.key, entryKey(two), 'the highest of three copies')
  s.merge([{ key: entryKey(two), version: { wall: 30, counter: 0, node: 'b' } }, { key: entryKey(three), version: { wall: 31, counter: 0, node: 'c' } }])
  t.equal(s.shownFor(`c.test\u0000A\u0000192.0.2.3`)?.key, entryKey(one), 'the one copy left')
  // deleting a record tombstones every live copy of its content
  const changes = s.recordTouched('remove', [one], () => false, clock)
  t.same(changes.map((c) => c.key), [entryKey(one)])
  t.equal(s.shownFor(`c.test\u0000A\u0000192.0.2.3`), undefined)
  t.equal(s.liveCount, 0)
})
