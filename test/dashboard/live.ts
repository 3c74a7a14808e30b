import t, { type Test } from 'tap'
import { EventEmitter } from 'node:events'
import type { WebSocket } from 'ws'
import { LiveHub, MAX_CLIENT_MESSAGE_BYTES, WS_AUTH_TIMEOUT_MS, WS_CLOSE_GRACE_MS } from '../../src/dashboard/live.js'

/** Just enough of a ws socket for the hub. */
class FakeSocket extends EventEmitter {
  readyState = 1
  bufferedAmount = 0
  sent: string[] = []
  closedWith?: number
  pings = 0
  terminated = false
  send(s: string) { this.sent.push(s) }
  ping() { this.pings++ }
  close(code?: number) { this.closedWith = code; this.readyState = 3; this.emit('close', code) }
  terminate() { this.terminated = true; this.readyState = 3; this.emit('close', 1006) }
  say(obj: unknown) { this.emit('message', Buffer.from(JSON.stringify(obj)), false) }
}

function hub(t: Test, over: Partial<ConstructorParameters<typeof LiveHub>[0]> = {}) {
  const src = { dash: { n: 1 } as unknown, res: { count: 0 } as unknown }
  const h = new LiveHub({
    sources: { dashboard: () => src.dash, resolutions: () => src.res },
    checkToken: (tok) => tok === 'secret',
    pushIntervalMs: 1_000_000, // ticks are driven by the test
    pingIntervalMs: 1_000_000,
    ...over,
  })
  t.teardown(() => h.stop())
  return { h, src }
}
type Tap = typeof t

/** A manual clock implementing LiveTimers. */
function fakeTimers() {
  let now = 0
  let nextId = 1
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>()
  return {
    timers: {
      setTimeout: (fn: () => void, ms: number) => { const id = nextId++; timers.set(id, { at: now + ms, fn }); return id },
      clearTimeout: (h: unknown) => { timers.delete(h as number) },
      setInterval: (fn: () => void, ms: number) => { const id = nextId++; timers.set(id, { at: now + ms, fn, every: ms }); return id },
      clearInterval: (h: unknown) => { timers.delete(h as number) },
    },
    pending: () => timers.size,
    advance(ms: number) {
      const end = now + ms
      for (;;) {
        const due = [...timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0]
        if (!due) break
        const [id, x] = due
        now = x.at
        if (x.every) x.at += x.every
        else timers.delete(id)
        x.fn()
      }
      now = end
    },
  }
}
const add = (h: LiveHub, authed = true) => {
  const s = new FakeSocket()
  h.add(s as unknown as WebSocket, authed)
  return s
}

t.test('answers a subscription at once and sends only what changed', async (t) => {
  const { h, src } = hub(t)
  const s = add(h)
  s.say({ op: 'sub', stats: true, resolutions: false, perf: false })
  t.same(s.sent, ['{"v":1,"dashboard":{"n":1}}'])
  h.tick()
  h.tick()
  t.equal(s.sent.length, 1, 'identical bytes are not resent')
  src.dash = { n: 2 }
  h.tick()
  t.equal(s.sent[1], '{"v":1,"dashboard":{"n":2}}')
  s.say({ op: 'sub', stats: true, resolutions: true, perf: false })
  t.equal(s.sent[2], '{"v":1,"dashboard":{"n":2},"resolutions":{"count":0}}')
})

t.test('builds each part once per round for many clients', async (t) => {
  let calls = 0
  const { h } = hub(t, { sources: { dashboard: () => ({ c: ++calls }), resolutions: () => ({}) } })
  const a = add(h)
  const b = add(h)
  a.say({ op: 'sub', stats: true })
  b.say({ op: 'sub', stats: true })
  calls = 0
  h.tick()
  t.equal(calls, 1)
  t.equal(a.sent.at(-1), b.sent.at(-1))
})

t.test('an unsubscribed client gets nothing', async (t) => {
  const { h } = hub(t)
  const s = add(h)
  h.tick()
  t.same(s.sent, [])
})

t.test('an unauthenticated client must send the token first', async (t) => {
  const { h } = hub(t)
  const bad = add(h, false)
  bad.say({ op: 'sub', stats: true })
  t.equal(bad.closedWith, 1008)
  const good = add(h, false)
  good.say({ op: 'sub', stats: true, token: 'secret' })
  t.equal(good.sent.length, 1)
  t.equal(h.size, 1)
})

t.test('an unauthenticated client is closed after the auth timeout', async (t) => {
  const clock = fakeTimers()
  const { h } = hub(t, { timers: clock.timers })
  const s = add(h, false)
  clock.advance(5001)
  t.equal(s.closedWith, 1008)
  t.equal(h.size, 0)
})

/** A client that never answers a close frame (ws would wait 30 s for it). */
class SilentSocket extends FakeSocket {
  override close(code?: number) { this.closedWith = code; this.readyState = 2 }
}

t.test('unauthenticated sockets cannot take the slots of authenticated clients', async (t) => {
  const clock = fakeTimers()
  const { h } = hub(t, { maxClients: 2, maxPending: 3, timers: clock.timers })
  const silent: SilentSocket[] = []
  for (let i = 0; i < 10; i++) {
    const s = new SilentSocket()
    h.add(s as unknown as WebSocket, false)
    silent.push(s)
  }
  t.equal(h.pendingSize, 3, 'only the unauthenticated budget is used')
  t.same(silent.slice(3).map((s) => s.closedWith), Array(7).fill(1013), 'the rest are refused')
  t.ok(h.hasRoom(true), 'authenticated slots untouched')
  const a = add(h)
  const b = add(h)
  t.equal(h.size, 2)
  a.say({ op: 'sub', stats: true })
  b.say({ op: 'sub', stats: true })
  t.equal(a.sent.length, 1)
  t.equal(b.sent.length, 1)
})

t.test('a silent unauthenticated socket frees its slot at the deadline, not after the close handshake', async (t) => {
  const clock = fakeTimers()
  const { h } = hub(t, { maxPending: 1, timers: clock.timers })
  const s = new SilentSocket()
  h.add(s as unknown as WebSocket, false)
  t.notOk(h.hasRoom(false))
  clock.advance(WS_AUTH_TIMEOUT_MS + 1)
  t.equal(s.closedWith, 1008)
  t.equal(h.size + h.pendingSize, 0, 'slot free although the peer never answered the close')
  t.ok(h.hasRoom(false))
  clock.advance(WS_CLOSE_GRACE_MS)
  t.ok(s.terminated, 'the socket is destroyed after the grace period')
})

t.test('a client that authenticates by message moves to an authenticated slot, or is refused when they are full', async (t) => {
  const { h } = hub(t, { maxClients: 1, maxPending: 2 })
  const first = add(h, false)
  const second = add(h, false)
  first.say({ op: 'sub', stats: true, token: 'secret' })
  t.equal(h.size, 1)
  t.equal(h.pendingSize, 1)
  t.equal(first.sent.length, 1)
  second.say({ op: 'sub', stats: true, token: 'secret' })
  t.equal(second.closedWith, 1013)
  t.equal(h.size, 1)
  t.equal(h.pendingSize, 0)
})

t.test('closes on an oversized or binary message', async (t) => {
  const { h } = hub(t)
  const big = add(h)
  big.emit('message', Buffer.alloc(MAX_CLIENT_MESSAGE_BYTES + 1, 32), false)
  t.equal(big.closedWith, 1009)
  const bin = add(h)
  bin.emit('message', Buffer.from('{}'), true)
  t.equal(bin.closedWith, 1009)
  const atLimit = add(h)
  atLimit.emit('message', Buffer.alloc(MAX_CLIENT_MESSAGE_BYTES, 32), false)
  t.equal(atLimit.closedWith, undefined, 'exactly the limit is read (and ignored as garbage)')
})

t.test('refuses clients beyond the cap with 1013', async (t) => {
  const { h } = hub(t, { maxClients: 2 })
  add(h)
  add(h)
  t.notOk(h.hasRoom())
  const third = add(h)
  t.equal(third.closedWith, 1013)
  t.equal(h.size, 2)
})

t.test('pings, and drops a client that missed the previous ping', async (t) => {
  const clock = fakeTimers()
  const { h } = hub(t, { pingIntervalMs: 54_000, timers: clock.timers })
  const live = add(h)
  const dead = add(h)
  clock.advance(54_000)
  t.equal(live.pings, 1)
  t.equal(dead.pings, 1)
  live.emit('pong')
  clock.advance(54_000)
  t.equal(live.pings, 2)
  t.ok(dead.terminated)
  t.equal(h.size, 1)
})

t.test('timers run only while clients are connected', async (t) => {
  const clock = fakeTimers()
  const { h } = hub(t, { timers: clock.timers })
  t.equal(clock.pending(), 0)
  const s = add(h)
  t.equal(clock.pending(), 2, 'push and ping intervals')
  s.close(1000)
  t.equal(clock.pending(), 0)
})

t.test('the push timer drives updates', async (t) => {
  const clock = fakeTimers()
  const { h, src } = hub(t, { timers: clock.timers, pushIntervalMs: 400 })
  const s = add(h)
  s.say({ op: 'sub', stats: true })
  src.dash = { n: 5 }
  clock.advance(399)
  t.equal(s.sent.length, 1)
  clock.advance(1)
  t.equal(s.sent.length, 2)
})

t.test('a failing source is skipped, not thrown', async (t) => {
  const { h } = hub(t, { sources: { dashboard: () => { throw new Error('x') }, resolutions: () => ({ ok: 1 }) } })
  const s = add(h)
  t.doesNotThrow(() => s.say({ op: 'sub', stats: true, resolutions: true }))
  t.same(s.sent, ['{"v":1,"resolutions":{"ok":1}}'])
})

t.test('stop closes every client with 1001', async (t) => {
  const { h } = hub(t)
  const s = add(h)
  h.stop()
  t.equal(s.closedWith, 1001)
  t.equal(h.size, 0)
  t.notOk(h.hasRoom())
})
