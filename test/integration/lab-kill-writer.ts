/**
 * Fault lab: the writer SIGKILLed with its push pending, or within milliseconds of its ack, then
 * restarted. The peer-side kills are in lab-kill.ts.
 * Real processes on 127.0.0.2..4, every cluster link through a proxy (test/helpers/lab).
 */
import t, { type Test } from 'tap'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown, sharedLab } from '../helpers/lab/cluster.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
/** Bound for convergence after a restart: push retry backoff is 1 s, 2 s, 4 s (jittered 50-100 %). */
const CONVERGE_MS = 12_000
// The record_lww scenarios run one after the other on one cluster (cluster_allowed_writer_node_ids
// only matters to primary_writer); the original policies' each get their own.
const recordLww = sharedLab(t, { nodes: 3, records: SEED, config: { cluster_sync_policy: 'record_lww', cluster_allowed_writer_node_ids: ['node-0'] } })

async function labFor(t: Test, config: Record<string, unknown>): Promise<LabCluster> {
  if (config.cluster_sync_policy === 'record_lww') return recordLww(t)
  const lab = await LabCluster.start({ nodes: 3, config, records: SEED })
  labTeardown(t, lab)
  return lab
}

for (const policy of ['lww_per_node', 'primary_writer', 'record_lww'] as const) {
  const config = { cluster_sync_policy: policy, cluster_allowed_writer_node_ids: ['node-0'] }

  t.test(`${policy}: the writer SIGKILLed while its push is pending still replicates the write after its restart`, { skip: policy === 'record_lww' ? skip : fullLabOnly(skip) }, async (t) => {
    const lab = await labFor(t, config)
    const [a] = lab.nodes
    // Hold the writer's outbound links so the push cannot complete before the kill.
    lab.link(0, 1).cut()
    lab.link(0, 2).cut()
    const res = await a.add({ name: 'writer-killed.lab.test', type: 'A', value: '192.0.2.11' })
    t.equal(res.status, 201, 'write acknowledged')
    t.ok(await waitFor(() => a.log.some((l) => l.includes('cluster push failed')), 5000), 'the push failed and is pending')
    a.kill('SIGKILL')
    await waitFor(() => !a.alive, 3000)
    lab.heal()
    await a.start()
    t.same(await a.answers('writer-killed.lab.test'), ['192.0.2.11'], 'the acknowledged write survived the kill on disk')
    const keys = await lab.converged(CONVERGE_MS, (k) => k.includes('writer-killed.lab.test A 192.0.2.11'))
    t.ok(keys, `all nodes converge with the write within ${CONVERGE_MS} ms of the restart`)
  })
}

/** The write hits dnsrecords.json before the ack; record_lww versions it at restart from the file. */
async function instantKill(t: Test, policy: string): Promise<void> {
  const lab = await labFor(t, { cluster_sync_policy: policy })
  const [a] = lab.nodes
  lab.link(0, 1).cut()
  lab.link(0, 2).cut()
  t.equal((await a.add({ name: 'instant-kill.lab.test', type: 'A', value: '192.0.2.13' })).status, 201)
  a.kill('SIGKILL')
  await waitFor(() => !a.alive, 3000)
  lab.heal()
  await a.start()
  t.ok(await lab.converged(CONVERGE_MS, (k) => k.includes('instant-kill.lab.test A 192.0.2.13')), 'all nodes converge')
}

t.test('record_lww: the writer SIGKILLed within milliseconds of acknowledging a write replicates it after its restart', { skip }, (t) =>
  instantKill(t, 'record_lww'),
)

t.test(
  'lww_per_node: the writer SIGKILLed within milliseconds of acknowledging a write replicates it after its restart',
  // Known gap (docs/fault-lab.md): local_seq is bumped and saved after the API ack, so this fails today.
  { skip: skip ?? (process.env.DNSPLANE_LAB_FULL === '1' ? false : 'known gap (local_seq saved after the ack); runs with DNSPLANE_LAB_FULL=1') },
  (t) => instantKill(t, 'lww_per_node'),
)
