/**
 * Fault lab (issue #10 item 1): a record_lww node's dnsrecords.json is deleted while it runs and again
 * while it is stopped, then the node restarts: every node still holds all 50 records (the file is
 * rewritten from memory, then refilled by its peers; no tombstone leaves the node). Then a file
 * edit that would delete most records is held back on its node only, until confirmed.
 */
import { unlink, writeFile } from 'node:fs/promises'
import t from 'tap'
import { LabCluster, labSkipReason, labTeardown, type LabNode, type LabRecord } from '../helpers/lab/cluster.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
const RECORDS: LabRecord[] = Array.from({ length: 50 }, (_, i) => ({ name: `r${i + 1}.lab.test`, type: 'A', value: `192.0.2.${i + 1}` }))
const ALL_KEYS = RECORDS.map((r) => `${r.name} ${r.type} ${r.value}`).sort()
/** Bound for the start-up anti-entropy with both peers, and for convergence. */
const SETTLE_MS = 10_000
/** Bound for a node process to come up (generous: CI machines run two lab files at once). */
const START_MS = 30_000

/** Completed anti-entropy rounds on `node` since its (re)start (the counter starts at 0 per process). */
const rounds = (node: LabNode) => node.metric('dnsplane_cluster_anti_entropy_rounds_total', { outcome: 'ok' })

t.test('record_lww: a records file deleted while running and while stopped costs no record on any node', { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: RECORDS, config: { cluster_sync_policy: 'record_lww' }, startTimeoutMs: START_MS })
  labTeardown(t, lab)
  const [, b] = lab.nodes
  t.ok(await lab.converged(SETTLE_MS, (k) => k.length === 50), 'all nodes start with the 50 records')

  // Deleted while running: kept in memory and written back.
  await unlink(b.recordsPath)
  t.ok(await waitFor(() => b.log.some((l) => l.includes('rewritten from the records in memory')), 5000), 'node-1 rewrote the file from memory')

  // Deleted while stopped, then restarted: the versions went with the file (issue #12: one source of
  // truth), so the node starts empty, makes no tombstone, and anti-entropy brings every record back.
  await b.killHard()
  await unlink(b.recordsPath)
  await b.start(START_MS)
  t.ok(b.log.some((l) => l.includes('records file was missing at start; nothing becomes a tombstone')), 'node-1 noticed the lost file at start')
  t.ok(await waitFor(async () => (await rounds(b)) >= 2, SETTLE_MS), 'node-1 finished anti-entropy with both peers')
  t.same(await lab.keys(), [ALL_KEYS, ALL_KEYS, ALL_KEYS], 'every node still holds all 50 records')
  const status = await b.api('GET', '/api/v1/cluster')
  t.match(status.json?.status?.replica, { live: 50, tombstones: 0 }, 'node-1 made no tombstone')
})

t.test('record_lww: a file edit deleting most records is held on its node until confirmed, then replicates', { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: RECORDS, config: { cluster_sync_policy: 'record_lww' }, startTimeoutMs: START_MS })
  labTeardown(t, lab)
  const [a] = lab.nodes
  t.ok(await lab.converged(SETTLE_MS, (k) => k.length === 50))
  const kept = RECORDS.slice(0, 5)
  await writeFile(a.recordsPath, JSON.stringify({ records: kept.map((r) => ({ ttl: 60, ...r })) }))
  t.ok(await waitFor(async () => (await a.api('GET', '/api/v1/records/mass-delete')).json?.held, 5000), 'held on node-0')
  t.match((await a.api('GET', '/api/v1/records/mass-delete')).json.held, { source: 'file', removed: 45, total: 50 })
  t.equal(await a.metric('dnsplane_records_mass_delete_held'), 45, 'metric reports the held delete')
  t.same(await lab.keys(), [ALL_KEYS, ALL_KEYS, ALL_KEYS], 'nothing deleted anywhere while held')

  const res = await a.api('POST', '/api/v1/records/mass-delete/confirm')
  t.equal(res.status, 200)
  t.match(res.json, { removed: 45, records: 5 })
  const keys = await lab.converged(SETTLE_MS, (k) => k.length === 5)
  t.same(keys, kept.map((r) => `${r.name} ${r.type} ${r.value}`).sort(), 'confirmed: every node holds the 5 kept records')
  t.equal(await a.metric('dnsplane_records_mass_delete_held'), 0)
})
