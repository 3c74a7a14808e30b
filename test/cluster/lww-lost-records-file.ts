/**
 * record_lww start-up with a records file that is lost, reset to the seed content, or edited to
 * delete most records while the node was stopped (issue #10 item 1): the first two are rebuilt from
 * the replica and the third is held back, so no tombstone is created that would empty the peers.
 */
import { readFile, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pino } from 'pino'
import t from 'tap'
import { LwwReplica } from '../../src/cluster/sync/replica-store/lww-replica.js'
import type { VersionedEntry } from '../../src/cluster/sync/lww/replica.js'
import { FileRecordStore } from '../../src/store/file-store.js'
import { GO_ZERO_TIME, type DnsRecord } from '../../src/store/record.js'
import { DEFAULT_RECORDS, parseRecordsFile, serializeRecordsFile } from '../../src/store/records-file.js'
import { tempDir } from '../helpers/fs.js'

const log = pino({ level: 'silent' })
const rec = (i: number): DnsRecord => ({
  name: `r${i}.lab.test`, type: 'A', value: `192.0.2.${i}`, ttl: 60, added_on: GO_ZERO_TIME, updated_on: GO_ZERO_TIME, last_query: GO_ZERO_TIME,
})
const FIFTY = Array.from({ length: 50 }, (_, i) => rec(i + 1))

interface Node {
  store: FileRecordStore
  replica: LwwReplica
  stop(): Promise<void>
}

let clock = 1_700_000_000_000
async function startNode(dir: string): Promise<Node> {
  // As the daemon does for a cluster node: a missing file is created empty.
  const store = await FileRecordStore.open({ path: join(dir, 'dnsrecords.json'), prettyJson: false, log, watch: false, seedRecords: [] })
  const replica = await LwwReplica.open({ store, path: join(dir, 'cluster_replica.json'), nodeId: 'node-a', now: () => (clock += 10), log })
  replica.start()
  return {
    store,
    replica,
    async stop() {
      await replica.stop()
      await store.stop()
    },
  }
}

/** A node that has served FIFTY (replica written), then stopped. */
async function seeded(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await tempDir(t, 'dnsplane-lost-')
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(FIFTY, false))
  const first = await startNode(dir)
  await first.store.add({ name: 'api.lab.test', type: 'A', value: '198.51.100.1' })
  await first.stop()
  return dir
}

async function fileCount(dir: string): Promise<number> {
  return parseRecordsFile(await readFile(join(dir, 'dnsrecords.json'), 'utf8')).length
}

t.test('a records file deleted while stopped is rebuilt from the replica; nothing becomes a tombstone', async (t) => {
  const dir = await seeded(t)
  await unlink(join(dir, 'dnsrecords.json'))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 51, 'serving every record')
  t.equal(node.replica.state.tombstoneCount, 0, 'no tombstone to push to peers')
  t.equal(node.replica.state.liveCount, 51)
  t.equal(await fileCount(dir), 51, 'dnsrecords.json rebuilt')
  await node.stop()
  const again = await startNode(dir)
  t.teardown(() => again.stop())
  t.equal(again.replica.state.tombstoneCount, 0, 'a second restart finds file and replica in agreement')
})

t.test('a records file replaced by the default demo content is rebuilt from the replica', async (t) => {
  const dir = await seeded(t)
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(DEFAULT_RECORDS, false))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 51)
  t.notOk(node.store.list().some((r) => r.name === 'example.com'), 'the demo record is not versioned into the cluster')
  t.equal(node.replica.state.tombstoneCount, 0)
})

t.test('a file edited to delete most records while stopped is held back until confirmed', async (t) => {
  const dir = await seeded(t)
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(FIFTY.slice(0, 5), false))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 51, 'still serving the known set')
  t.equal(node.replica.state.tombstoneCount, 0, 'nothing deleted yet')
  t.match(node.store.heldMassDelete(), { source: 'startup', removed: 46, total: 51 })
  const pushed: VersionedEntry[] = []
  node.replica.onLocalEntries((e) => pushed.push(...e))
  await node.store.confirmMassDelete()
  t.equal(node.store.list().length, 5)
  t.equal(pushed.filter((e) => !e.record).length, 46, 'confirmed: 46 tombstones for the peers')
})

t.test('a few deletes made in the file while stopped are versioned as before', async (t) => {
  const dir = await seeded(t)
  await writeFile(join(dir, 'dnsrecords.json'), serializeRecordsFile(FIFTY.slice(3), false))
  const node = await startNode(dir)
  t.teardown(() => node.stop())
  t.equal(node.store.list().length, 47)
  t.equal(node.replica.state.tombstoneCount, 4, '3 of FIFTY and the API record: 4 of 51')
  t.equal(node.store.heldMassDelete(), undefined)
})
