import t from 'tap'
import { decodeSection, encodeSection, encodeSectionLazily } from '../../../../src/cluster/sync/replica-store/replica-section.js'
import { recordsFileChunks, serializeRecordsFile } from '../../../../src/store/records-file.js'
import { VERSIONS_KEY } from '../../../../src/store/record-versions.js'
import { entryKey, recordDigest, ReplicaState } from '../../../../src/cluster/sync/lww/replica.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../../src/store/record.js'

const rec = (i: number, id?: string): DnsRecord => ({
  ...(id ? { id } : {}), name: `r${i}.example`, type: 'A', value: `192.0.2.${i}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const v = (wall: number) => ({ wall, counter: 0, node: 'n1' })

t.test('encode then decode: served records keep their versions; tombstones and unshown entries travel in full', async (t) => {
  const a = rec(1)
  const b = rec(2, '11111111-1111-4111-8111-111111111111')
  const shadow = { ...rec(1), id: '22222222-2222-4222-8222-222222222222' } // same content under another key: not in the file
  const state = new ReplicaState([
    { key: entryKey(a), version: v(10), record: a },
    { key: entryKey(b), version: v(11), record: b },
    { key: entryKey(shadow), version: v(5), record: shadow },
    { key: 'id:gone', version: v(12) },
  ])
  const section = JSON.parse(JSON.stringify(encodeSection(state, 'n1', { wall: 12, counter: 0 }, [a, b, a]))) as { versions: unknown[]; entries: unknown[] }
  t.same(section.versions, [[entryKey(a), 10, 0, 'n1', recordDigest(a)], [entryKey(b), 11, 0, 'n1', recordDigest(b)]], 'one row per shown record')
  t.equal(section.entries.length, 2, 'the tombstone and the shadowed copy')
  const d = decodeSection(section, [a, b])
  t.same(d.entries.map((e) => [e.key, e.version.wall]).sort(), state.entries().map((e) => [e.key, e.version.wall]).sort())
  t.equal(d.unresolved.size, 0)
  t.same(d.clock, { wall: 12, counter: 0 })
  t.equal(d.live, 3)
  const edited = { ...b, ttl: 99 }
  const e = decodeSection(section, [edited])
  t.same([...e.unresolved].sort(), [entryKey(a), entryKey(b)].sort(), 'an edited record and a gone one are unresolved')
})

t.test('malformed sections name the problem', async (t) => {
  t.throws(() => decodeSection([], []), /must be an object/)
  t.throws(() => decodeSection({ format: 2 }, []), /format: unsupported 2/)
  t.throws(() => decodeSection({ format: 1, versions: {} }, []), /versions: must be an array/)
  t.throws(() => decodeSection({ format: 1, versions: [['k', 1, 0, 'n']] }, []), /versions\[0\]: must be/)
  t.throws(() => decodeSection({ format: 1, versions: [['k', -1, 0, 'n', 'x']] }, []), /versions\[0\]: version out of bounds/)
  t.throws(() => decodeSection({ format: 1, journal: {} }, []), /journal: must be an array/)
  t.throws(() => decodeSection({ format: 1, entries: [{ key: 'k' }] }, []), /entries\[0\]/)
  const bare = decodeSection({ format: 1 }, [])
  t.same([bare.entries, bare.clock, bare.unfolded], [[], undefined, []], 'everything but format is optional')
})

t.test('a million records of the scale bench with their versions fit the records file limit (a node reads back what it writes)', async (t) => {
  const { randomUUID } = await import('node:crypto')
  const { MAX_RECORDS_FILE_BYTES, serializeRecordsFile } = await import('../../../../src/store/records-file.js')
  // 1,000 records shaped as bench/scale.mjs makes them (uuid ids, host<i>.scale.test, A), adopted as on a first record_lww start
  const sample: DnsRecord[] = []
  for (let i = 999_000; i < 1_000_000; i++) {
    sample.push({ id: randomUUID(), name: `host${i}.scale.test`, type: 'A', value: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, ttl: 3600, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME })
  }
  const state = new ReplicaState()
  state.recordLocal(sample, 'adopt')
  const text = serializeRecordsFile(sample, false, { key: 'dnsplane_record_lww', value: encodeSection(state, 'node-0', { wall: 1, counter: 0 }, sample) })
  t.ok(text.length * 1000 < MAX_RECORDS_FILE_BYTES, `${text.length * 1000} bytes for 1M records under ${MAX_RECORDS_FILE_BYTES}`)
})

t.test('a section made as it is written (encodeSectionLazily): the text of the one made at once, in any slices', async (t) => {
  const records: DnsRecord[] = []
  for (let i = 0; i < 40; i++) records.push(rec(i, `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`))
  const state = new ReplicaState(records.map((r, i) => ({ key: entryKey(r), version: v(100 + i), record: r })))
  state.merge([{ key: 'id:gone', version: v(500) }, { key: 'id:shadow', version: v(1), record: { ...records[0], id: 'shadow' } }])
  for (const pretty of [false, true]) {
    const whole = serializeRecordsFile(records, pretty, { key: VERSIONS_KEY, value: encodeSection(state, 'n1', { wall: 9, counter: 1 }, records) })
    for (const slice of [1, 7, 64]) {
      const text = [...recordsFileChunks(records, pretty, { key: VERSIONS_KEY, value: encodeSectionLazily(state, 'n1', { wall: 9, counter: 1 }, records) }, slice)].join('')
      t.equal(text, whole, `pretty=${pretty} slice=${slice}`)
    }
    t.equal(serializeRecordsFile(records, pretty, { key: VERSIONS_KEY, value: encodeSectionLazily(state, 'n1', { wall: 9, counter: 1 }, records) }), whole, 'JSON.stringify of it too')
  }
  const empty = new ReplicaState()
  t.equal(
    [...recordsFileChunks([], false, { key: VERSIONS_KEY, value: encodeSectionLazily(empty, 'n1', { wall: 0, counter: 0 }, []) })].join(''),
    serializeRecordsFile([], false, { key: VERSIONS_KEY, value: encodeSection(empty, 'n1', { wall: 0, counter: 0 }, []) }),
    'no rows, no entries',
  )
})

t.test('a key written lazily after it changed: read back with the journal entry replayed, the state is the same', async (t) => {
  const a = rec(1, 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa')
  const b = rec(2, 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb')
  const state = new ReplicaState([{ key: entryKey(a), version: v(10), record: a }, { key: entryKey(b), version: v(11), record: b }])
  const records = [a, b]
  const chunks = recordsFileChunks(records, false, { key: VERSIONS_KEY, value: encodeSectionLazily(state, 'n1', { wall: 11, counter: 0 }, records) }, 1)
  const parts: string[] = [chunks.next().value as string, chunks.next().value as string]
  // b is updated after the snapshot's point, before its row is made (its write is journaled)
  const b2 = { ...b, value: '198.51.100.2' }
  const write = { key: entryKey(b), version: v(20), record: b2 }
  state.merge([write])
  for (const c of chunks) parts.push(c)
  const doc = JSON.parse(parts.join('')) as { records: DnsRecord[]; [VERSIONS_KEY]: unknown }
  const d = decodeSection(doc[VERSIONS_KEY], doc.records)
  const back = new ReplicaState()
  back.replay(d.entries)
  back.replay([write]) // the journal entry of the update
  t.same(back.entries().map((e) => [e.key, e.version.wall, e.record?.value]).sort(), state.entries().map((e) => [e.key, e.version.wall, e.record?.value]).sort())
  t.same(back.digest(8), state.digest(8))
})
