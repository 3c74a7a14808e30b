/**
 * Fault lab, global_lww: a partition with writes on both sides, and nodes SIGKILLed during a push.
 * Three real node processes; {node-0} | {node-1, node-2} by cutting the proxied links between them.
 *
 * global_lww (docs/clustering.md): a snapshot is accepted when its (timestamp_unix, node_id) is
 * later than the receiver's stored winner, or when the receiver has no winner yet. Timestamps are
 * whole seconds of the sender's clock, stamped when the snapshot is built (at the write), and local
 * edits do not move the receiver's winner.
 */
import t, { type Test } from 'tap'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown } from '../helpers/lab/cluster.js'
import { DnsProber } from '../helpers/lab/prober.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
/** Start-up bound per node: tap runs two lab files at once, so up to 8 node processes share 2 cores. */
const START_MS = 45_000
const full = process.env.DNSPLANE_LAB_FULL === '1'
const config = { cluster_sync_policy: 'global_lww' }
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
const SEED_KEY = 'probe.lab.test A 192.0.2.1'
const A1 = { name: 'lww-a.lab.test', type: 'A', value: '192.0.2.71' }
const B1 = { name: 'lww-b.lab.test', type: 'A', value: '192.0.2.72' }
const A_SET = [SEED_KEY, 'lww-a.lab.test A 192.0.2.71'].sort()
const B_SET = [SEED_KEY, 'lww-b.lab.test A 192.0.2.72'].sort()
/** After heal: a push failed during the ~2 s partition is retried within 4 s (backoff 1, 2, 4 s, jittered). */
const HEAL_MS = 10_000
/** After a restart: the same backoff, plus the restarted node's start-up. */
const CONVERGE_MS = 12_000

/** Resolves at the start of the next wall-clock second, so two writes get distinct timestamp_unix. */
async function nextSecond(): Promise<void> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20))
}

/**
 * Writes A1 on node-0, then (one second later) B1 on node-1, while {0} | {1,2}; waits until node-2
 * applied node-1's snapshot and node-0 failed to push. B1's timestamp is the later one.
 */
async function splitBrainWrites(t: Test, lab: LabCluster): Promise<void> {
  const [a, b, c] = lab.nodes
  lab.partition([0], [1, 2])
  t.equal((await a.add(A1)).status, 201, 'write on node-0 (minority side) acknowledged')
  await nextSecond()
  t.equal((await b.add(B1)).status, 201, 'a later write on node-1 (majority side) acknowledged')
  t.ok(await waitFor(async () => JSON.stringify(await c.recordKeys()) === JSON.stringify(B_SET), 5000), 'node-2 applied node-1\'s snapshot inside the majority')
  t.ok(await waitFor(() => a.log.some((l) => l.includes('cluster push failed')), 5000), 'node-0 failed to push across the partition')
}

t.test('global_lww: after a partition with writes on both sides, each writer holds the other side\'s snapshot until the next write', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, startTimeoutMs: START_MS, records: SEED, config })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  const [a, b, c] = lab.nodes
  await splitBrainWrites(t, lab)
  lab.heal()
  // Neither writer had a winner (local edits do not set one), so each accepts the other's pending
  // snapshot; node-2's winner (node-1, later ts) makes it refuse node-0's older one as stale.
  const took = await lab.quiesced(HEAL_MS)
  t.ok(took !== undefined, `within ${HEAL_MS} ms of heal every node processed both writers' snapshots`)
  t.comment(`quiesced ${took} ms after heal`)
  const [ka, kb, kc] = await lab.keys()
  t.same(ka, B_SET, 'node-0 holds node-1\'s snapshot (its own write replaced)')
  t.same(kb, A_SET, 'node-1 holds node-0\'s older snapshot (its own, newer write replaced: local edits do not move the winner)')
  t.same(kc, B_SET, 'node-2 kept node-1\'s snapshot: node-0\'s has the older timestamp')
  const [sa, sb, sc] = await Promise.all(lab.nodes.map((n) => n.clusterState()))
  t.same([sa.last_global_lww_node_id, sb.last_global_lww_node_id, sc.last_global_lww_node_id], ['node-1', 'node-0', 'node-1'], 'stored winners: node-1, node-0, node-1')
  t.ok(await waitFor(async () => (await c.metric('dnsplane_cluster_snapshots_rejected_total', { reason: 'global_lww_stale' })) >= 1, 3000), 'node-2 refused node-0\'s snapshot as global_lww_stale')
  // A write in a later second is a newer winner for every node: the cluster converges on it.
  await nextSecond()
  const c1 = { name: 'lww-after.lab.test', type: 'A', value: '192.0.2.73' }
  t.equal((await b.add(c1)).status, 201, 'a write on node-1 in a later second acknowledged')
  const writtenAt = Date.now()
  const keys = await lab.converged(5000, (k) => k.includes('lww-after.lab.test A 192.0.2.73'))
  t.same(keys, [...A_SET, 'lww-after.lab.test A 192.0.2.73'].sort(), 'the next write (node-1, holding node-0\'s set) converges all three within 5000 ms')
  t.comment(`converged ${Date.now() - writtenAt} ms after the next write`)
  const stats = await prober.stop()
  t.comment(`DNS answer rate: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})

t.test(
  'global_lww: after a partition with writes on both sides, all nodes converge to one side\'s snapshot',
  // Design gap, not a port bug (the Go original behaves the same, spec cluster-protocol §7): local
  // edits do not set the receiver's global_lww winner, so after heal each writer accepts the other
  // side's snapshot and the two writers swap sets. Fails today; runs with DNSPLANE_LAB_FULL=1.
  { skip: skip ?? (full ? false : 'known gap (local edits do not move the global_lww winner); runs with DNSPLANE_LAB_FULL=1') },
  async (t) => {
    const lab = await LabCluster.start({ nodes: 3, startTimeoutMs: START_MS, records: SEED, config })
    labTeardown(t, lab)
    await splitBrainWrites(t, lab)
    lab.heal()
    // Wait until no push is pending (every node processed both writers' snapshots): a poll of the
    // sets alone can catch the moment all three briefly hold node-1's set before node-1 gets node-0's.
    t.ok((await lab.quiesced(HEAL_MS)) !== undefined, `every node processed both writers' snapshots within ${HEAL_MS} ms`)
    const sets = await lab.keys()
    t.ok(sets.every((k) => JSON.stringify(k) === JSON.stringify(sets[0])), `all nodes hold identical records: ${JSON.stringify(sets)}`)
    t.ok([JSON.stringify(A_SET), JSON.stringify(B_SET)].includes(JSON.stringify(sets[0])), 'equal to one side\'s snapshot')
  },
)

t.test('global_lww: a peer SIGKILLed while a push is on the wire converges after its restart', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, startTimeoutMs: START_MS, records: SEED, config })
  labTeardown(t, lab)
  const [a, b] = lab.nodes
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  lab.link(0, 1).delay(150) // the kill lands while the push is on the wire
  t.equal((await a.add({ name: 'lww-kill.lab.test', type: 'A', value: '192.0.2.74' })).status, 201, 'write acknowledged')
  b.kill('SIGKILL')
  t.ok(await waitFor(() => !b.alive, 3000), 'node-1 is dead')
  lab.heal()
  await b.start(START_MS)
  const restartedAt = Date.now()
  const keys = await lab.converged(CONVERGE_MS, (k) => k.includes('lww-kill.lab.test A 192.0.2.74'))
  t.same(keys, [SEED_KEY, 'lww-kill.lab.test A 192.0.2.74'].sort(), `all nodes converge with the write within ${CONVERGE_MS} ms of the restart`)
  t.comment(`converged ${Date.now() - restartedAt} ms after the restart`)
  const stats = await prober.stop()
  t.comment(`DNS answer rate (live nodes): ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes while up`)
})

t.test('global_lww: the writer SIGKILLed with its push pending re-offers it at restart, and a later write still wins', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, startTimeoutMs: START_MS, records: SEED, config })
  labTeardown(t, lab)
  const [a] = lab.nodes
  lab.link(0, 1).cut()
  lab.link(0, 2).cut()
  t.equal((await a.add({ name: 'lww-pending.lab.test', type: 'A', value: '192.0.2.75' })).status, 201, 'write acknowledged')
  t.ok(await waitFor(() => a.log.some((l) => l.includes('cluster push failed')), 5000), 'the push failed and is pending')
  a.kill('SIGKILL')
  t.ok(await waitFor(() => !a.alive, 3000), 'node-0 is dead')
  lab.heal()
  await a.start(START_MS)
  const restartedAt = Date.now()
  const keys = await lab.converged(CONVERGE_MS, (k) => k.includes('lww-pending.lab.test A 192.0.2.75'))
  t.ok(keys, `all nodes converge with the write within ${CONVERGE_MS} ms of the restart`)
  t.comment(`converged ${Date.now() - restartedAt} ms after the restart`)
  // The re-offer is stamped at the restart; a write in a later second must still beat it everywhere.
  await nextSecond()
  t.equal((await a.add({ name: 'lww-next.lab.test', type: 'A', value: '192.0.2.76' })).status, 201, 'a write in a later second acknowledged')
  t.ok(await lab.converged(5000, (k) => k.includes('lww-next.lab.test A 192.0.2.76')), 'the next write converges all nodes within 5000 ms')
})
