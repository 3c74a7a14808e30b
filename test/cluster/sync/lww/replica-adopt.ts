/**
 * Adoption of a records file without versions (a node's first start under record_lww) on an empty
 * state: the same entries, view and digests as the general path, with the bucket hashes computed
 * when first needed (ReplicaState.hashPending) or in slices after start-up (LwwReplica.hashInSlices).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setImmediate as turn } from 'node:timers/promises'
import { pino } from 'pino'
import t from 'tap'
import { adoptionVersion, entryKey, ReplicaState, type VersionedEntry } from '../../../../src/cluster/sync/lww/replica.js'
import { LwwReplica } from '../../../../src/cluster/sync/replica-store/lww-replica.js'
import { FileRecordStore } from '../../../../src/store/file-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../../src/store/record.js'
import { tempDir } from '../../../helpers/fs.js'

const rec = (i: number, p: Partial<DnsRecord> = {}): DnsRecord => ({
  id: `id${i}`, name: `h${i}.adopt.test`, type: 'A', value: `192.0.2.${i % 250}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME, ...p,
})

/** The records: ids, no ids, a second record under a taken id (the first wins), a duplicate content under two ids. */
function served(): DnsRecord[] {
  const out: DnsRecord[] = []
  for (let i = 0; i < 40; i++) out.push(rec(i))
  out.push(rec(3, { value: '198.51.100.3' })) // id3 again: ignored
  const { id: _ignored, ...noId } = rec(100)
  out.push(noId, { ...noId }) // rr: key twice
  out.push(rec(101, { name: 'h0.adopt.test', value: '192.0.2.0' })) // h0's content under another id
  return out
}

/** The general path's result: every first record of a key adopted, put one by one. */
function reference(records: readonly DnsRecord[]): ReplicaState {
  const seen = new Set<string>()
  const entries: VersionedEntry[] = []
  for (const r of records) {
    const key = entryKey(r)
    if (seen.has(key)) continue
    seen.add(key)
    entries.push({ key, version: adoptionVersion(r), record: r })
  }
  return new ReplicaState(entries)
}

const shape = (s: ReplicaState) => s.entries().map((e) => `${e.key} ${e.version.wall}.${e.version.counter}.${e.version.node} ${e.record?.value}`)

t.test('adoption on an empty state: the entries, view and digests of the general path; hashes when first needed', async (t) => {
  const records = served()
  const ref = reference(records)
  const s = new ReplicaState()
  const adopted = s.recordLocal(records, 'adopt')
  t.equal(adopted.length, 42, 'one entry per key, the first record of a key wins')
  t.same(shape(s), shape(ref))
  t.same(s.view(), ref.view())
  t.equal(s.liveCount, ref.liveCount)
  t.same(s.shownFor('h0.adopt.test\u0000A\u0000192.0.2.0')?.key, ref.shownFor('h0.adopt.test\u0000A\u0000192.0.2.0')?.key, 'content index as built by put')
  t.equal(s.hashPending(0), 42, 'no bucket hash computed by the adoption')
  t.equal(s.hashPending(10), 32, 'a slice hashes that many')
  t.same(s.digest(16), ref.digest(16), 'a digest hashes the rest first')
  t.equal(s.hashPending(0), 0)
  t.same(s.recordLocal(records, 'adopt'), [], 'adopting the same records again: nothing new')
})

t.test('an adopted entry replaced before it was hashed, and buckets asked before any hash', async (t) => {
  const records = served()
  const s = new ReplicaState()
  s.recordLocal(records, 'adopt')
  const ref = reference(records)
  const newer: VersionedEntry = { key: 'id5', version: { wall: 9, counter: 0, node: 'n' }, record: rec(5, { value: '203.0.113.5' }) }
  s.merge([newer])
  ref.merge([newer])
  t.same(s.entriesInBuckets([0, 1, 2, 3], 4).map((e) => e.key).sort(), ref.entriesInBuckets([0, 1, 2, 3], 4).map((e) => e.key).sort())
  t.same(s.digest(8), ref.digest(8))
  t.same(s.entriesInBuckets([1], 8).map((e) => e.key).sort(), ref.entriesInBuckets([1], 8).map((e) => e.key).sort())
})

/**
 * A records file of `n` A records (10.<octet>.x.y) without versions, and a function opening a store
 * and a record_lww replica on it (each open adopts the file, as a node's first start does).
 */
async function adoptingNode(t: { teardown(fn: () => unknown): void }, n: number, octet: number) {
  const dir = await tempDir(t)
  const records: DnsRecord[] = []
  for (let i = 0; i < n; i++) records.push(rec(i, { value: `10.${octet}.${i >> 8}.${i & 255}` }))
  await writeFile(join(dir, 'dnsrecords.json'), JSON.stringify({ records }))
  const log = pino({ level: 'silent' })
  return async () => {
    const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 600_000, massDeleteGuardPercent: () => 0 })
    const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-a', now: () => 1_700_000_000_000, log })
    return { store, replica }
  }
}

t.test('a node adopting a file hashes the adopted entries in slices after start-up, and stops with the replica', async (t) => {
  const open = await adoptingNode(t, 5000, 0)
  const a = await open()
  t.ok(a.replica.state.hashPending(0) > 0, 'not all hashed when open returns')
  for (let i = 0; i < 100 && a.replica.state.hashPending(0) > 0; i++) await turn()
  t.equal(a.replica.state.hashPending(0), 0, 'hashed within a few turns')
  a.replica.hashInSlices() // nothing left: no slice scheduled
  await a.replica.stop()
  await a.store.stop({ flush: false })
  const b = await open()
  await b.replica.stop() // before the first slice: the rest is hashed by the first digest
  await turn()
  const left = b.replica.state.hashPending(0)
  t.ok(left > 0, 'no slice ran after stop')
  t.equal(b.replica.state.digest(4).length, 4)
  t.equal(b.replica.state.hashPending(0), 0)
  await b.store.stop({ flush: false })
})

t.test('anti-entropy waits for the adopted hashes in slices instead of computing them in one turn', async (t) => {
  const { store, replica } = await (await adoptingNode(t, 9000, 1))()
  t.teardown(async () => {
    await replica.stop()
    await store.stop({ flush: false })
  })
  await replica.stop() // no background slices: only hashed() works through them
  t.ok(replica.state.hashPending(0) > 4000, 'adopted entries wait for their hashes')
  let turns = 0
  let ticking = true
  const tick = (): void => {
    turns++
    if (ticking) setImmediate(tick)
  }
  setImmediate(tick)
  await replica.hashed()
  ticking = false
  t.equal(replica.state.hashPending(0), 0, 'all hashed')
  t.ok(turns >= 2, `the event loop turned meanwhile (${turns} turns)`)
})

t.test('a versions section replayed with its hashes left for later: the digests of an eager replay', async (t) => {
  const entries: VersionedEntry[] = served().map((r, i) => ({ key: `k${i % 30}`, version: { wall: 10 + i, counter: i, node: 'n' }, record: r }))
  entries.push({ key: 'k3', version: { wall: 99, counter: 0, node: 'n' } }) // a tombstone over a replayed key
  const eager = new ReplicaState()
  eager.replay(entries)
  const later = new ReplicaState()
  later.replay(entries, true)
  t.equal(later.hashPending(0), entries.length)
  later.replay([{ key: 'k4', version: { wall: 100, counter: 0, node: 'n' } }]) // hashed at once, over an unhashed slot
  eager.replay([{ key: 'k4', version: { wall: 100, counter: 0, node: 'n' } }])
  t.same(later.digest(32), eager.digest(32))
  t.same(later.view(), eager.view())
})
