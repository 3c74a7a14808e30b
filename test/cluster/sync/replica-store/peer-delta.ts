/**
 * record_lww peer writes at the cost of the delta (issue #12): a merge is journaled with the
 * winners' versions and applied to the index as a delta (lww/view-delta.ts), never a rewrite of the
 * records file. Property: over random interleavings of local writes and peer entries (new records,
 * new versions, value changes, tombstones, concurrent copies of one name+type+value under other
 * keys), the store always serves exactly the replica's view; after a crash (journal only) the node
 * comes back with the same records and versions.
 */
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fc from 'fast-check'
import { pino } from 'pino'
import t from 'tap'
import { LwwReplica } from '../../../../src/cluster/sync/replica-store/lww-replica.js'
import { entryKey, type VersionedEntry } from '../../../../src/cluster/sync/lww/replica.js'
import { viewDelta } from '../../../../src/cluster/sync/lww/view-delta.js'
import { ReplicaState } from '../../../../src/cluster/sync/lww/replica.js'
import { FileRecordStore } from '../../../../src/store/file-store.js'
import { decodeJournal } from '../../../../src/store/journal/codec.js'
import { RecordIndex } from '../../../../src/store/record-index.js'
import { RecordSeq } from '../../../../src/store/record-seq.js'
import { GO_ZERO_TIME, recordKey, type DnsRecord } from '../../../../src/store/record.js'
import { serializeRecordsFile } from '../../../../src/store/records-file.js'
import { tempDir } from '../../../helpers/fs.js'

const log = pino({ level: 'silent' })
const NAMES = ['a.delta.test', 'b.delta.test', 'c.delta.test']
const VALUES = ['192.0.2.1', '192.0.2.2']
const rec = (id: string | undefined, name: string, value: string, ttl = 60): DnsRecord => ({
  ...(id ? { id } : {}), name, type: 'A', value, ttl, added_on: '2025-01-01T00:00:00Z', updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

let wall = 1_700_000_000_000
async function startNode(dir: string) {
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 600_000 })
  const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-b', now: () => (wall += 10), log })
  replica.start()
  return { store, replica }
}

/** The served set against the view, as comparable text. */
const served = (records: readonly DnsRecord[]) => records.map((r) => `${entryKey(r)} ${recordKey(r)} ${r.ttl}`).sort()
const entries = (s: ReplicaState) => s.entries().map((e: VersionedEntry) => `${e.key} ${e.version.wall}.${e.version.counter}.${e.version.node} ${e.record ? recordKey(e.record) + ' ' + e.record.ttl : '-'}`).sort()

type Op =
  | { kind: 'peer'; key: number; name: number; value: number; ttl: number; dead: boolean; newer: boolean }
  | { kind: 'add'; name: number; value: number }
  | { kind: 'remove'; name: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('peer' as const), key: fc.nat(5), name: fc.nat(2), value: fc.nat(1), ttl: fc.constantFrom(60, 300), dead: fc.boolean(), newer: fc.boolean() }),
  fc.record({ kind: fc.constant('add' as const), name: fc.nat(2), value: fc.nat(1) }),
  fc.record({ kind: fc.constant('remove' as const), name: fc.nat(2) }),
)

t.test('the store serves the view after every peer delta and local write, and recovers it after a crash', async (t) => {
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 14 }), async (ops) => {
      const dir = await tempDir(t, 'dnsplane-peer-delta-')
      await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile([rec('f1', NAMES[0], VALUES[0]), rec(undefined, NAMES[1], VALUES[1])], false))
      const a = await startNode(dir)
      let peerWall = wall + 1_000_000
      for (const o of ops) {
        if (o.kind === 'peer') {
          // Keys 0-2 are ids, 3-5 keyless copies; `newer` false sends an old version (it loses).
          const key = o.key < 3 ? `id:k${o.key}` : `rr:${recordKey(rec(undefined, NAMES[o.name], VALUES[o.value]))}`
          const version = { wall: o.newer ? peerWall++ : 2, counter: o.key, node: 'node-a' }
          const record = o.key < 3 ? rec(`k${o.key}`, NAMES[o.name], VALUES[o.value], o.ttl) : rec(undefined, NAMES[o.name], VALUES[o.value], o.ttl)
          await a.replica.applyRemote([o.dead ? { key, version } : { key, version, record }])
        } else if (o.kind === 'add') {
          await a.store.add({ name: NAMES[o.name], type: 'A', value: VALUES[o.value] })
        } else {
          await a.store.remove({ name: NAMES[o.name] }).catch(() => undefined)
        }
        if (served(a.store.list()).join() !== served(a.replica.state.view()).join()) {
          throw new Error(`after ${JSON.stringify(o)}: store ${JSON.stringify(served(a.store.list()))} view ${JSON.stringify(served(a.replica.state.view()))}`)
        }
      }
      const before = { records: served(a.store.list()), versions: entries(a.replica.state) }
      await a.replica.stop()
      await a.store.stop({ flush: false })
      const b = await startNode(dir)
      const after = { records: served(b.store.list()), versions: entries(b.replica.state) }
      await b.replica.stop()
      await b.store.stop()
      if (JSON.stringify(after) !== JSON.stringify(before)) throw new Error(`after the crash: ${JSON.stringify(after)} != ${JSON.stringify(before)}`)
      runs++
    }),
    { numRuns: 25 },
  )
  t.equal(runs, 25)
})

t.test('a peer delta is journaled with its versions; the records file is not rewritten', async (t) => {
  const dir = await tempDir(t, 'dnsplane-peer-delta-')
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile([rec('f1', NAMES[0], VALUES[0])], false))
  const a = await startNode(dir)
  t.teardown(async () => {
    await a.replica.stop()
    await a.store.stop()
  })
  await a.store.flush()
  const { mtimeMs, ino } = await stat(path)
  const index = a.store.index
  let fullDiffs = 0
  const recordLocal = a.replica.state.recordLocal.bind(a.replica.state)
  a.replica.state.recordLocal = (...args) => {
    fullDiffs++
    return recordLocal(...args)
  }
  const won = await a.replica.applyRemote([{ key: 'id:p1', version: { wall: wall + 5000, counter: 0, node: 'node-a' }, record: rec('p1', 'p.delta.test', '198.51.100.1') }])
  t.equal(won.length, 1)
  t.equal(fullDiffs, 0, 'the first merge after start-up does not diff the whole store')
  const after = await stat(path)
  t.same([after.mtimeMs, after.ino], [mtimeMs, ino], 'dnsrecords.json untouched')
  const frames = decodeJournal(await readFile(`${path}.journal`)).entries
  const last = frames.at(-1) as { op: string; lww?: unknown[] }
  t.equal(last.op, 'batch')
  t.equal(last.lww?.length, 1, 'the winner\'s version rides in the frame')
  t.equal(a.store.index.deltas.at(-1)?.from, index.uid, 'the index followed by its delta')
  // A tombstone for a key the view does not show changes no record: only its version is journaled.
  await a.replica.applyRemote([{ key: 'id:ghost', version: { wall: wall + 6000, counter: 0, node: 'node-a' } }])
  const ghost = decodeJournal(await readFile(`${path}.journal`)).entries.at(-1) as { op: string; entries: unknown[]; lww?: unknown[] }
  t.same([ghost.op, ghost.entries.length, ghost.lww?.length], ['batch', 0, 1])
})

t.test('viewDelta: a copy under another key that now shows replaces the served one; duplicates served go', async (t) => {
  const state = new ReplicaState()
  const x = rec('x', NAMES[0], VALUES[0])
  const dup = rec('x', NAMES[0], VALUES[0], 300)
  state.merge([{ key: 'id:x', version: { wall: 10, counter: 0, node: 'n' }, record: x }])
  const index = RecordIndex.build([x, dup])
  const y = rec('y', NAMES[0], VALUES[0])
  const previous = new Map([['id:y', undefined]])
  const won = state.merge([{ key: 'id:y', version: { wall: 20, counter: 0, node: 'n' }, record: y }])
  const d = viewDelta(state, index, won, previous)
  t.same(d.removed.map((r) => r.ttl).sort((p, q) => p - q), [60, 300], 'both served copies of the content go')
  t.same(d.added.map((r) => r.id), ['y'], 'the higher version shows')
  t.same(d.replaced, [])
})

t.test('without a journal (records_flush_delay_ms 0) a peer delta rewrites the file with its version', async (t) => {
  const dir = await tempDir(t, 'dnsplane-peer-delta-')
  const path = join(dir, 'dnsrecords.json')
  await writeFile(path, serializeRecordsFile([rec('f1', NAMES[0], VALUES[0])], false))
  const store = await FileRecordStore.open({ path, prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 0 })
  const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-b', now: () => (wall += 10), log })
  t.teardown(() => store.stop())
  await replica.applyRemote([{ key: 'id:p2', version: { wall: wall + 9000, counter: 0, node: 'node-a' }, record: rec('p2', 'q.delta.test', '198.51.100.2') }])
  const doc = JSON.parse(await readFile(path, 'utf8')) as { records: DnsRecord[]; dnsplane_record_lww: { versions: unknown[][] } }
  t.ok(doc.records.some((r) => r.id === 'p2'))
  t.ok(doc.dnsplane_record_lww.versions.some((row) => row[0] === 'id:p2'))
})

t.test('a peer delta and a local write under record_lww build no record list (the replica compares sequences)', async (t) => {
  const dir = await tempDir(t, 'dnsplane-peer-delta-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(Array.from({ length: 3000 }, (_, i) => rec('f' + i, `h${i}.delta.test`, VALUES[0])), false))
  const { store, replica } = await startNode(dir)
  t.teardown(async () => {
    await replica.stop()
    await store.stop({ flush: false })
  })
  let built = 0
  const toArray = RecordSeq.prototype.toArray
  t.teardown(() => void (RecordSeq.prototype.toArray = toArray))
  RecordSeq.prototype.toArray = function (this: RecordSeq) {
    built++
    return toArray.call(this)
  }
  const version = () => ({ wall: (wall += 10), counter: 0, node: 'node-a' })
  const won = await replica.applyRemote([{ key: 'id:p1', version: version(), record: rec('p1', 'p1.delta.test', VALUES[1]) }])
  t.equal(won.length, 1)
  await replica.applyRemote([{ key: 'id:f5', version: version() }])
  await store.add({ name: 'local.delta.test', type: 'A', value: VALUES[0], ttl: 60 })
  t.equal(built, 0, 'no list built')
  t.ok(store.index.findById('p1'))
  t.notOk(store.index.findById('f5'))
})
