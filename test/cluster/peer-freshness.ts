/**
 * #13: what `cluster status` says about a peer follows the last exchange with it: a sync (outbound
 * or inbound) refreshes reachability, the error and the RTT; the peer's record count and digest
 * verdict come from its handshake; the lag is the age of what is still queued for it.
 */
import t from 'tap'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, rec, startAll } from '../helpers/cluster-node.js'

t.test('rolling start: an inbound sync from a peer whose probe failed makes it reachable and clears the stale error', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] }, { records: [rec('b.example', '192.0.2.2')] })
  await startAll(t, a, b)
  await a.manager.pull() // A learns node-b's id
  await b.manager.stop() // B restarts (rolling start): A's probe meets a closed port
  t.equal(await a.manager.probe('b:1'), false)
  const before = a.manager.status().peers![0]
  t.equal(before.reachable, false)
  t.ok(before.last_probe_error, 'the probe error is shown while B is down')
  await b.manager.start()
  await b.store.add({ name: 'b2.example', type: 'A', value: '192.0.2.3' })
  await a.waitEvent((e) => e.kind === 'sync_ok' && e.op === 'inbound')
  const after = a.manager.status().peers![0]
  t.equal(after.reachable, true, 'a peer that just synced with us is reachable')
  t.notOk(after.last_probe_error, 'the error from before the restart is gone')
})

t.test('an outbound pull refreshes reachability and RTT after a failed probe', async (t) => {
  const net = new MemoryTransport()
  let clock = 1_000_000
  const tick = () => (clock += 3) // every read 3 ms later: the dial takes a measurable time
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { deps: { now: tick } })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await b.manager.stop()
  t.equal(await a.manager.probe('b:1'), false)
  await b.manager.start()
  const [res] = await a.manager.pull()
  t.equal(res.ok, true)
  const p = a.manager.status().peers![0]
  t.equal(p.reachable, true)
  t.notOk(p.last_probe_error)
  t.type(p.last_probe_rtt_ms, 'number', 'the RTT of the pull session (dial and handshake) is shown')
  t.ok(p.last_pull_ok)
})

t.test('a peer announces its record count and digest; status compares them with ours', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { records: [rec('x.example', '192.0.2.1')] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] }, { records: [rec('y.example', '192.0.2.9'), rec('z.example', '192.0.2.8')] })
  await startAll(t, a, b)
  t.equal(await a.manager.probe('b:1'), true)
  t.match(a.manager.status().peers![0], { records: 2, digest_match: false })
  await b.store.replaceAll(a.store.list(), 'cluster')
  t.equal(await a.manager.probe('b:1'), true)
  t.match(a.manager.status().peers![0], { records: 1, digest_match: true })
})

t.test('the lag is the age of the oldest undelivered change; 0 once the peer has it', async (t) => {
  const net = new MemoryTransport()
  let now = 1_000_000
  const a = makeNode(
    net,
    { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] },
    { deps: { now: () => now, limits: { pushRetryMinMs: 600_000, pushRetryMaxMs: 600_000 } } },
  )
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await b.manager.stop()
  await a.store.add({ name: 'p.example', type: 'A', value: '192.0.2.1' })
  await a.waitEvent((e) => e.kind === 'push_failed')
  now += 42_000
  const behind = a.manager.status().peers![0]
  t.equal(behind.replication_lag_seconds, 42)
  t.equal(behind.oldest_pending_seconds, 42)
  await b.manager.start()
  t.equal(await a.manager.probe('b:1'), true) // flushes the queue
  t.ok(await waitFor(() => a.manager.status().peers![0].pending_push !== true))
  const caught = a.manager.status().peers![0]
  t.equal(caught.replication_lag_seconds, 0, 'delivered: no lag, however long ago the last sync was')
  t.notOk('oldest_pending_seconds' in caught)
})
