/**
 * Fault lab: a peer SIGKILLed during a push, or SIGSTOPped (a frozen peer). The writer SIGKILLed is
 * in lab-kill-writer.ts (split so that tap runs the two halves in parallel).
 * Real processes on 127.0.0.2..4, every cluster link through a proxy (test/helpers/lab).
 */
import t from 'tap'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown } from '../helpers/lab/cluster.js'
import { DnsProber } from '../helpers/lab/prober.js'
import { waitFor } from '../helpers/daemon.js'

const skip = labSkipReason()
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
/** Bound for convergence after a restart: push retry backoff is 1 s, 2 s, 4 s (jittered 50-100 %). */
const CONVERGE_MS = 12_000

for (const policy of ['lww_per_node', 'primary_writer', 'record_lww'] as const) {
  const config = { cluster_sync_policy: policy, cluster_allowed_writer_node_ids: ['node-0'] }

  t.test(`${policy}: a peer SIGKILLed right after an API write on the writer gets the write after its restart`, { skip: policy === 'record_lww' ? skip : fullLabOnly(skip) }, async (t) => {
    const lab = await LabCluster.start({ nodes: 3, config, records: SEED })
    labTeardown(t, lab)
    const [a, b, c] = lab.nodes
    const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
    // Slow the links so the kill lands while the push is on the wire.
    lab.link(0, 1).delay(150)
    const res = await a.add({ name: 'during-kill.lab.test', type: 'A', value: '192.0.2.10' })
    t.equal(res.status, 201, 'write acknowledged by the writer')
    b.kill('SIGKILL')
    await waitFor(() => !b.alive, 3000)
    t.notOk(b.alive, 'B is dead')
    t.same(await a.answers('during-kill.lab.test'), ['192.0.2.10'], 'the writer answers its write at once')
    lab.heal()
    await b.start()
    const keys = await lab.converged(CONVERGE_MS, (k) => k.includes('during-kill.lab.test A 192.0.2.10'))
    t.ok(keys, `all nodes converge with the write within ${CONVERGE_MS} ms`)
    for (const n of [b, c]) t.same(await n.answers('during-kill.lab.test'), ['192.0.2.10'], `${n.id} answers the write over DNS`)
    const stats = await prober.stop()
    t.comment(`DNS answer rate (live nodes): ${DnsProber.format(stats)}`)
    for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes while up`)
  })
}

t.test('a SIGSTOPped peer does not hold up the others, and catches up after SIGCONT', { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 3, records: SEED })
  labTeardown(t, lab)
  const [a, b, c] = lab.nodes
  const prober = new DnsProber(lab.nodes, 'probe.lab.test').start()
  b.kill('SIGSTOP')
  const res = await a.add({ name: 'frozen.lab.test', type: 'A', value: '192.0.2.12' })
  t.equal(res.status, 201)
  const onC = await waitFor(async () => (await c.answers('frozen.lab.test')).includes('192.0.2.12'), 5000)
  t.ok(onC, 'C got the write while B was frozen')
  b.kill('SIGCONT')
  const keys = await lab.converged(CONVERGE_MS, (k) => k.includes('frozen.lab.test A 192.0.2.12'))
  t.ok(keys, `B converges within ${CONVERGE_MS} ms of SIGCONT`)
  const stats = await prober.stop()
  t.comment(`DNS answer rate (running nodes): ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes while running`)
})
