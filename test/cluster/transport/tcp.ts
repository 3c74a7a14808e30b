import { connect, type Socket } from 'node:net'
import t from 'tap'
import { encodeFrame, FrameDecoder } from '../../../src/cluster/wire/codec.js'
import { encodeMessage, parseMessage, type Message } from '../../../src/cluster/wire/messages.js'
import { FrameBudget } from '../../../src/cluster/transport/frame-budget.js'
import { TcpTransport } from '../../../src/cluster/transport/tcp-transport.js'
import { makeNode, type TestNode } from '../../helpers/cluster-node.js'

/** A raw TCP client that records reply frames and the close. */
interface Raw {
  socket: Socket
  frames: Message[]
  closed: Promise<void>
  next(): Promise<Message>
  send(text: string | Buffer): void
}

async function rawClient(addr: string): Promise<Raw> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))]
  const socket = connect({ host, port })
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject))
  const dec = new FrameDecoder()
  const frames: Message[] = []
  const waiting: ((m: Message) => void)[] = []
  socket.on('data', (c) => {
    for (const f of dec.push(c)) {
      const p = parseMessage(f)
      const m = p.ok ? p.message : ({ type: 'error', message: 'unparsable reply' } as Message)
      const w = waiting.shift()
      if (w) w(m)
      else frames.push(m)
    }
  })
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  return {
    socket,
    frames,
    closed,
    next: () => {
      const m = frames.shift()
      if (m) return Promise.resolve(m)
      return new Promise<Message>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no reply frame')), 5000)
        waiting.push((x) => {
          clearTimeout(timer)
          resolve(x)
        })
      })
    },
    send: (x) => socket.write(typeof x === 'string' ? encodeFrame(x) : x),
  }
}

const within = <T>(p: Promise<T>, ms = 5000) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms).unref())])

t.test('two managers over TCP on 127.0.0.1', async (t) => {
  const transport = new TcpTransport()
  const a = makeNode(transport, { cluster_node_id: 'node-a' }, { deps: { limits: { authTimeoutMs: 200 } } })
  const b = makeNode(transport, { cluster_node_id: 'node-b' }, { deps: { limits: { authTimeoutMs: 200, maxFailedAuthsPerIp: 1000 } } })
  const nodes: TestNode[] = [a, b]
  for (const n of nodes) await n.manager.start()
  t.teardown(async () => {
    for (const n of nodes) await n.manager.stop()
  })
  const bAddr = b.manager.listenAddress() as string
  t.match(bAddr, /^127\.0\.0\.1:\d+$/)
  await a.manager.addPeer(bAddr)

  t.test('replicates a local write', async (t) => {
    await a.store.add({ name: 'tcp.example', type: 'A', value: '192.0.2.7' })
    await b.waitEvent((e) => e.kind === 'snapshot_applied' && e.from === 'node-a')
    t.equal(b.store.list()[0].name, 'tcp.example')
    t.same(await a.manager.pull(), [{ address: bAddr, ok: true }], 'pull answered (duplicate-free: B never wrote)')
  })

  t.test('answers ping and pull on one authenticated connection', async (t) => {
    const c = await rawClient(bAddr)
    t.teardown(() => c.socket.destroy())
    c.send(encodeMessage({ type: 'auth', token: 'shared-token' }))
    t.match(await c.next(), { type: 'auth_ok' }, 'auth_ok (ours adds node_id, caps and clock, which Go ignores)')
    c.send('{"type":"ping"}')
    t.same(await c.next(), { type: 'pong' })
    c.send('{"type":"pull"}')
    const snap = await c.next()
    t.equal(snap.type, 'records_full')
    t.equal(snap.type === 'records_full' && snap.node_id, 'node-b')
  })

  t.test('a wrong token gets auth_fail and the connection is closed', async (t) => {
    const c = await rawClient(bAddr)
    c.send(encodeMessage({ type: 'auth', token: 'wrong' }))
    t.same(await c.next(), { type: 'auth_fail', message: 'unauthorized' })
    await within(c.closed)
    t.ok(b.events.some((e) => e.kind === 'auth_failure' && e.reason === 'bad_token'))
  })

  t.test('a garbage first frame gets error "auth required" and a close', async (t) => {
    const c = await rawClient(bAddr)
    c.send('this is not json')
    t.same(await c.next(), { type: 'error', message: 'auth required' })
    await within(c.closed)
  })

  t.test('garbage after auth gets an error reply and the connection stays usable', async (t) => {
    const c = await rawClient(bAddr)
    t.teardown(() => c.socket.destroy())
    c.send(encodeMessage({ type: 'auth', token: 'shared-token' }))
    await c.next()
    c.send('{{{')
    const err = await c.next()
    t.equal(err.type, 'error')
    c.send('{"type":"ping"}')
    t.same(await c.next(), { type: 'pong' })
  })

  t.test('an oversized length header drops the connection while the listener keeps serving', async (t) => {
    const c = await rawClient(bAddr)
    const h = Buffer.alloc(4)
    h.writeUInt32BE(67_108_865, 0)
    c.send(h)
    await within(c.closed)
    const pre = await rawClient(bAddr)
    const h2 = Buffer.alloc(4)
    h2.writeUInt32BE(1_000_000, 0)
    pre.send(h2)
    await within(pre.closed) // over the pre-auth cap
    t.same(await a.manager.pull(), [{ address: bAddr, ok: true }], 'still serving')
  })

  t.test('a silent client is dropped after the auth timeout', async (t) => {
    const c = await rawClient(bAddr)
    await within(c.closed, 5000)
    t.same(c.frames, [], 'no reply to silence')
    t.ok(b.events.some((e) => e.kind === 'auth_failure' && e.reason === 'timeout'))
  })
})

t.test('repeated auth failures block the source IP for the window', async (t) => {
  const transport = new TcpTransport()
  const n = makeNode(transport, { cluster_node_id: 'node-n' }, { deps: { limits: { maxFailedAuthsPerIp: 2, failedAuthWindowMs: 60_000 } } })
  await n.manager.start()
  t.teardown(() => n.manager.stop())
  const addr = n.manager.listenAddress() as string
  for (let i = 0; i < 2; i++) {
    const c = await rawClient(addr)
    c.send(encodeMessage({ type: 'auth', token: 'nope' }))
    t.same(await c.next(), { type: 'auth_fail', message: 'unauthorized' })
    await within(c.closed)
  }
  const blocked = await rawClient(addr)
  blocked.send(encodeMessage({ type: 'auth', token: 'shared-token' }))
  await within(blocked.closed)
  t.same(blocked.frames, [], 'refused without a reply')
  t.ok(n.events.some((e) => e.kind === 'connection_refused' && e.reason === 'source_blocked'))
})

t.test('connections over the cap are closed on accept', async (t) => {
  const transport = new TcpTransport()
  const n = makeNode(transport, { cluster_node_id: 'node-m' }, { deps: { limits: { maxInboundConnections: 1 } } })
  await n.manager.start()
  t.teardown(() => n.manager.stop())
  const addr = n.manager.listenAddress() as string
  const first = await rawClient(addr)
  t.teardown(() => first.socket.destroy())
  first.send(encodeMessage({ type: 'auth', token: 'shared-token' }))
  t.match(await first.next(), { type: 'auth_ok' })
  const second = await rawClient(addr)
  await within(second.closed)
  t.ok(n.events.some((e) => e.kind === 'connection_refused' && e.reason === 'max_connections'))
})

t.test('after auth, frames share one node-wide memory budget: too large is refused, others still served', async (t) => {
  const transport = new TcpTransport()
  const budget = new FrameBudget(300_000)
  const n = makeNode(transport, { cluster_node_id: 'node-f' }, { deps: { frameBudget: budget } })
  await n.manager.start()
  t.teardown(() => n.manager.stop())
  const addr = n.manager.listenAddress() as string
  const auth = async () => {
    const c = await rawClient(addr)
    t.teardown(() => c.socket.destroy())
    c.send(encodeMessage({ type: 'auth', token: 'shared-token' }))
    t.match(await c.next(), { type: 'auth_ok' })
    return c
  }
  const hog = await auth()
  const h = Buffer.alloc(4)
  h.writeUInt32BE(400_000, 0) // within the 64 MiB frame limit, over the whole budget
  hog.send(Buffer.concat([h, Buffer.alloc(100_000, 0x20)]))
  t.match(await hog.next(), { type: 'error', message: /exceeds the node's inbound frame budget of 300000 bytes/ })
  await within(hog.closed)
  t.equal(budget.stats().refusals, 1)

  // Two peers send large frames at once: one waits for the other's bytes, both are answered.
  const big = `{"type":"ping","pad":"${'x'.repeat(200_000)}"}`
  const [a, b] = await Promise.all([auth(), auth()])
  a.send(big)
  b.send(big)
  t.same(await a.next(), { type: 'pong' })
  t.same(await b.next(), { type: 'pong' })
  const small = await auth()
  small.send('{"type":"ping"}')
  t.same(await small.next(), { type: 'pong' })
  t.ok(budget.inUseBytes <= 300_000)
})
