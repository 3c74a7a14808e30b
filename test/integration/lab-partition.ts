/**
 * Fault lab: partitions with writes on both sides, then heal; slow links.
 * Three real node processes; {node-0} | {node-1, node-2} by cutting the proxied links between them.
 */
import t, { type Test } from 'tap'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown } from '../helpers/lab/cluster.js'
import { DnsProber } from '../helpers/lab/prober.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
const SEED_KEY = 'probe.lab.test A 192.0.2.1'
const A1 = { name: 'side-a.lab.test', type: 'A', value: '192.0.2.21' }
const B1 = { name: 'side-b.lab.test', type: 'A', value: '192.0.2.22' }
const A1_KEY = 'side-a.lab.test A 192.0.2.21'
const B1_KEY = 'side-b.lab.test A 192.0.2.22'
/**
 * Bound for convergence after heal: a push that failed during a partition of ~2 s is retried
 * after at most 4 s (backoff 1 s, 2 s, 4 s, jittered 50-100 %), and delivery takes milliseconds.
 */
const HEAL_MS = 10_000

/** Writes A1 on node-0 and B1 on node-1 while {0} | {1,2}; waits until both sides tried to push. */
async function splitBrainWrites(t: Test, lab: LabCluster): Promise<void> {
  const [a, b] = lab.nodes
  lab.partition([0], [1, 2])
  t.equal((await a.add(A1)).status, 201, 'write on the minority side acknowledged')
  t.equal((await b.add(B1)).status, 201, 'write on the majority side acknowledged')
  const tried = await waitFor(
    () => a.log.some((l) => l.includes('cluster push failed')) && b.log.some((l) => l.includes('cluster push failed')),
    5000,
  )
  t.ok(tried, 'both sides failed to push across the partition')
}

t.test('primary_writer (writer node-0): after heal every node holds exactly the writer\'s records', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: SEED, config: { cluster_sync_policy: 'primary_writer', cluster_allowed_writer_node_ids: ['node-0'] } })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  await splitBrainWrites(t, lab)
  const [, b, c] = lab.nodes
  t.same(await c.recordKeys(), [SEED_KEY], 'node-2 refused the non-writer\'s snapshot during the partition')
  t.same(await b.recordKeys(), [SEED_KEY, B1_KEY].sort(), 'node-1 serves its own local write meanwhile')
  const healedAt = Date.now()
  lab.heal()
  const keys = await lab.converged(HEAL_MS, (k) => k.includes(A1_KEY))
  t.same(keys, [SEED_KEY, A1_KEY].sort(), `converged to the writer's set within ${HEAL_MS} ms`)
  t.comment(`converged ${Date.now() - healedAt} ms after heal`)
  t.notOk(keys?.includes(B1_KEY), 'the non-writer\'s write was overwritten (documented rule)')
  const stats = await prober.stop()
  t.comment(`DNS answer rate: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})

t.test('lww_per_node: after heal each node holds the last snapshot it received, and the next write converges all', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: SEED, config: { cluster_sync_policy: 'lww_per_node' } })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  const [a, b, c] = lab.nodes
  await splitBrainWrites(t, lab)
  t.ok(await waitFor(async () => (await c.recordKeys()).includes(B1_KEY), 5000), 'node-2 applied node-1\'s snapshot inside the majority')
  lab.heal()
  // Each side's pending snapshot replaces the other side's records: the documented swap.
  const swapped = await waitFor(async () => {
    const [ka, kb, kc] = await Promise.all([a.recordKeys(), b.recordKeys(), c.recordKeys()])
    return ka.includes(B1_KEY) && kb.includes(A1_KEY) && kc.includes(A1_KEY) ? { ka, kb, kc } : undefined
  }, HEAL_MS)
  t.ok(swapped, `within ${HEAL_MS} ms every node applied the other side's last snapshot`)
  t.same(swapped?.ka, [SEED_KEY, B1_KEY].sort(), 'node-0 holds node-1\'s snapshot (its own write replaced)')
  t.same(swapped?.kb, [SEED_KEY, A1_KEY].sort(), 'node-1 holds node-0\'s snapshot (its own write replaced)')
  t.same(swapped?.kc, [SEED_KEY, A1_KEY].sort(), 'node-2 holds node-0\'s snapshot, the last one it received')
  // The next write anywhere is a newer snapshot for every peer: the cluster converges on it.
  const a2 = { name: 'after-heal.lab.test', type: 'A', value: '192.0.2.23' }
  t.equal((await a.add(a2)).status, 201)
  const keys = await lab.converged(5000, (k) => k.includes('after-heal.lab.test A 192.0.2.23'))
  t.same(keys, [SEED_KEY, B1_KEY, 'after-heal.lab.test A 192.0.2.23'].sort(), 'converged on node-0\'s new snapshot')
  const stats = await prober.stop()
  t.comment(`DNS answer rate: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})

t.test('a slow link (300 ms per chunk) delays but does not lose the writer\'s writes', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: SEED })
  labTeardown(t, lab)
  const [a] = lab.nodes
  lab.link(0, 1).delay(300)
  const names = ['slow-1', 'slow-2', 'slow-3']
  for (const n of names) t.equal((await a.add({ name: `${n}.lab.test`, type: 'A', value: '192.0.2.30' })).status, 201)
  const keys = await lab.converged(HEAL_MS, (k) => names.every((n) => k.includes(`${n}.lab.test A 192.0.2.30`)))
  t.ok(keys, `all nodes hold all three writes within ${HEAL_MS} ms`)
  t.ok(lab.link(0, 1).accepted > 0, 'the slow link was used')
})

t.test('record_lww: after heal every node holds both sides\' writes, and a delete made during the partition stays deleted', { skip }, async (t) => {
  const DOOMED = { name: 'doomed.lab.test', type: 'A', value: '192.0.2.29' }
  const lab = await LabCluster.start({ nodes: 3, records: [...SEED, DOOMED], config: { cluster_sync_policy: 'record_lww' } })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  const [a, b] = lab.nodes
  await splitBrainWrites(t, lab)
  t.equal((await b.api('DELETE', '/dns/records', DOOMED)).status, 200, 'a delete on the majority side acknowledged')
  const healedAt = Date.now()
  lab.heal()
  const keys = await lab.converged(HEAL_MS, (k) => k.includes(A1_KEY) && k.includes(B1_KEY) && !k.some((x) => x.startsWith('doomed.')))
  t.same(keys, [SEED_KEY, A1_KEY, B1_KEY].sort(), `converged within ${HEAL_MS} ms to the union of both sides' writes, minus the delete`)
  t.comment(`converged ${Date.now() - healedAt} ms after heal`)
  const status = (await a.api('GET', '/api/v1/cluster')).json?.status
  t.equal(status?.sync_policy, 'record_lww')
  t.ok((status?.replica?.tombstones ?? 0) >= 1, 'node-0 holds the delete as a tombstone')
  const stats = await prober.stop()
  t.comment(`DNS answer rate: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})
