import { connect, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { FrameChannel, MAX_QUEUED_FRAME_BYTES } from '../../../src/cluster/transport/channel.js'
import { encodeFrame, FrameDecoder } from '../../../src/cluster/wire/codec.js'
import { FrameBudget } from '../../../src/cluster/transport/frame-budget.js'
import { parseMessage } from '../../../src/cluster/wire/messages.js'
import { TcpTransport } from '../../../src/cluster/transport/tcp-transport.js'
import type { Connection } from '../../../src/cluster/transport/transport.js'

/** A TCP listener whose accepted connections become FrameChannels sharing `budget`, in accept order. */
async function server(t: Test, budget: FrameBudget) {
  const channels: FrameChannel[] = []
  const waiting: ((c: FrameChannel) => void)[] = []
  const listener = await new TcpTransport().listen('127.0.0.1:0', (conn: Connection) => {
    const ch = new FrameChannel(conn, 67_108_864, undefined, budget)
    const w = waiting.shift()
    if (w) w(ch)
    else channels.push(ch)
  })
  const all: FrameChannel[] = []
  t.teardown(async () => {
    for (const c of all) c.destroy()
    await listener.close()
  })
  const port = Number(listener.address.slice(listener.address.lastIndexOf(':') + 1))
  return {
    /** Connects a raw client and returns it with the server side of its connection. */
    async client(): Promise<{ sock: Socket; ch: FrameChannel }> {
      const sock = connect({ host: '127.0.0.1', port })
      sock.on('error', () => undefined)
      t.teardown(() => sock.destroy())
      await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject))
      const ch = channels.shift() ?? (await new Promise<FrameChannel>((resolve) => waiting.push(resolve)))
      all.push(ch)
      return { sock, ch }
    },
  }
}

/** Waits (bounded) until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10))
  if (!cond()) throw new Error(`timed out waiting for ${what}`)
}

const payload = (n: number, fill: number) => Buffer.alloc(n, fill)

t.test('a large frame waits for the node-wide budget (reading paused) and arrives intact once it is free', async (t) => {
  const budget = new FrameBudget(300_000)
  const srv = await server(t, budget)
  const a = await srv.client()
  const b = await srv.client()
  a.sock.write(encodeFrame(payload(200_000, 0x61)))
  const first = await a.ch.next(5000)
  t.equal(first.length, 200_000)
  t.equal(budget.inUseBytes, 200_000, 'held while the consumer works on it')

  let second: Buffer | undefined
  const secondP = b.ch.next(10_000).then((f) => (second = f))
  b.sock.write(encodeFrame(payload(200_000, 0x62)))
  await until(() => budget.stats().waits === 1, 'the second frame to wait')
  t.equal(second, undefined, 'not delivered while the budget is exhausted')
  t.ok(budget.inUseBytes <= 300_000, 'never above the budget')

  // A small frame from a third, well-behaved peer is not held up.
  const c = await srv.client()
  c.sock.write(encodeFrame('{"type":"ping"}'))
  t.equal(String(await c.ch.next(5000)), '{"type":"ping"}')

  // The first consumer asks for its next frame: the first frame's bytes go back, the second is granted.
  void a.ch.next(5000).catch(() => undefined)
  await secondP
  t.ok(second?.equals(payload(200_000, 0x62)), 'second frame intact')
  t.equal(budget.inUseBytes, 200_000)
  b.ch.close()
  t.equal(budget.inUseBytes, 0, 'closing returns the reservation')
})

t.test('a frame larger than the whole budget is refused with an error frame and the connection closed', async (t) => {
  const budget = new FrameBudget(300_000)
  const srv = await server(t, budget)
  const a = await srv.client()
  const dec = new FrameDecoder()
  const replies: string[] = []
  a.sock.on('data', (d) => {
    for (const f of dec.push(d)) replies.push(String(f))
  })
  const closed = new Promise<void>((resolve) => a.sock.once('close', () => resolve()))
  const failed = a.ch.next(5000).then(() => 'frame', (err: { code?: string }) => err.code)
  a.sock.write(encodeFrame(payload(400_000, 0x61)))
  t.equal(await failed, 'ERR_FRAME_TOO_LARGE')
  await closed
  t.equal(replies.length, 1)
  const reply = parseMessage(Buffer.from(replies[0]))
  t.match(reply, { ok: true, message: { type: 'error', message: /400000 bytes exceeds the node's inbound frame budget of 300000/ } })
  t.same(budget.stats(), { capacity_bytes: 300_000, in_use_bytes: 0, waits: 0, refusals: 1 })
  // The listener keeps serving.
  const b = await srv.client()
  b.sock.write(encodeFrame('{"type":"ping"}'))
  t.equal(String(await b.ch.next(5000)), '{"type":"ping"}')
})

t.test('a peer that pipelines faster than frames are consumed is paused, not buffered without bound', async (t) => {
  const budget = new FrameBudget(300_000)
  const srv = await server(t, budget)
  const a = await srv.client()
  const frame = encodeFrame(payload(60_000, 0x61))
  const total = 200 // 12 MB offered
  let written = 0
  // Every write counts: a write that returns false is still queued by the socket (only then wait for drain).
  const writeMore = () => {
    while (written < total) {
      written++
      if (!a.sock.write(frame)) break
    }
  }
  a.sock.on('drain', writeMore)
  writeMore()
  // Consume slowly: the channel must stop reading well before the sender is done.
  await a.ch.next(5000)
  // Wait until the sender stops making progress (bounded): the server is no longer reading.
  let last = -1
  let still = 0
  for (let i = 0; i < 300 && still < 10 && written < total; i++) {
    await new Promise((r) => setTimeout(r, 10))
    still = written === last ? still + 1 : 0
    last = written
  }
  t.ok(written < total, `sender blocked after ${written} of ${total} frames`)
  const queued = (a.ch as unknown as { queuedBytes: number }).queuedBytes
  t.ok(queued <= MAX_QUEUED_FRAME_BYTES + 128 * 1024, `queued ${queued} bytes stays near MAX_QUEUED_FRAME_BYTES`)
  for (let i = 1; i < total; i++) await a.ch.next(5000)
  t.equal(written, total, 'everything arrives once consumed')
})
