/**
 * Fault lab, connections: pushes reordered on the wire by per-connection delays, and a node held
 * at its inbound connection limit (MAX_INBOUND_CONNECTIONS = 64) by idle unauthenticated sockets.
 * Real node processes; idle sockets come from 127.0.0.10..13 so the real peers' addresses are
 * never counted against the per-IP auth-failure block.
 */
import t from 'tap'
import net from 'node:net'
import { fullLabOnly, LabCluster, labSkipReason, labTeardown } from '../helpers/lab/cluster.js'
import { DnsProber } from '../helpers/lab/prober.js'
import { waitFor } from '../helpers/daemon.js'

// full fault lab only (DNSPLANE_LAB_FULL=1): keeps `npm test` within CI time (docs/fault-lab.md)
const skip = fullLabOnly(labSkipReason())
/** Start-up bound per node: tap runs two lab files at once, so up to 8 node processes share 2 cores. */
const START_MS = 45_000
const SEED = [{ name: 'probe.lab.test', type: 'A', value: '192.0.2.1' }]
const SEED_KEY = 'probe.lab.test A 192.0.2.1'
/** src/cluster/settings.ts MAX_INBOUND_CONNECTIONS and AUTH_TIMEOUT_MS. */
const MAX_INBOUND = 64
const AUTH_TIMEOUT_MS = 10_000

interface IdleSocket {
  sock: net.Socket
  connected: Promise<boolean>
  closed: Promise<number>
  /** Bytes the node sent (it should send nothing before auth). */
  received: number
}

/** Opens a TCP connection from `source` and sends nothing; `closed` resolves with the ms it stayed open. */
function openIdle(host: string, port: number, source: string): IdleSocket {
  const sock = net.connect({ host, port, localAddress: source })
  const s: IdleSocket = { sock, received: 0, connected: undefined as never, closed: undefined as never }
  const opened = Date.now()
  s.connected = new Promise((resolve) => {
    sock.once('connect', () => resolve(true))
    sock.once('error', () => resolve(false))
  })
  s.closed = new Promise((resolve) => sock.once('close', () => resolve(Date.now() - opened)))
  sock.on('data', (d) => {
    s.received += d.length
  })
  sock.on('error', () => undefined)
  return s
}

const isClosed = (s: IdleSocket) => s.sock.destroyed || s.sock.readyState === 'closed'

/** Opens MAX_INBOUND idle sockets to `node`'s cluster port (16 per source address) and waits until all connected. */
async function fillInbound(node: { host: string; clusterPort: number }): Promise<IdleSocket[]> {
  const idle = Array.from({ length: MAX_INBOUND }, (_, i) => openIdle(node.host, node.clusterPort, `127.0.0.${10 + (i % 4)}`))
  const ok = await Promise.all(idle.map((s) => s.connected))
  if (!ok.every(Boolean)) throw new Error(`only ${ok.filter(Boolean).length}/${MAX_INBOUND} idle sockets connected`)
  return idle
}

t.test('a stale snapshot overtaken on the wire by a newer one is dropped as a duplicate: the peer keeps the newest set', { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 2, startTimeoutMs: START_MS, records: SEED })
  labTeardown(t, lab)
  const [a, b] = lab.nodes
  const link = lab.link(0, 1)
  // Let node-0's start-up probe of node-1 finish first, so the next two connections are the pushes.
  await waitFor(() => link.connections.length > 0 && link.connections.every((c) => c.closedAt !== undefined), 3000)
  const before = link.connections.length
  // The next connection is held 1000 ms per chunk, the one after is not. Write 2 is made once the
  // proxy holds write 1's snapshot (seq 1): its push (seq 2) then goes out on the fast connection
  // and overtakes the held one.
  link.delayPerConnection([1000, 0])
  const w1 = { name: 'order-1.lab.test', type: 'A', value: '192.0.2.91' }
  const w2 = { name: 'order-2.lab.test', type: 'A', value: '192.0.2.92' }
  t.equal((await a.add(w1)).status, 201, 'write 1 acknowledged (seq 1, slow connection)')
  const held = await waitFor(() => link.connections[before]?.upReceived.includes('"type":"records_full"'), 8000)
  t.ok(held, 'the proxy holds the first push\'s snapshot')
  t.equal((await a.add(w2)).status, 201, 'write 2 acknowledged (seq 2)')
  const newest = [SEED_KEY, 'order-1.lab.test A 192.0.2.91', 'order-2.lab.test A 192.0.2.92'].sort()
  const bothDone = await waitFor(() => {
    const [slow, fast] = link.connections.slice(before, before + 2)
    return slow?.closedAt !== undefined && fast?.closedAt !== undefined ? [slow, fast] : undefined
  }, 8000)
  t.ok(bothDone, 'both pushes crossed the link and their connections closed')
  const [slow, fast] = bothDone ?? []
  t.equal(slow?.delayMs, 1000, 'the first push used the slow connection')
  t.equal(fast?.delayMs, 0, 'the second push used the fast one')
  t.ok(slow?.lastUpAt !== undefined && fast?.lastUpAt !== undefined && slow.lastUpAt > fast.lastUpAt, `the stale snapshot reached node-1 after the newer one (${(slow?.lastUpAt ?? 0) - (fast?.lastUpAt ?? 0)} ms later)`)
  t.ok(await waitFor(async () => (await b.metric('dnsplane_cluster_snapshots_rejected_total', { reason: 'duplicate' })) >= 1, 3000), 'node-1 counted the late snapshot as a duplicate')
  t.same(await b.recordKeys(), newest, 'node-1 holds the newest set (both writes), not the stale one')
  t.same(JSON.stringify((await b.clusterState()).peer_seq), JSON.stringify({ 'node-0': 2 }), 'node-1 recorded seq 2 from node-0')
  t.same(await b.answers('order-2.lab.test'), ['192.0.2.92'], 'node-1 answers the newest write over DNS')
})

t.test(`a node holding ${MAX_INBOUND} idle inbound connections closes the next one at once, keeps answering DNS, and replicates again once they close`, { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 2, startTimeoutMs: START_MS, records: SEED })
  labTeardown(t, lab)
  const [a, b] = lab.nodes
  const prober = new DnsProber([a], 'probe.lab.test').start()
  const idle = await fillInbound(a)
  const filledAt = Date.now()
  t.teardown(() => idle.forEach((s) => s.sock.destroy()))
  const extra = openIdle(a.host, a.clusterPort, '127.0.0.14')
  t.teardown(() => extra.sock.destroy())
  const extraOpenMs = await Promise.race([extra.closed, new Promise<undefined>((r) => setTimeout(() => r(undefined), 2000))])
  t.ok(extraOpenMs !== undefined, `connection ${MAX_INBOUND + 1} was closed by the node (after ${extraOpenMs} ms)`)
  t.equal(extra.received, 0, 'without a byte sent to it')
  t.ok(a.log.some((l) => l.includes('too many connections')), 'the node logged the refusal')
  t.equal(idle.filter(isClosed).length, 0, `the ${MAX_INBOUND} idle connections are still open`)
  t.same(await a.answers('probe.lab.test'), ['192.0.2.1'], 'the node answers DNS while at its limit')
  // A legitimate push from node-1 is refused while the slots are taken, and retried.
  const held = { name: 'held.lab.test', type: 'A', value: '192.0.2.93' }
  t.equal((await b.add(held)).status, 201, 'a write on node-1 acknowledged')
  t.ok(await waitFor(() => b.log.some((l) => l.includes('cluster push failed')), 5000), 'node-1\'s push to the full node failed')
  t.notOk((await a.recordKeys()).includes('held.lab.test A 192.0.2.93'), 'the full node does not have the write yet')
  t.ok(Date.now() - filledAt < AUTH_TIMEOUT_MS - 2000, 'all of this happened well before the auth timeout')
  // Free the slots: the pending push is retried (backoff 1, 2, 4 s, jittered) and lands.
  idle.forEach((s) => s.sock.destroy())
  const freedAt = Date.now()
  const retried = await waitFor(async () => (await a.recordKeys()).includes('held.lab.test A 192.0.2.93'), 10_000)
  t.ok(retried, 'the held write reaches the node within 10000 ms of the slots being freed (push retry)')
  t.comment(`held write replicated ${Date.now() - freedAt} ms after the idle sockets closed`)
  const next = { name: 'after-limit.lab.test', type: 'A', value: '192.0.2.94' }
  t.equal((await b.add(next)).status, 201, 'another write on node-1 acknowledged')
  const wroteAt = Date.now()
  t.ok(await waitFor(async () => (await a.answers('after-limit.lab.test')).includes('192.0.2.94'), 5000), 'and is answered by the node within 5000 ms')
  t.comment(`next write answered ${Date.now() - wroteAt} ms after it was acknowledged`)
  const stats = await prober.stop()
  t.comment(`DNS answer rate on the limited node: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})

t.test(`idle connections holding the limit are closed by the node after the ${AUTH_TIMEOUT_MS} ms auth timeout, then replication resumes`, { skip }, async (t) => {
  const lab = await LabCluster.start({ nodes: 2, startTimeoutMs: START_MS, records: SEED })
  labTeardown(t, lab)
  const [a, b] = lab.nodes
  const prober = new DnsProber([a], 'probe.lab.test').start()
  const idle = await fillInbound(a)
  t.teardown(() => idle.forEach((s) => s.sock.destroy()))
  const held = { name: 'timeout-held.lab.test', type: 'A', value: '192.0.2.95' }
  t.equal((await b.add(held)).status, 201, 'a write on node-1 while the node is full')
  t.ok(await waitFor(() => b.log.some((l) => l.includes('cluster push failed')), 5000), 'node-1\'s push failed')
  // The test never closes them: the node must (auth timeout), within the timeout plus 3 s of slack.
  const openMs = await Promise.race([Promise.all(idle.map((s) => s.closed)), new Promise<undefined>((r) => setTimeout(() => r(undefined), AUTH_TIMEOUT_MS + 3000))])
  t.ok(openMs, `the node closed all ${MAX_INBOUND} idle connections within ${AUTH_TIMEOUT_MS + 3000} ms`)
  if (openMs) {
    t.ok(Math.min(...openMs) >= AUTH_TIMEOUT_MS - 500, `none before the auth timeout (held ${Math.min(...openMs)}-${Math.max(...openMs)} ms)`)
    t.comment(`idle connections held ${Math.min(...openMs)}-${Math.max(...openMs)} ms`)
  }
  const freedAt = Date.now()
  // The held push's retry may be up to 8 s out by now (attempt 4); a new write is pushed at once.
  const next = { name: 'timeout-next.lab.test', type: 'A', value: '192.0.2.96' }
  t.equal((await b.add(next)).status, 201, 'another write on node-1 acknowledged')
  const both = await waitFor(async () => {
    const k = await a.recordKeys()
    return k.includes('timeout-held.lab.test A 192.0.2.95') && k.includes('timeout-next.lab.test A 192.0.2.96')
  }, 5000)
  t.ok(both, 'both writes reach the node within 5000 ms of the slots being freed')
  t.comment(`replicated ${Date.now() - freedAt} ms after the node closed the idle sockets`)
  t.ok(a.alive, 'the node is still running')
  const stats = await prober.stop()
  t.comment(`DNS answer rate on the limited node: ${DnsProber.format(stats)}`)
  for (const [id, s] of stats) t.ok(s.rate >= 0.95, `${id} answered >= 95 % of probes`)
})
