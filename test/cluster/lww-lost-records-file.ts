/**
 * record_lww start-up with versions kept in dnsrecords.json and its journal (issue #12): records
 * edited or deleted in the file while the node was stopped are versioned, a lost file or one that
 * lost most records never becomes tombstones (peers send their copies back), a journal replayed
 * after a crash brings the versions of its changes back with them, and a cluster_replica.json of an
 * older version is migrated once.
 */
import { existsSync } from 'node:fs'
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { LwwReplica } from '../../src/cluster/sync/replica-store/lww-replica.js'
import { serializeReplicaFile } from '../../src/cluster/sync/replica-store/replica-file.js'
import { adoptionVersion, entryKey, recordSetHash, type VersionedEntry } from '../../src/cluster/sync/lww/replica.js'
import { FileRecordStore } from '../../src/store/file-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { DEFAULT_RECORDS, parseRecordsFile, serializeRecordsFile } from '../../src/store/records-file.js'
import { VERSIONS_KEY } from '../../src/store/record-versions.js'
import { tempDir } from '../helpers/fs.js'

const log = pino({ level: 'silent' })
const rec = (i: number): DnsRecord => ({
  name: `r${i}.lab.test`, type: 'A', value: `192.0.2.${i}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const FIFTY = Array.from({ length: 50 }, (_, i) => rec(i + 1))

interface Node {
  store: FileRecordStore
  replica: LwwReplica
  stop(opts?: { flush?: boolean }): Promise<void>
}

let clock = 1_700_000_000_000
async function startNode(dir: string, flushDelayMs = 0, logger = log): Promise<Node> {
  // As the daemon does for a cluster node: a missing file is created empty.
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log: logger, watch: false, seedRecords: [], flushDelayMs })
  const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-a', now: () => (clock += 10), log: logger })
  replica.start()
  return {
    store,
    replica,
    async stop(opts) {
      await replica.stop()
      await store.stop(opts)
    },
  }
}

/** A node that has served FIFTY and one API record, then stopped. */
async function seeded(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await tempDir(t, 'dnsplane-lost-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(FIFTY, false))
  const first = await startNode(dir)
  await first.store.add({ name: 'api.lab.test', type: 'A', value: '198.51.100.1' })
  await first.stop()
  return dir
}

type Doc = { records: DnsRecord[] } & Record<string, unknown>
const readDoc = async (dir: string): Promise<Doc> => JSON.parse(await readFile(join(dir, 'dnsrecords.json'), 'utf8')) as Doc
/** A hand edit of the records that keeps the rest of the file (the versions) as it was. */
async function editRecords(dir: string, edit: (records: DnsRecord[]) => DnsRecord[]): Promise<void> {
  const doc = await readDoc(dir)
  await writeFile(join(dir, 'dnsrecords.json'), JSON.stringify({ ...doc, records: edit(doc.records) }))
}

t.test('the versions are written into dnsrecords.json, after the records, and the original\'s reader sees only records', async (t) => {
  const dir = await seeded(t)
  const text = await readFile(join(dir, 'dnsrecords.json'), 'utf8')
  t.equal(parseRecordsFile(text).length, 51)
  const doc = (await readDoc(dir)) as Doc & { [VERSIONS_KEY]: { versions: unknown[]; entries: unknown[]; node_id: string } }
  t.same(Object.keys(doc), ['records', VERSIONS_KEY])
  t.equal(doc[VERSIONS_KEY].versions.length, 51, 'one version per record')
  t.equal(doc[VERSIONS_KEY].node_id, 'node-a')
  t.notOk(existsSync(join(dir, 'cluster_replica.json')), 'no second file')
  const again = await startNode(dir)
  t.teardown(() => again.stop())
  t.equal(again.replica.state.liveCount, 51)
  t.equal(again.replica.state.tombstoneCount, 0, 'a restart finds records and versions in agreement')
})

t.test('a records file deleted while stopped: nothing becomes a tombstone', async (t) => {
  const dir = await seeded(t)
  await unlink(join(dir, 'dnsrecords.json'))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 0)
  t.equal(node.replica.state.tombstoneCount, 0, 'no tombstone to push to peers (anti-entropy brings their copies back)')
})

t.test('a records file replaced by the default demo content: the demo record is not versioned into the cluster', async (t) => {
  const dir = await seeded(t)
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(DEFAULT_RECORDS, false))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.replica.state.size, 0)
})

t.test('a file edited to delete most records while stopped makes no tombstone', async (t) => {
  const dir = await seeded(t)
  await editRecords(dir, (r) => r.slice(0, 5))
  const lines: string[] = []
  const node = await startNode(dir, 0, pino({ level: 'warn' }, { write: (l: string) => lines.push(l) }))
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 5)
  t.equal(node.replica.state.tombstoneCount, 0, 'nothing deleted on the peers')
  t.ok(lines.some((l) => l.includes('lost records while the node was stopped')), 'logged')
})

t.test('deletes and edits made in the file while stopped are versioned', async (t) => {
  const dir = await seeded(t)
  const before = new Map((await startNode(dir).then(async (n) => {
    const e = n.replica.state.entries()
    await n.stop()
    return e
  })).map((e) => [e.key, e.version.wall]))
  await editRecords(dir, (r) => r.slice(3).filter((x) => x.name !== 'api.lab.test').map((x) => (x.name === 'r10.lab.test' ? { ...x, ttl: 999 } : x)))
  const pushed: VersionedEntry[] = []
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  node.replica.onLocalEntries((e) => pushed.push(...e))
  t.equal(node.store.list().length, 47)
  t.equal(node.replica.state.tombstoneCount, 4, '3 of FIFTY and the API record: 4 of 51')
  const edited = node.store.list().find((r) => r.name === 'r10.lab.test') as DnsRecord
  const e = node.replica.state.get(entryKey(edited)) as VersionedEntry
  t.equal(e.record?.ttl, 999)
  t.ok(e.version.wall > (before.get(e.key) ?? Infinity), 'the hand edit got a new version')
  const untouched = node.replica.state.get(entryKey(rec(20))) as VersionedEntry
  t.equal(untouched.version.wall, before.get(untouched.key), 'untouched records keep their version')
  const node2Doc = await readDoc(dir)
  t.equal((node2Doc[VERSIONS_KEY] as { versions: unknown[] }).versions.length, 47, 'the start-up versions were written back')
})

t.test('kill -9 with journaled writes: the journal replays each change with its versions', async (t) => {
  const dir = await seeded(t)
  const a = await startNode(dir, 60_000)
  await a.store.add({ name: 'late.lab.test', type: 'A', value: '198.51.100.2' })
  await a.store.remove({ name: 'r1.lab.test' })
  const late = a.replica.state.get(entryKey(a.store.list().find((r) => r.name === 'late.lab.test') as DnsRecord)) as VersionedEntry
  const gone = a.replica.state.get(entryKey(rec(1))) as VersionedEntry
  await a.stop({ flush: false }) // as a crash: the file never saw these changes
  t.notOk(parseRecordsFile(await readFile(join(dir, 'dnsrecords.json'), 'utf8')).some((r) => r.name === 'late.lab.test'))
  const b = await startNode(dir, 60_000)
  t.teardown(() => b.stop())
  t.same(b.replica.state.get(late.key), late, 'the add comes back with its version')
  t.same(b.replica.state.get(gone.key), gone, 'the delete comes back as its tombstone')
  t.equal(b.replica.state.tombstoneCount, 1, 'nothing else was versioned')
})

t.test('an older cluster_replica.json is migrated once into dnsrecords.json and renamed', async (t) => {
  const dir = await tempDir(t, 'dnsplane-migrate-')
  const records = FIFTY.slice(0, 3)
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(records, false))
  const entries: VersionedEntry[] = [
    ...records.map((r, i) => ({ key: entryKey(r), version: { wall: 1_600_000_000_000 + i, counter: 0, node: 'node-z' }, record: r })),
    { key: 'id:gone', version: { wall: 1_600_000_000_100, counter: 2, node: 'node-z' } },
  ]
  const hash = recordSetHash(records)
  await writeFile(join(dir, 'cluster_replica.json'), serializeReplicaFile({ node_id: 'node-a', clock: { wall: 1_600_000_000_100, counter: 2 }, records_hash: hash, records_hash_before: hash, entries }))
  const lines: string[] = []
  const node = await startNode(dir, 0, pino({ level: 'info' }, { write: (l: string) => lines.push(l) }))
  t.same(node.replica.state.entries().map((e) => [e.key, e.version]).sort(), entries.map((e) => [e.key, e.version]).sort(), 'every version and the tombstone kept')
  t.notOk(existsSync(join(dir, 'cluster_replica.json')))
  t.ok(existsSync(join(dir, 'cluster_replica.json.migrated')), 'renamed')
  t.ok(lines.some((l) => l.includes('cluster_replica.json migrated into the records file')), 'logged')
  await node.stop()
  const again = await startNode(dir)
  t.teardown(() => again.stop())
  t.same(again.replica.state.entries().map((e) => [e.key, e.version]).sort(), entries.map((e) => [e.key, e.version]).sort(), 'read back from dnsrecords.json')
  t.not(adoptionVersion(records[0]).node, again.replica.state.get(entryKey(records[0]))?.version.node, 'not re-adopted')
})

t.test('a cluster_replica.json beside a records file that already holds versions is only renamed', async (t) => {
  const dir = await seeded(t)
  await writeFile(join(dir, 'cluster_replica.json'), '{"format":1,"node_id":"node-a","clock":{"wall":1,"counter":0},"records_hash":"","records_hash_before":"","entries":[]}')
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.replica.state.liveCount, 51, 'the versions of dnsrecords.json stand')
  t.ok(existsSync(join(dir, 'cluster_replica.json.migrated')))
})

t.test('a versions key that fails to parse stops the start with ERR_STATE_LOAD naming it', async (t) => {
  const dir = await seeded(t)
  const doc = await readDoc(dir)
  await writeFile(join(dir, 'dnsrecords.json'), JSON.stringify({ ...doc, [VERSIONS_KEY]: { format: 1, versions: 'x' } }))
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, seedRecords: [] })
  t.teardown(() => store.stop())
  await t.rejects(LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-a', now: () => clock, log }), { code: 'ERR_STATE_LOAD', message: /dnsplane_record_lww.*versions: must be an array/ })
})

t.test('a peer write that cannot be written is undone', async (t) => {
  const dir = await seeded(t)
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  const before = node.replica.state.size
  // The merge is computed in the store's queue, then the write fails (as a full disk would).
  node.store.applyDelta = async (fn) => {
    fn(node.store.index)
    throw new Error('ENOSPC')
  }
  await t.rejects(node.replica.applyRemote([{ key: 'id:peer', version: { wall: clock + 1e6, counter: 0, node: 'node-b' } }]), /ENOSPC/)
  t.equal(node.replica.state.size, before, 'the merge was undone')
  // A store without applyDelta: the merged view replaces the records (replaceWith), undone alike.
  node.store.applyDelta = undefined as unknown as typeof node.store.applyDelta
  node.store.replaceWith = async (fn) => {
    await fn(node.store.list())
    throw new Error('ENOSPC')
  }
  await t.rejects(node.replica.applyRemote([{ key: 'id:peer', version: { wall: clock + 1e6, counter: 0, node: 'node-b' } }]), /ENOSPC/)
  t.equal(node.replica.state.size, before, 'the merge was undone')
})

t.test('first start on a file without versions (journal mode): start-up does not rewrite the file; the background flush adds the versions', async (t) => {
  const dir = await tempDir(t, 'dnsplane-adopt-')
  const original = serializeRecordsFile(FIFTY, false)
  await writeFile(join(dir, 'dnsrecords.json'), original)
  const a = await startNode(dir, 60_000)
  t.equal(await readFile(join(dir, 'dnsrecords.json'), 'utf8'), original, 'not rewritten while starting')
  t.equal(a.replica.state.liveCount, 50)
  await a.store.flush()
  const doc = await readDoc(dir)
  t.equal((doc[VERSIONS_KEY] as { versions: unknown[] }).versions.length, 50, 'the flush wrote the adopted versions')
  await a.stop()
})

t.test('kill -9 before the first flush on a file without versions: journaled writes keep their versions and tombstones over the adoption', async (t) => {
  const dir = await tempDir(t, 'dnsplane-adopt-kill-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(FIFTY, false))
  const a = await startNode(dir, 60_000)
  await a.store.add({ name: 'late.lab.test', type: 'A', value: '198.51.100.2' })
  await a.store.remove({ name: 'r1.lab.test' })
  const late = a.replica.state.get(entryKey(a.store.list().find((r) => r.name === 'late.lab.test') as DnsRecord)) as VersionedEntry
  const gone = a.replica.state.get(entryKey(rec(1))) as VersionedEntry
  t.notOk(gone.record, 'tombstoned')
  await a.stop({ flush: false }) // as a crash: the file has neither the changes nor any versions
  t.notOk(VERSIONS_KEY in (await readDoc(dir)), 'no versions in the file yet')
  const b = await startNode(dir, 60_000)
  t.same(b.replica.state.get(late.key), late, 'the add comes back with its version')
  t.same(b.replica.state.get(gone.key), gone, 'the delete comes back as its tombstone, not re-adopted away')
  t.equal(b.replica.state.get(entryKey(rec(2)))?.version.node, adoptionVersion(rec(2)).node, 'untouched records are adopted again alike')
  t.ok(compareClock(b.replica.clock.current(), late.version) >= 0, 'the clock is past the replayed versions')

  // Killed again before any flush: the file now carries the replayed payloads without a section of its own.
  await b.store.add({ name: 'later.lab.test', type: 'A', value: '198.51.100.3' })
  const later = b.replica.state.get(entryKey(b.store.list().find((r) => r.name === 'later.lab.test') as DnsRecord)) as VersionedEntry
  await b.stop({ flush: false })
  t.notOk('format' in ((await readDoc(dir))[VERSIONS_KEY] as object), 'the file holds only the carried payloads')
  const c = await startNode(dir, 60_000)
  t.teardown(() => c.stop())
  t.same(c.replica.state.get(late.key), late, 'the first crash\'s add survives the second')
  t.same(c.replica.state.get(gone.key), gone, 'and its tombstone')
  t.same(c.replica.state.get(later.key), later, 'the second crash\'s add too')
})

function compareClock(a: { wall: number; counter: number }, b: { wall: number; counter: number }): number {
  return a.wall !== b.wall ? a.wall - b.wall : a.counter - b.counter
}
