/**
 * record_lww through real ClusterManagers on the in-memory transport: deltas with acks, tombstones,
 * anti-entropy after downtime, the challenge auth, and the fallback to records_full with peers that
 * do not announce the capability (ours under another policy, and a Go-shaped peer).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { encodeFrame, FrameDecoder } from '../../src/cluster/wire/codec.js'
import type { ClusterEvent } from '../../src/cluster/manager.js'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import { parseMessage, type Message } from '../../src/cluster/wire/messages.js'
import type { Connection, DialOptions, Listener, Transport } from '../../src/cluster/transport/transport.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, rec, type TestNode, startAll, rawClient, goShapedPeer } from '../helpers/cluster-node.js'

const LWW = { cluster_sync_policy: 'record_lww' }
const names = (n: TestNode) => n.store.list().map((r) => r.name).sort()
const deltaApplied = (e: ClusterEvent) => e.kind === 'delta_applied' && e.won > 0


/** A transport that records every byte written by either side, to look for the token on the wire. */
class TappedTransport implements Transport {
  readonly written: Buffer[] = []
  constructor(private readonly inner: Transport) {}
  async listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener> {
    return this.inner.listen(addr, (conn) => onConnection(this.tap(conn)))
  }
  async dial(addr: string, opts: DialOptions): Promise<Connection> {
    return this.tap(await this.inner.dial(addr, opts))
  }
  private tap(conn: Connection): Connection {
    const written = this.written
    return new Proxy(conn, {
      get(target, prop, receiver) {
        if (prop === 'write') {
          return (data: Uint8Array) => {
            written.push(Buffer.from(data))
            return target.write(data)
          }
        }
        const v = Reflect.get(target, prop, receiver)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
  }
}

t.test('record_lww: concurrent writes of different records on two nodes both survive everywhere', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1', 'c:1'] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1', 'c:1'] })
  const c = makeNode(net, { ...LWW, cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_peers: ['a:1', 'b:1'] })
  await startAll(t, a, b, c)
  await Promise.all([
    a.store.add({ name: 'a.example', type: 'A', value: '192.0.2.1' }),
    b.store.add({ name: 'b.example', type: 'A', value: '192.0.2.2' }),
  ])
  const all = () => [a, b, c].every((n) => names(n).join() === 'a.example,b.example')
  t.ok(await waitFor(all), 'every node holds both writes')
  // The start-up anti-entropy may carry the writes first; the queued deltas are acknowledged right after.
  t.ok(await waitFor(() => a.events.some((e) => e.kind === 'delta_acked')), 'A got delta acks')
  t.notOk(a.events.some((e) => e.kind === 'snapshot_sent'), 'no records_full between record_lww nodes')
  t.equal(c.manager.status().replica?.live, 2)
  t.same(c.manager.status().peers?.map((p) => p.sync_mode), ['record_lww', 'record_lww'])
})

t.test('record_lww: an update and a delete replicate; the delete leaves a tombstone', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b)
  const added = await a.store.add({ name: 'u.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => b.store.list().length === 1), 'add replicated')
  await a.store.update({ id: added.records[0].id, name: 'u.example', type: 'A', value: '192.0.2.9' })
  t.ok(await waitFor(() => b.store.list()[0]?.value === '192.0.2.9'), 'update replicated (same id, new value)')
  t.equal(b.store.list()[0].id, added.records[0].id, 'the id travels with the record')
  await b.store.remove({ name: 'u.example' })
  t.ok(await waitFor(() => a.store.list().length === 0), 'delete on B replicated to A')
  t.equal(a.manager.status().replica?.tombstones, 1, 'A keeps a tombstone')
  t.equal(b.manager.status().replica?.tombstones, 1, 'B keeps a tombstone')
})

t.test('record_lww: a node that was stopped catches up by anti-entropy at start, both ways', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b)
  await a.store.add({ name: 'one.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => b.store.list().length === 1))
  await b.manager.stop()
  await a.store.add({ name: 'two.example', type: 'A', value: '192.0.2.2' })
  await b.store.add({ name: 'offline-b.example', type: 'A', value: '192.0.2.3' }) // B's store changes while its cluster is down
  // A new manager on B's state dir and store, as after a restart.
  const b2 = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] }, {
    store: b.store,
    deps: { statePath: b.statePath },
  })
  await b2.manager.start()
  t.teardown(() => b2.manager.stop())
  const want = 'offline-b.example,one.example,two.example'
  t.ok(await waitFor(() => names(a).join() === want && names(b2).join() === want), 'both hold all three records')
  t.ok(b2.events.some((e) => e.kind === 'anti_entropy' && e.ok), 'B ran anti-entropy at start')
  // Versions live in the records store's journal and file (issue #12), never in a file of their own.
  t.notOk(existsSync(join(dirname(b.statePath), 'cluster_replica.json')), 'no cluster_replica.json')
})

t.test('record_lww: the cluster token never crosses the wire between our nodes (challenge-response)', async (t) => {
  const net = new TappedTransport(new MemoryTransport())
  const token = 'very-secret-cluster-token-xyz'
  const a = makeNode(net, { ...LWW, cluster_auth_token: token, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_auth_token: token, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b)
  await a.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => b.store.list().length === 1), 'replicated')
  const wire = Buffer.concat(net.written).toString('utf8')
  t.ok(wire.includes('"type":"auth_challenge"'), 'the challenge was used')
  t.notOk(wire.includes(token), 'the token is nowhere in the bytes sent')
})

t.test('record_lww: a wrong token fails the challenge both ways and nothing replicates', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_auth_token: 'token-one', cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_auth_token: 'token-two', cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b)
  await a.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  const err = () => a.manager.status().peers?.[0].last_outbound_error ?? ''
  t.ok(await waitFor(() => /auth failed/.test(err())), `A reports the auth failure (${err()})`)
  t.equal(b.store.list().length, 0)
})

t.test('record_lww with a peer under lww_per_node: records_full both ways, and its snapshot is versioned', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1', 'c:1'] })
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  const c = makeNode(net, { ...LWW, cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b, c)
  await a.store.add({ name: 'from-a.example', type: 'A', value: '192.0.2.1' })
  await b.waitEvent((e) => e.kind === 'snapshot_applied' && e.from === 'node-a')
  t.same(names(b), ['from-a.example'], 'the legacy peer got a records_full')
  t.equal(a.manager.status().peers?.find((p) => p.address === 'b:1')?.sync_mode, 'records_full')
  await b.store.add({ name: 'from-b.example', type: 'A', value: '192.0.2.2' })
  await a.waitEvent((e) => e.kind === 'snapshot_applied' && e.from === 'node-b')
  t.same(names(a), ['from-a.example', 'from-b.example'])
  t.ok(await waitFor(() => names(c).join() === 'from-a.example,from-b.example'), 'the legacy write reached a record_lww peer as a delta')
})

t.test('record_lww falls back to the plain token and records_full with a Go-shaped peer', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', 'shared-token')
  t.teardown(() => go.listener.close())
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['go:1'] })
  await startAll(t, a)
  await a.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => go.frames.some((m) => m.type === 'records_full')), 'the Go peer received a records_full')
  const auths = go.frames.filter((m) => m.type === 'auth')
  t.equal(auths[0].type === 'auth' && auths[0].token, '', 'first try: challenge request (empty token)')
  t.ok(auths.some((m) => m.type === 'auth' && m.token === 'shared-token'), 'then the plain token')
  t.notOk(go.frames.some((m) => m.type === 'delta' || m.type === 'digest'), 'no record_lww frames to a Go peer')
  const full = go.frames.find((m) => m.type === 'records_full')
  t.equal(full?.type === 'records_full' && full.records?.[0].name, 'x.example')
})

t.test('cluster_allow_plain_token false: no fallback to a Go-shaped peer', async (t) => {
  const net = new MemoryTransport()
  const go = await goShapedPeer(net, 'go:1', 'shared-token')
  t.teardown(() => go.listener.close())
  const a = makeNode(net, { ...LWW, cluster_allow_plain_token: false, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['go:1'] })
  await startAll(t, a)
  await a.store.add({ name: 'x.example', type: 'A', value: '192.0.2.1' })
  await a.waitEvent((e) => e.kind === 'push_failed')
  t.notOk(go.frames.some((m) => m.type === 'auth' && m.token === 'shared-token'), 'the token was never sent')
  t.match(a.manager.status().peers?.[0].last_outbound_error ?? '', /cluster_allow_plain_token/)
})

t.test('record_lww: a merged entry is kept by the replica, and no cluster_replica.json is written', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { records: [rec('seed.example', '192.0.2.7')] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] })
  await startAll(t, a, b)
  t.ok(await waitFor(() => b.store.list().length === 1), 'the seed record reached B (adopted at the lowest version)')
  t.equal(b.manager.status().replica?.entries, 1, 'B holds the entry it merged')
  await b.manager.stop()
  t.notOk(existsSync(join(dirname(b.statePath), 'cluster_replica.json')), 'versions live with the records (test/cluster/lww-lost-records-file.ts)')
})

t.test('a delta from a node whose policy is not record_lww is answered with an error', async (t) => {
  const net = new MemoryTransport()
  const b = makeNode(net, { cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, b)
  const { conn, got } = await rawClient(net, 'b:1')
  await conn.write(encodeFrame('{"type":"auth","token":"shared-token"}'))
  await conn.write(encodeFrame('{"type":"delta","node_id":"x","batch":1,"entries":[]}'))
  t.ok(await waitFor(() => got.length >= 2))
  t.equal(got[0].type, 'auth_ok')
  t.same(got[1], { type: 'error', message: 'record_lww is not enabled on this node' })
  conn.destroy()
  t.equal(b.events.filter(deltaApplied).length, 0)
})

t.test('a Go-shaped client (plain token, the original\'s records_full bytes) is served by a record_lww node and its records travel on as deltas', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['c:1'] })
  const c = makeNode(net, { ...LWW, cluster_node_id: 'node-c', cluster_listen_addr: 'c:1', cluster_peers: ['a:1'] })
  await startAll(t, a, c)
  const golden = readFileSync(new URL('../fixtures/cluster/records_full.hex', import.meta.url), 'utf8').replace(/\s+/g, '')
  const { conn, got } = await rawClient(net, 'a:1')
  await conn.write(encodeFrame('{"type":"auth","token":"shared-token"}'))
  t.ok(await waitFor(() => got.length >= 1))
  t.equal(got[0].type, 'auth_ok', 'the plain token is accepted (cluster_allow_plain_token defaults to true)')
  await conn.write(Buffer.from(golden, 'hex'))
  t.ok(await waitFor(() => a.store.list().some((r) => r.name === 'www.example.com')), 'A applied the Go snapshot')
  t.ok(await waitFor(() => c.store.list().some((r) => r.id === '0b6c3f7e-8a41-4c2e-9d1f-3a5b7c9d1e2f')), 'C got the record as a delta, id intact')
  t.equal(got.length, 1, 'no reply to records_full, as the original')
  conn.destroy()
})

t.test('record_lww: a replica-only node takes peers\' writes but never sends its own, not even in anti-entropy', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_replica_only: true, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await a.store.add({ name: 'local-only.example', type: 'A', value: '192.0.2.1' })
  await b.store.add({ name: 'from-b.example', type: 'A', value: '192.0.2.2' })
  const results = await a.manager.pull()
  t.same(results, [{ address: 'b:1', ok: true }], 'anti-entropy with B ran')
  t.same(names(a), ['from-b.example', 'local-only.example'], 'A took B\'s write')
  t.same(names(b), ['from-b.example'], 'B never got the replica-only node\'s write')
  t.notOk(a.events.some((e) => e.kind === 'frame_out' && e.type === 'delta'), 'A sent no delta')
})

t.test('record_lww: one local change to a known record_lww peer costs one session and no snapshot', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  await a.store.add({ name: 'first.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => b.store.list().length === 1 && !a.manager.status().peers?.[0].pending_push))
  const auths = () => a.events.filter((e) => e.kind === 'frame_out' && e.type === 'auth').length
  const before = auths()
  await a.store.add({ name: 'second.example', type: 'A', value: '192.0.2.2' })
  t.ok(await waitFor(() => b.store.list().length === 2 && !a.manager.status().peers?.[0].pending_push))
  await new Promise((r) => setTimeout(r, 100))
  // At most one: none when the previous delivery's idle session is reused (session-reuse.ts).
  t.ok(auths() - before <= 1, 'at most one authenticated session for the change')
  t.notOk(a.events.some((e) => e.kind === 'snapshot_sent'), 'no records_full built or sent')
})

t.test('record_lww: nodes started on identical records files adopt identical entries and exchange none', async (t) => {
  const net = new MemoryTransport()
  const seed = [rec('same-1.example', '192.0.2.1'), rec('same-2.example', '192.0.2.2')]
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { records: seed })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: ['a:1'] }, { records: seed })
  await startAll(t, a, b)
  // B starts second, so its start-up round is the first to reach a listening peer.
  t.ok(await waitFor(() => b.events.some((e) => e.kind === 'anti_entropy' && e.ok)), 'anti-entropy ran at start')
  const round = b.events.find((e) => e.kind === 'anti_entropy' && e.ok)
  t.match(round, { buckets_differ: 0, received: 0, sent: 0 }, 'digests matched: nothing shipped')
})

t.test('record_lww: a delta the receiver cannot write is not acknowledged, and is retried until it lands', async (t) => {
  const net = new MemoryTransport()
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, {
    deps: { limits: { pushRetryMinMs: 20, pushRetryMaxMs: 40 } },
  })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1' })
  await startAll(t, a, b)
  b.store.failReplace = new Error('disk full')
  await a.store.add({ name: 'retry.example', type: 'A', value: '192.0.2.1' })
  t.ok(await waitFor(() => /delta not applied: disk full/.test(a.manager.status().peers?.[0].last_outbound_error ?? '')), 'B answered with an error frame naming the cause')
  t.equal(b.store.list().length, 0)
  t.ok(a.manager.status().peers?.[0].pending_entries, 'the entry stays queued on A')
  b.store.failReplace = undefined
  t.ok(await waitFor(() => b.store.list().some((r) => r.name === 'retry.example')), 'a retry lands once B can write')
  t.ok(await waitFor(() => !a.manager.status().peers?.[0].pending_entries), 'and the queue is empty')
})
