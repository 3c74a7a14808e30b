import t from 'tap'
import { SESSION_MAX_AGE_MS, SESSION_MAX_IDLE_MS, SessionPool } from '../../../src/cluster/session/session-pool.js'

function fake() {
  const s = { destroyed: 0, ch: { conn: { closed: false }, destroy: () => void (s.destroyed++, (s.ch.conn.closed = true)) } }
  return s
}

t.test('a parked session is handed back once, while open, young and recently used', async (t) => {
  const pool = new SessionPool<ReturnType<typeof fake>>()
  const s = fake()
  t.equal(pool.take('p', 'k', 0), undefined, 'nothing parked')
  t.ok(pool.put('p', 'k', { session: s, openedAt: 0 }, 10))
  t.equal(pool.size, 1)
  const got = pool.take('p', 'k', 10 + SESSION_MAX_IDLE_MS - 1)
  t.equal(got?.session, s)
  t.equal(got?.openedAt, 0, 'keeps the handshake time')
  t.equal(pool.size, 0, 'taken out')
  t.equal(pool.take('p', 'k', 20), undefined, 'not handed out twice')
  t.equal(s.destroyed, 0)
})

t.test('closed, idle too long or too old: destroyed instead of reused', async (t) => {
  const pool = new SessionPool<ReturnType<typeof fake>>()
  const closed = fake()
  pool.put('p', 'k', { session: closed, openedAt: 0 }, 0)
  closed.ch.conn.closed = true
  t.equal(pool.take('p', 'k', 1), undefined, 'closed by the peer')
  t.equal(closed.destroyed, 1)

  const idle = fake()
  pool.put('p', 'k', { session: idle, openedAt: 0 }, 0)
  t.equal(pool.take('p', 'k', SESSION_MAX_IDLE_MS), undefined, 'idle limit reached')
  t.equal(idle.destroyed, 1)

  const old = fake()
  pool.put('p', 'k', { session: old, openedAt: 0 }, SESSION_MAX_AGE_MS - 1)
  t.equal(pool.take('p', 'k', SESSION_MAX_AGE_MS), undefined, 'max age reached')
  t.equal(old.destroyed, 1)
})

t.test('put refuses closed or too old sessions and replaces an older parked one', async (t) => {
  const pool = new SessionPool<ReturnType<typeof fake>>({ maxAgeMs: 100, maxIdleMs: 10 })
  const closed = fake()
  closed.ch.conn.closed = true
  t.notOk(pool.put('p', 'k', { session: closed, openedAt: 0 }, 0))
  t.equal(closed.destroyed, 1)
  const old = fake()
  t.notOk(pool.put('p', 'k', { session: old, openedAt: 0 }, 100))
  t.equal(old.destroyed, 1)
  t.equal(pool.size, 0)

  const first = fake()
  const second = fake()
  t.ok(pool.put('p', 'k', { session: first, openedAt: 0 }, 1))
  t.ok(pool.put('p', 'k', { session: first, openedAt: 0 }, 2), 'parking the same session again keeps it')
  t.equal(first.destroyed, 0)
  t.ok(pool.put('p', 'k', { session: second, openedAt: 0 }, 3))
  t.equal(first.destroyed, 1, 'one idle session per peer: the older is closed')
  t.equal(pool.take('p', 'k', 4)?.session, second)
})

t.test('a changed key (token, auth rule) drops every idle session', async (t) => {
  const pool = new SessionPool<ReturnType<typeof fake>>()
  const a = fake()
  const b = fake()
  pool.put('a', 'k1', { session: a, openedAt: 0 }, 0)
  pool.put('b', 'k1', { session: b, openedAt: 0 }, 0)
  t.equal(pool.take('a', 'k2', 1), undefined)
  t.equal(a.destroyed + b.destroyed, 2, 'both closed')
  t.equal(pool.size, 0)
  const c = fake()
  pool.put('c', 'k1', { session: c, openedAt: 0 }, 2)
  t.equal(c.destroyed, 0, 'parked under the key it was made with')
  t.equal(pool.take('c', 'k2', 3), undefined, 'and dropped when the key moves on')
  t.equal(c.destroyed, 1)
})

t.test('retain drops removed peers; clear drops all', async (t) => {
  const pool = new SessionPool<ReturnType<typeof fake>>()
  const [a, b, c] = [fake(), fake(), fake()]
  pool.put('a', 'k', { session: a, openedAt: 0 }, 0)
  pool.put('b', 'k', { session: b, openedAt: 0 }, 0)
  pool.put('c', 'k', { session: c, openedAt: 0 }, 0)
  pool.retain(['a', 'c'])
  t.same([a.destroyed, b.destroyed, c.destroyed], [0, 1, 0])
  t.equal(pool.size, 2)
  pool.clear()
  t.same([a.destroyed, b.destroyed, c.destroyed], [1, 1, 1])
  t.equal(pool.size, 0)
  pool.clear()
  t.equal(a.destroyed, 1, 'clear on an empty pool does nothing')
})
