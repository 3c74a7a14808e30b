import t from 'tap'
import { AuthGuard, MAX_TRACKED_SOURCES } from '../../../src/cluster/session/auth-guard.js'

const limits = { maxFailedAuthsPerIp: 3, failedAuthWindowMs: 1000 }

t.test('a source is blocked at the limit of failures within the window, not one before', async (t) => {
  const g = new AuthGuard(limits)
  t.equal(g.recordFailure('10.0.0.1', 0), false)
  t.equal(g.recordFailure('10.0.0.1', 100), false)
  t.equal(g.isBlocked('10.0.0.1', 150), false, 'limit - 1 failures: still admitted')
  t.equal(g.recordFailure('10.0.0.1', 200), true, 'the failure that reaches the limit blocks')
  t.equal(g.isBlocked('10.0.0.1', 201), true)
  t.equal(g.isBlocked('10.0.0.2', 201), false, 'other sources are not affected')
})

t.test('the block lasts one window from the blocking failure', async (t) => {
  const g = new AuthGuard(limits)
  for (const at of [0, 1, 2]) g.recordFailure('ip', at)
  t.equal(g.isBlocked('ip', 1001), true)
  t.equal(g.isBlocked('ip', 1002), false, 'blockedUntil = 2 + 1000 is exclusive')
})

t.test('failures older than the window do not count', async (t) => {
  const g = new AuthGuard(limits)
  g.recordFailure('ip', 0)
  g.recordFailure('ip', 10)
  t.equal(g.recordFailure('ip', 1010), false, 'both earlier failures left the window (a window is < 1000 ms old)')
  t.equal(g.recordFailure('ip', 1011), false, 'two within the window')
  t.equal(g.recordFailure('ip', 1012), true, 'three within the window')
})

t.test('the table of sources is bounded: the oldest is forgotten', async (t) => {
  const g = new AuthGuard({ maxFailedAuthsPerIp: 1, failedAuthWindowMs: 1000 })
  g.recordFailure('first', 0)
  t.equal(g.isBlocked('first', 1), true)
  for (let i = 0; i < MAX_TRACKED_SOURCES; i++) g.recordFailure(`ip-${i}`, 0)
  t.equal(g.size, MAX_TRACKED_SOURCES)
  t.equal(g.isBlocked('first', 1), false, 'forgotten, hence no longer blocked')
})
