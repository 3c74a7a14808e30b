/**
 * record_lww bulk load (issue #12): the batch's versions and tombstones ride in its journal `batch`
 * frame, made as the batch is planned (part by part, never a diff of the whole store), so a crash
 * after the acknowledgement recovers exactly the versions the peers were sent, and a write planned
 * while the batch's fsync is in flight is not tombstoned by it.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { LwwReplica } from '../../../../src/cluster/sync/replica-store/lww-replica.js'
import { entryKey, type VersionedEntry } from '../../../../src/cluster/sync/lww/replica.js'
import { planBulk } from '../../../../src/store/bulk-plan.js'
import { FileRecordStore } from '../../../../src/store/file-store.js'
import { decodeJournal } from '../../../../src/store/journal/codec.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../../../src/store/record.js'
import { serializeRecordsFile } from '../../../../src/store/records-file.js'
import { tempDir } from '../../../helpers/fs.js'

const log = pino({ level: 'silent' })
const rec = (i: number): DnsRecord => ({
  id: `f${i}`, name: `r${i}.bulk.test`, type: 'A', value: `192.0.2.${i}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})

let wall = 1_700_000_000_000
async function startNode(dir: string) {
  const store = await FileRecordStore.open({
    path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, seedRecords: [], flushDelayMs: 600_000, massDeleteGuardPercent: () => 0,
  })
  const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-a', now: () => (wall += 10), log })
  replica.start()
  return { store, replica }
}

const shape = (entries: readonly VersionedEntry[]) =>
  entries.map((e) => `${e.key} ${e.version.wall}.${e.version.counter}.${e.version.node} ${e.record ? `${e.record.value} ${e.record.ttl}` : 'deleted'}`).sort()

/** Keeps r1..r5 (r1 with a new TTL), drops r6..r10, adds n1..n5. */
const replaceAllWithBatch = (store: FileRecordStore) =>
  store.bulkWrite((records, ctx) => {
    const inputs = [
      { name: 'r1.bulk.test', type: 'A', value: '192.0.2.1', ttl: 120 },
      ...[2, 3, 4, 5].map((i) => ({ name: `r${i}.bulk.test`, type: 'A', value: `192.0.2.${i}` })),
      ...[1, 2, 3, 4, 5].map((i) => ({ name: `n${i}.bulk.test`, type: 'A', value: `198.51.100.${i}`, ttl: 30 })),
    ]
    return planBulk(records, inputs, { ...ctx, mode: 'replace', all: true }).plan
  })

t.test('a bulk load journals its versions in its batch frame; a crash recovers exactly them', async (t) => {
  const dir = await tempDir(t, 'dnsplane-bulk-lww-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(Array.from({ length: 10 }, (_, i) => rec(i + 1)), false))
  const a = await startNode(dir)
  const sent: VersionedEntry[] = []
  a.replica.onLocalEntries((e) => sent.push(...e))
  let fullDiffs = 0
  const recordLocal = a.replica.state.recordLocal.bind(a.replica.state)
  a.replica.state.recordLocal = (...args) => {
    fullDiffs++
    return recordLocal(...args)
  }
  await replaceAllWithBatch(a.store)
  t.equal(fullDiffs, 0, 'versioned from the batch, not by diffing the whole store')
  t.equal(sent.length, 1 + 5 + 5, 'one TTL update, five tombstones, five adds told to the peers')
  t.equal(sent.filter((e) => !e.record).length, 5)
  const journal = decodeJournal(await readFile(join(dir, 'dnsrecords.json.journal')))
  const batch = journal.entries.at(-1)
  t.equal(batch?.op, 'batch')
  t.equal((batch as { lww?: unknown[] }).lww?.length, sent.length, 'the batch frame carries every version it made')
  const before = shape(a.replica.state.entries())
  await a.replica.stop()
  await a.store.stop({ flush: false }) // a crash: only the journal holds the batch
  const b = await startNode(dir)
  t.teardown(async () => {
    await b.replica.stop()
    await b.store.stop()
  })
  t.same(shape(b.replica.state.entries()), before, 'the versions and tombstones are those acknowledged, none made anew')
  t.equal(b.replica.dirty, false)
  t.same(b.store.list().map((r) => r.name).sort(), [1, 2, 3, 4, 5].flatMap((i) => [`n${i}.bulk.test`, `r${i}.bulk.test`]).sort())
})

t.test('a write planned while a bulk load is in flight is not tombstoned by it', async (t) => {
  const dir = await tempDir(t, 'dnsplane-bulk-lww-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(Array.from({ length: 10 }, (_, i) => rec(i + 1)), false))
  const a = await startNode(dir)
  t.teardown(async () => {
    await a.replica.stop()
    await a.store.stop()
  })
  const bulk = replaceAllWithBatch(a.store)
  const single = a.store.add({ id: 'late', name: 'late.bulk.test', type: 'A', value: '203.0.113.1' })
  await Promise.all([bulk, single])
  t.ok(a.store.list().some((r) => r.id === 'late'), 'served')
  t.ok(a.replica.state.get(entryKey({ id: 'late', name: '', type: '', value: '' }))?.record, 'and live in the replica')
})
