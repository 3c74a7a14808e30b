import t from 'tap'
import { assessReadiness, hasSyncWaitExpired, NOT_SYNCED_REASON, readinessReport, type ReadinessInput } from '../../src/daemon/readiness.js'

const base: ReadinessInput = {
  dnsUp: true,
  clusterEnabled: true,
  requiresSync: true,
  syncTimeoutSeconds: 60,
  syncedOnce: false,
  peerCount: 2,
  clusterStartedAtMs: 1_000_000,
  nowMs: 1_000_000,
}

t.test('a node that requires a sync waits for one, but not longer than the timeout', async (t) => {
  t.same(assessReadiness(base), { ready: false, reasons: [NOT_SYNCED_REASON], notes: [] })
  t.same(assessReadiness({ ...base, nowMs: base.clusterStartedAtMs + 59_999 }).ready, false, 'one ms before the timeout')
  const after = assessReadiness({ ...base, nowMs: base.clusterStartedAtMs + 60_000 })
  t.equal(after.ready, true, 'ready once the timeout has passed, with every peer still down')
  t.same(after.reasons, [])
  t.match(after.notes, [/no peer synced within cluster_ready_sync_timeout_seconds \(60 s\)/])
})

t.test('0 waits forever (the behaviour before the timeout existed)', async (t) => {
  const forever = { ...base, syncTimeoutSeconds: 0, nowMs: base.clusterStartedAtMs + 365 * 86_400_000 }
  t.equal(hasSyncWaitExpired(forever), false)
  t.same(assessReadiness(forever), { ready: false, reasons: [NOT_SYNCED_REASON], notes: [] })
})

t.test('after a sync, without peers, without the gate or without clustering there is nothing to wait for', async (t) => {
  for (const i of [{ syncedOnce: true }, { peerCount: 0 }, { requiresSync: false }, { clusterEnabled: false }]) {
    t.same(assessReadiness({ ...base, ...i }), { ready: true, reasons: [], notes: [] }, JSON.stringify(i))
  }
})

t.test('DNS down is never excused by the timeout', async (t) => {
  const r = assessReadiness({ ...base, dnsUp: false, nowMs: base.clusterStartedAtMs + 120_000 })
  t.equal(r.ready, false)
  t.same(r.reasons, ['dns not listening'])
})

t.test('the /ready body carries the verdict, what is up and the listeners; notes only when there are some', async (t) => {
  const c = { port: '53', apiport: '8080', api: true, server_socket: '/run/dnsplane.sock' }
  const build = { version: '1.2.3' }
  t.same(readinessReport(c, { ready: false, reasons: ['dns not listening'], notes: [] }, { api: true, dns: false }, build), {
    ready: false,
    api: true,
    dns: false,
    listeners: { dns_port: '53', api_port: '8080', api_enabled: true, client_socket_path: '/run/dnsplane.sock', client_tcp_address: '' },
    build,
    reasons: ['dns not listening'],
  })
  const noted = readinessReport(c, { ready: true, reasons: [], notes: ['n'] }, { api: false, dns: true }, build)
  t.same(noted.notes, ['n'])
  t.equal(noted.ready, true)
})
