import t from 'tap'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import type { ClusterEvent } from '../../src/cluster/manager.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, rec, type TestNode, startAll } from '../helpers/cluster-node.js'

const applied = (from?: string) => (e: ClusterEvent) => e.kind === 'snapshot_applied' && (from === undefined || e.from === from)
const rejected = (reason: string) => (e: ClusterEvent) => e.kind === 'snapshot_rejected' && e.reason === reason


t.test('a local write on A reaches B and C with ids and times intact; B and C do not push it on', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:7946', cluster_peers: ['b:7946', 'c:7946'] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:7946', cluster_peers: ['a:7946', 'c:7946'] })
  const c = makeNode(net, { cluster_node_id: 'node-c', cluster_listen_addr: 'c:7946', cluster_peers: ['a:7946', 'b:7946'] })
  await startAll(t, a, b, c)
  t.equal(a.manager.listenAddress(), 'a:7946')
  await a.store.add({ name: 'www.example.com.', type: 'A', value: '192.0.2.10', ttl: 60 })
  await b.waitEvent(applied('node-a'))
  await c.waitEvent(applied('node-a'))
  const want = a.store.list().map((r) => ({ ...r, name: 'www.example.com' }))
  t.same(b.store.list(), want, 'B holds exactly A’s records (id, added_on...)')
  t.same(c.store.list(), want)
  t.equal(b.store.list()[0].name, 'www.example.com', 'name canonicalised on apply')
  t.equal(b.store.replaced[0].source, 'cluster')
  t.equal(a.manager.clusterState().local_seq, 1, 'one seq increment per change')
  t.same(b.manager.clusterState().peer_seq, { 'node-a': 1 })
  t.equal(b.manager.clusterState().local_seq, 0, 'a cluster apply is not pushed on')
  await a.waitEvent((e) => e.kind === 'push_acked' && e.peer === 'c:7946')
  const peers = a.manager.status().peers ?? []
  t.ok(peers.every((p) => p.last_outbound_ok && p.last_sync_ok), 'push delivery recorded per peer')
})

t.test('a replica-only node never pushes', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'], cluster_replica_only: true })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await a.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  await t.rejects(a.manager.pushRecords('b:1'), { code: 'ERR_CLUSTER_REPLICA_ONLY' })
  await a.manager.stop() // waits for any push work
  t.equal(a.manager.clusterState().local_seq, 0)
  t.notOk(a.events.some((e) => e.kind === 'frame_out'), 'not a single frame sent')
  t.equal(b.store.list().length, 0)
})

t.test('primary_writer applies only allowlisted writers and burns the rejected seq', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_sync_policy: 'primary_writer', cluster_allowed_writer_node_ids: ['node-a'] })
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const c = makeNode(net, { cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_peers: ['b:1'] })
  await startAll(t, a, b, c)
  await c.store.add({ name: 'c.example', type: 'A', value: '192.0.2.3' })
  await b.waitEvent(rejected('primary_writer_denied'))
  t.equal(b.store.list().length, 0)
  t.same(b.manager.clusterState().peer_seq, { 'node-c': 1 })
  await a.store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' })
  await b.waitEvent(applied('node-a'))
  t.equal(b.store.list()[0].name, 'a.example')
  t.same(b.manager.status().snapshots_rejected, { primary_writer_denied: 1 })
})

t.test('global_lww keeps the newest timestamp and records the winner', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_sync_policy: 'global_lww' })
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { deps: { now: () => 2_000_000 } })
  const c = makeNode(net, { cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_peers: ['b:1'] }, { deps: { now: () => 1_000_000 } })
  await startAll(t, a, b, c)
  await a.store.add({ name: 'new.example', type: 'A', value: '192.0.2.2' })
  await b.waitEvent(applied('node-a'))
  await c.store.add({ name: 'old.example', type: 'A', value: '192.0.2.1' })
  await b.waitEvent(rejected('global_lww_stale'))
  t.equal(b.store.list()[0].name, 'new.example')
  const st = b.manager.status()
  t.equal(st.last_global_lww_unix, 2000)
  t.equal(st.last_global_lww_node_id, 'node-a')
  t.equal(st.sync_policy, 'global_lww')
})

t.test('a fresh node cannot wipe a populated peer', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['f:1'] }, { records: [rec('keep.example', '192.0.2.9')] })
  const f = makeNode(net, { cluster_node_id: 'node-f', cluster_listen_addr: 'f:1', cluster_peers: ['b:1'] })
  await startAll(t, b, f)
  const results = await b.manager.pull()
  t.same(results, [{ address: 'f:1', ok: true }])
  t.ok(b.events.some(rejected('empty_from_fresh_node')))
  t.equal(b.store.list().length, 1, 'records kept')
  t.same(b.manager.clusterState().peer_seq, {}, 'seq not burned: F’s first real write will apply')
  await t.rejects(f.manager.pushRecords('b:1'), { code: 'ERR_BAD_REQUEST' })
  await f.store.add({ name: 'f.example', type: 'A', value: '192.0.2.6' })
  await b.waitEvent(applied('node-f'))
  t.equal(b.store.list()[0].name, 'f.example', 'a real first write (seq 1) is applied')
})

t.test('a node that never wrote may seed an empty node once by pull', async (t) => {
  const net = new MemoryTransport()
  const seed = makeNode(net, { cluster_node_id: 'node-s', cluster_listen_addr: 's:1' }, { records: [rec('seed.example', '192.0.2.1')] })
  const e = makeNode(net, { cluster_node_id: 'node-e', cluster_listen_addr: 'e:1', cluster_peers: ['s:1'] })
  await startAll(t, seed, e)
  t.same(await e.manager.pull(), [{ address: 's:1', ok: true }])
  t.equal(e.store.list()[0].name, 'seed.example')
  const peer = e.manager.status().peers?.[0]
  t.equal(peer?.node_id, 'node-s', 'node id learned from the pull response')
  t.ok(peer?.last_pull_ok && peer.last_sync_ok)
})

t.test('a failed push is retried until the peer is back, and only the newest snapshot is kept', async (t) => {
  const net = new MemoryTransport()
  let r = 0
  const a = makeNode(
    net,
    { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] },
    { deps: { limits: { pushRetryMinMs: 10, pushRetryMaxMs: 40 }, random: (n) => Buffer.alloc(n, r++ % 256) } },
  )
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await b.manager.stop()
  await a.store.add({ name: 'one.example', type: 'A', value: '192.0.2.1' })
  await a.waitEvent((e) => e.kind === 'push_failed')
  await a.store.add({ name: 'two.example', type: 'A', value: '192.0.2.2' })
  // The second snapshot is queued once its seq is saved; a failure after that means no attempt with
  // the first snapshot is still in flight (under load, the first one's retries can outrun the save).
  t.ok(await waitFor(() => a.manager.clusterState().local_seq === 2), 'the second snapshot was queued')
  const queuedAt = a.events.length
  t.ok(await waitFor(() => a.events.slice(queuedAt).some((e) => e.kind === 'push_failed')), 'the newest snapshot failed too')
  t.equal(a.manager.status().peers?.[0].pending_push, true)
  t.ok(a.manager.status().peers?.[0].last_outbound_error)
  await b.manager.start()
  const ev = await b.waitEvent(applied('node-a'))
  t.equal(ev.kind === 'snapshot_applied' && ev.records, 2, 'the newest snapshot landed')
  t.same(b.manager.clusterState().peer_seq, { 'node-a': 2 })
  await a.waitEvent((e) => e.kind === 'push_acked')
  t.equal(b.events.filter(applied()).length, 1, 'the superseded snapshot was never sent')
  t.notOk(a.manager.status().peers?.[0].pending_push)
})

t.test('a successful probe flushes a pending push at once', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(
    net,
    { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] },
    { deps: { limits: { pushRetryMinMs: 600_000, pushRetryMaxMs: 600_000 } } },
  )
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await b.manager.stop()
  await a.store.add({ name: 'p.example', type: 'A', value: '192.0.2.1' })
  await a.waitEvent((e) => e.kind === 'push_failed')
  await b.manager.start()
  t.equal(await a.manager.probe('b:1'), true)
  await b.waitEvent(applied('node-a'))
  t.equal(a.manager.status().peers?.[0].reachable, true)
})

t.test('pull runs every peer and reports each result', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1', 'down:1', 'c:1'] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  const c = makeNode(net, { cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_auth_token: 'other' })
  await startAll(t, a, b, c)
  const res = await a.manager.pull()
  t.same(res.map((r) => [r.address, r.ok]), [['b:1', true], ['down:1', false], ['c:1', false]])
  t.match(res[2].error, /auth failed/)
})

t.test('admin_config_apply is accepted with the right admin token and refused otherwise', async (t) => {
  const net = new MemoryTransport()
  const admin = makeNode(net, { cluster_node_id: 'adm', cluster_listen_addr: 'adm:1', cluster_admin: true, cluster_admin_token: 'adm-secret', cluster_peers: ['x:1'] })
  const ok = makeNode(net, { cluster_node_id: 'ok', cluster_listen_addr: 'ok:1', cluster_admin_token: 'adm-secret' })
  const bad = makeNode(net, { cluster_node_id: 'bad', cluster_listen_addr: 'bad:1', cluster_admin_token: 'different' })
  const off = makeNode(net, { cluster_node_id: 'off', cluster_listen_addr: 'off:1' })
  await startAll(t, admin, ok, bad, off)
  await admin.manager.setPeerRole('ok:1', 'readonly')
  t.same(ok.patches, [{ cluster_replica_only: true }])
  t.equal(ok.settings.cluster_replica_only, true)
  await admin.manager.pushConfig('ok:1')
  t.same(ok.patches[1], { cluster_auth_token: 'shared-token', cluster_peers: ['x:1'] })
  t.same(ok.manager.effectivePeers(), ['x:1'], 'peers recomputed at once')
  await t.rejects(admin.manager.setPeerRole('bad:1', 'full'), { code: 'ERR_CLUSTER_ADMIN', message: 'cluster: remote: invalid admin token' })
  await t.rejects(admin.manager.setPeerRole('off:1', 'full'), { message: 'cluster: remote: remote admin disabled (empty cluster_admin_token)' })
  t.same(bad.patches, [])
  await t.rejects(ok.manager.setPeerRole('adm:1', 'full'), { code: 'ERR_CLUSTER_ADMIN', message: 'cluster: cluster_admin is false on this node' })
})

t.test('peer add and remove persist and take effect at once', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1' })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  t.same(await a.manager.addPeer(' b:1 '), ['cluster: peer added and persisted'])
  t.same(a.settings.cluster_peers, ['b:1'])
  await t.rejects(a.manager.addPeer('b:1'), { code: 'ERR_BAD_REQUEST' })
  await a.store.add({ name: 'n.example', type: 'A', value: '192.0.2.1' })
  await b.waitEvent(applied('node-a'))
  const msgs = await a.manager.addPeer('c:1', 'readonly')
  t.match(msgs[1], /^peer added locally; remote set-role failed: /)
  await a.manager.removePeer('b:1')
  t.same(a.manager.effectivePeers(), ['c:1'])
  await t.rejects(a.manager.removePeer('b:1'), { code: 'ERR_NOT_FOUND' })
})

t.test('an inbound push is credited to the configured peer whose node id it carries', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] }, { records: [rec('b.example', '192.0.2.2')] })
  await startAll(t, a, b)
  await a.manager.pull() // learns node-b; seq-0 apply seeds the empty A
  await b.store.add({ name: 'b2.example', type: 'A', value: '192.0.2.3' })
  await a.waitEvent((e) => e.kind === 'sync_ok' && e.op === 'inbound')
  const p = a.manager.status().peers?.[0]
  t.ok(p?.last_inbound_ok)
  t.equal(p?.peer_seq, 1)
})

t.test('status: the original disabled object, and the enabled shape', async (t) => {
  const net = new MemoryTransport()
  const off = makeNode(net, { cluster_enabled: false })
  await off.manager.start()
  t.equal(
    JSON.stringify(off.manager.status()),
    '{"enabled":false,"node_id":"","listen_addr":"","replica_only":false,"cluster_admin":false,"peers":null,"local_seq":0,"static_peer_count":0,"srv_peer_count":0,"effective_peer_count":0}',
  )
  await t.rejects(off.manager.pull(), { code: 'ERR_CLUSTER_DISABLED' })
  t.match(off.manager.join().node_id, /^node-[0-9a-f]{16}$/, 'state file loaded even when disabled')

  const on = makeNode(
    net,
    { cluster_node_id: 'n1', cluster_listen_addr: 'n1:7946', cluster_peers: ['p:1', ' '], cluster_discovery_srv: '_dnsplane._tcp.example.com.', cluster_advertise_addr: '192.0.2.1:7946' },
    { deps: { resolveSrv: async () => [{ name: 'p.', port: 1, priority: 0, weight: 0 }, { name: 'q.', port: 2, priority: 0, weight: 0 }] } },
  )
  await startAll(t, on)
  const st = on.manager.status()
  t.same(Object.keys(st).slice(0, 8), ['enabled', 'node_id', 'listen_addr', 'advertise_addr', 'replica_only', 'cluster_admin', 'peers', 'local_seq'])
  t.equal(st.cluster_port_guess, '192.0.2.1:7946')
  t.equal(st.static_peer_count, 1)
  t.equal(st.srv_peer_count, 2)
  t.equal(st.effective_peer_count, 2)
  t.same(on.manager.effectivePeers(), ['p:1', 'q:2'])
  t.same(on.manager.runningPeers(), (st.peers ?? []).map((p) => p.address), 'runningPeers: the peers status lists, without building it')
  t.same(off.manager.runningPeers(), [], 'none when the cluster is not running (status lists none)')
  t.equal(st.cluster_discovery_srv, '_dnsplane._tcp.example.com.')
  t.equal(st.cluster_discovery_interval_seconds, 60)
  t.match(st.discovery_last_refresh, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
  t.same(on.manager.join(), { node_id: 'n1', listen_addr: 'n1:7946', dial_address: '192.0.2.1:7946', token_sha256_hex: 'fad34a6f30260e5a8db3b53ef6af76cef8269c89b5c5a9908aecce07a33e1edd' })
})

t.test('SRV failure keeps the static peers and reports the error', async (t) => {
  const net = new MemoryTransport()
  const n = makeNode(
    net,
    { cluster_node_id: 'n', cluster_listen_addr: 'n:1', cluster_peers: ['s:1'], cluster_discovery_srv: '_d._tcp.example.com', cluster_discovery_interval_seconds: 0 },
    { deps: { resolveSrv: async () => { throw new Error('querySrv ESERVFAIL _d._tcp.example.com') } } },
  )
  await startAll(t, n)
  const st = n.manager.status()
  t.same(n.manager.effectivePeers(), ['s:1'])
  t.equal(st.discovery_last_error, 'querySrv ESERVFAIL _d._tcp.example.com')
  t.equal(st.srv_peer_count, 0)
  t.notOk('cluster_discovery_interval_seconds' in st, 'explicit 0 is omitted')
})

t.test('a snapshot over the frame limit is not retried and marks the peer unhealthy until a push succeeds', async (t) => {
  const net = new MemoryTransport()
  const limits = { maxFrameBytes: 65_536, pushRetryMinMs: 20, pushRetryMaxMs: 40 }
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { deps: { limits } })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' }, { deps: { limits } })
  await startAll(t, a, b)
  const big = Array.from({ length: 300 }, (_, i) => rec(`big-${i}.example`, '192.0.2.1', { type: 'TXT', value: '"' + 'x'.repeat(250) + '"' }))
  await a.store.replaceAll(big, 'local')
  t.ok(await waitFor(() => /exceeds 65536/.test(a.manager.status().peers?.[0].last_outbound_error ?? '')), 'the push failed on the frame limit')
  await new Promise((r) => setTimeout(r, 200))
  t.equal(b.store.list().length, 0, 'nothing applied')
  t.notOk(a.events.some((e) => e.kind === 'push_failed'), 'no retry was scheduled for an oversize snapshot')
  const st = a.manager.status()
  t.equal(st.healthy, false, 'the peer counts as unhealthy')
  t.notOk(st.peers?.[0].pending_push, 'nothing left pending')
  await a.store.replaceAll([rec('small.example', '192.0.2.1')], 'local')
  await b.waitEvent(applied('node-a'))
  t.equal(a.manager.status().healthy, true, 'healthy again after a delivered push')
})

t.test('a cluster port that cannot be bound stops start-up naming the address and the key, and undoes the start', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { cluster_node_id: 'node-a', cluster_listen_addr: 'a:1' })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'a:1', cluster_peers: ['a:1'] })
  await startAll(t, a)
  await t.rejects(b.manager.start(), { code: 'ERR_BIND_FAILED', message: /a:1 is already in use.*cluster_listen_addr/ })
  t.equal(b.manager.listenAddress(), undefined)
  await b.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  await t.rejects(b.manager.pull(), { code: 'ERR_CLUSTER_DISABLED' }, 'no loops or push hook left running')
  t.equal(b.manager.clusterState().local_seq, 0, 'the failed start left no push hook behind')
  t.equal(a.manager.listenAddress(), 'a:1', 'the node holding the port is unaffected')
})
