/**
 * Outbox deliveries to a record_lww peer reuse the authenticated session of the previous one
 * (src/cluster/session/session-pool.ts, rounds.ts): counted as connections the peer accepts.
 * Both nodes share one hand-moved clock, so the age and idle limits are crossed on purpose only.
 */
import t, { type Test } from 'tap'
import { SESSION_MAX_AGE_MS, SESSION_MAX_IDLE_MS } from '../../src/cluster/session/session-pool.js'
import { MemoryTransport } from '../../src/cluster/transport/memory-transport.js'
import type { Connection, DialOptions, Listener, Transport } from '../../src/cluster/transport/transport.js'
import { waitFor } from '../helpers/daemon.js'
import { makeNode, startAll, type TestNode } from '../helpers/cluster-node.js'

/** Counts accepted connections per listen address, keeps them, and can make a dialled connection fail its next write. */
class CountingTransport implements Transport {
  readonly accepted = new Map<string, Connection[]>()
  readonly dialled: { conn: Connection; resetNextWrite: boolean }[] = []
  constructor(private readonly inner = new MemoryTransport()) {}
  listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener> {
    return this.inner.listen(addr, (conn) => {
      const list = this.accepted.get(addr) ?? []
      list.push(conn)
      this.accepted.set(addr, list)
      onConnection(conn)
    })
  }
  async dial(addr: string, opts: DialOptions): Promise<Connection> {
    const conn = await this.inner.dial(addr, opts)
    const entry = { conn, resetNextWrite: false }
    this.dialled.push(entry)
    return new Proxy(conn, {
      get(target, prop, receiver) {
        if (prop === 'write' && entry.resetNextWrite) {
          return () => {
            // A reset noticed only when writing: the connection looked open until then.
            entry.resetNextWrite = false
            target.destroy()
            return Promise.reject(new Error('connection reset'))
          }
        }
        const v = Reflect.get(target, prop, receiver)
        return typeof v === 'function' ? v.bind(target) : v
      },
    })
  }
  count(addr: string): number {
    return this.accepted.get(addr)?.length ?? 0
  }
  open(addr: string): Connection[] {
    return (this.accepted.get(addr) ?? []).filter((c) => !c.closed)
  }
}

const LWW = { cluster_sync_policy: 'record_lww' }

async function pair(t: Test) {
  const net = new CountingTransport()
  const clock = { ms: Date.now() }
  const now = () => clock.ms
  const a = makeNode(net, { ...LWW, cluster_node_id: 'node-a', cluster_listen_addr: 'a:1', cluster_peers: ['b:1'] }, { deps: { now } })
  const b = makeNode(net, { ...LWW, cluster_node_id: 'node-b', cluster_listen_addr: 'b:1', cluster_peers: [] }, { deps: { now } })
  await startAll(t, a, b)
  // The start-up anti-entropy is the first delivery; wait for it so later counts start from a parked session.
  await a.waitEvent((e) => e.kind === 'push_acked' && e.peer === 'b:1')
  let n = 0
  const write = async () => {
    const name = `w${++n}.example`
    const acked = a.events.filter((e) => e.kind === 'delta_acked').length
    await a.store.add({ name, type: 'A', value: '192.0.2.1' })
    t.ok(await waitFor(() => b.store.list().some((r) => r.name === name)), `${name} replicated`)
    t.ok(await waitFor(() => a.events.filter((e) => e.kind === 'delta_acked').length > acked), `${name} acknowledged`)
  }
  // A starts before B listens, so its first attempt may have failed: count failures from here.
  const failedBefore = failedPushes(a)
  return { net, clock, a, b, write, failures: () => failedPushes(a) - failedBefore }
}

const failedPushes = (a: TestNode) => a.events.filter((e) => e.kind === 'push_failed').length

t.test('deliveries in a row share one connection', async (t) => {
  const { net, write, failures } = await pair(t)
  const before = net.count('b:1')
  await write()
  await write()
  await write()
  t.equal(net.count('b:1'), before, 'no new connection for three deliveries')
  t.equal(net.open('b:1').length, 1, 'one idle session stays open on the peer')
  t.equal(failures(), 0)
})

t.test('a session the peer closed between deliveries is replaced transparently', async (t) => {
  const { net, write, failures } = await pair(t)
  const before = net.count('b:1')
  for (const c of net.open('b:1')) c.destroy()
  await write()
  t.equal(net.count('b:1'), before + 1, 'one fresh connection')
  await write()
  t.equal(net.count('b:1'), before + 1, 'which the next delivery reuses')
  t.equal(failures(), 0, 'no delivery failed')
})

t.test('a reused session that breaks mid-delivery is retried once at once on a fresh one', async (t) => {
  const { net, write, failures } = await pair(t)
  const before = net.count('b:1')
  const parked = net.dialled.filter((d) => !d.conn.closed)
  t.equal(parked.length, 1, 'one parked session')
  parked[0].resetNextWrite = true
  await write()
  t.ok(parked[0].conn.closed, 'the broken session is gone')
  t.equal(net.count('b:1'), before + 1, 'the delivery went over one fresh connection')
  t.equal(failures(), 0, 'the outbox saw no failure (no backoff)')
  await write()
  t.equal(net.count('b:1'), before + 1, 'the fresh session is reused in turn')
})

t.test('a session past its maximum age or idle limit is not reused', async (t) => {
  const { net, write, clock } = await pair(t)
  const before = net.count('b:1')
  await write()
  t.equal(net.count('b:1'), before, 'reused while young and fresh')
  clock.ms += SESSION_MAX_IDLE_MS
  await write()
  t.equal(net.count('b:1'), before + 1, 'idle too long: dialled again')
  // Never idle too long, but the handshake ages: the session is replaced once it is max age old.
  const step = SESSION_MAX_IDLE_MS / 2
  for (let age = step; age < SESSION_MAX_AGE_MS; age += step) {
    clock.ms += step
    await write()
  }
  t.equal(net.count('b:1'), before + 1, 'reused until just under max age')
  clock.ms += step
  await write()
  t.equal(net.count('b:1'), before + 2, 'max age reached: dialled again')
})

t.test('stop closes the idle session and leaves nothing open', async (t) => {
  const { net, write, a } = await pair(t)
  await write()
  t.equal(net.open('b:1').length, 1, 'an idle session is open before stop')
  await a.manager.stop()
  t.ok(await waitFor(() => net.open('b:1').length === 0), 'the peer sees it closed')
  t.ok(net.dialled.every((d) => d.conn.closed), 'no dialled connection left open')
})
