/**
 * Fault lab, five nodes: a partition {node-0, node-1} | {node-2, node-3, node-4} with a write on
 * each side, then heal. Five real node processes on 127.0.0.2..6, every link through a proxy.
 */
import t, { type Test } from 'tap'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown } from '../helpers/lab/cluster.js'
import { DnsProber } from '../helpers/lab/prober.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
/** Start-up bound per node: tap runs two lab files at once, so up to 8 node processes share 2 cores. */
const START_MS = 45_000
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
const SEED_KEY = 'probe.lab.test A 192.0.2.1'
const A1 = { name: 'five-a.lab.test', type: 'A', value: '192.0.2.81' }
const B1 = { name: 'five-b.lab.test', type: 'A', value: '192.0.2.82' }
const A_SET = [SEED_KEY, 'five-a.lab.test A 192.0.2.81'].sort()
const B_SET = [SEED_KEY, 'five-b.lab.test A 192.0.2.82'].sort()
const MINORITY = [0, 1]
const MAJORITY = [2, 3, 4]
/**
 * Bound after heal: pushes that failed during the ~2 s partition are retried within 4 s (backoff
 * 1, 2, 4 s, jittered 50-100 %), delivery takes milliseconds; five processes share two cores.
 */
const HEAL_MS = 10_000

const same = (a: string[], b: string[]) => JSON.stringify(a) === JSON.stringify(b)

/** Writes A1 on node-0 and B1 on node-2 during the partition; waits until each side has its own write. */
async function splitBrainWrites(t: Test, lab: LabCluster, expectMinority: string[][], expectMajority: string[][]): Promise<void> {
  lab.partition(MINORITY, MAJORITY)
  t.equal((await lab.nodes[0].add(A1)).status, 201, 'write on node-0 (minority side) acknowledged')
  t.equal((await lab.nodes[2].add(B1)).status, 201, 'write on node-2 (majority side) acknowledged')
  const sides = await waitFor(async () => {
    const keys = await lab.keys()
    return MINORITY.every((i) => expectMinority.some((e) => same(keys[i], e))) && MAJORITY.every((i) => expectMajority.some((e) => same(keys[i], e)))
  }, 5000)
  t.ok(sides, 'each side settled on its own write during the partition')
  t.ok(
    await waitFor(() => lab.nodes[0].log.some((l) => l.includes('cluster push failed')) && lab.nodes[2].log.some((l) => l.includes('cluster push failed')), 5000),
    'both writers failed to push across the partition',
  )
}

async function checkAnswers(t: Test, prober: DnsProber): Promise<void> {
  const stats = await prober.stop()
  t.comment(`DNS answer rate: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
}

t.test('primary_writer (writer node-0, minority side): after heal all five nodes hold exactly the writer\'s set', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 5, startTimeoutMs: START_MS, records: SEED, config: { cluster_sync_policy: 'primary_writer', cluster_allowed_writer_node_ids: ['node-0'] } })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  // Minority: both hold the writer's set. Majority: node-2 its own write, node-3/4 refuse it (SEED).
  await splitBrainWrites(t, lab, [A_SET], [B_SET, [SEED_KEY]])
  const [k2, k3, k4] = (await lab.keys()).slice(2)
  t.same([k2, k3, k4], [B_SET, [SEED_KEY], [SEED_KEY]], 'in the majority only node-2 holds its (non-writer) write')
  const healedAt = Date.now()
  lab.heal()
  const keys = await lab.converged(HEAL_MS, (k) => same(k, A_SET))
  t.same(keys, A_SET, `all five nodes hold the writer's set within ${HEAL_MS} ms of heal`)
  t.comment(`converged ${Date.now() - healedAt} ms after heal`)
  t.ok((await lab.quiesced(HEAL_MS)) !== undefined, 'every node processed both writers\' snapshots')
  const final = await lab.keys()
  t.ok(final.every((k) => same(k, A_SET)), 'and the sets stay the writer\'s once no push is pending (node-2\'s write is gone: documented rule)')
  for (const i of [0, 1, 3, 4]) {
    t.ok((await lab.nodes[i].metric('dnsplane_cluster_snapshots_rejected_total', { reason: 'primary_writer_denied' })) >= 1, `node-${i} refused node-2's snapshot`)
  }
  await checkAnswers(t, prober)
})

t.test('lww_per_node: after heal the two sides swap snapshots, and the next write converges all five', { skip: fullLabOnly(skip) }, async (t) => {
  const lab = await LabCluster.start({ nodes: 5, startTimeoutMs: START_MS, records: SEED, config: { cluster_sync_policy: 'lww_per_node' } })
  labTeardown(t, lab)
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  await splitBrainWrites(t, lab, [A_SET], [B_SET])
  const healedAt = Date.now()
  lab.heal()
  // Each side's pending snapshot is new to every node of the other side, and arrives last there.
  const took = await lab.quiesced(HEAL_MS)
  t.ok(took !== undefined, `within ${HEAL_MS} ms of heal every node processed both writers' snapshots`)
  t.comment(`quiesced ${Date.now() - healedAt} ms after heal`)
  t.same(await lab.keys(), [B_SET, B_SET, A_SET, A_SET, A_SET], 'documented swap: the minority holds node-2\'s set, the majority node-0\'s')
  const c1 = { name: 'five-next.lab.test', type: 'A', value: '192.0.2.83' }
  t.equal((await lab.nodes[0].add(c1)).status, 201, 'the next write acknowledged')
  const writtenAt = Date.now()
  const expected = [...B_SET, 'five-next.lab.test A 192.0.2.83'].sort()
  const keys = await lab.converged(5000, (k) => same(k, expected))
  t.same(keys, expected, 'the next write (node-0, holding node-2\'s set) converges all five within 5000 ms')
  t.comment(`converged ${Date.now() - writtenAt} ms after the next write`)
  await checkAnswers(t, prober)
})
