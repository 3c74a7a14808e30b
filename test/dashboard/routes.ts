import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import WebSocket from 'ws'
import { dashboardPlugin, type DashboardDeps } from '../../src/dashboard/routes.js'
import { Stats } from '../../src/stats/stats.js'
import { createMetrics } from '../../src/metrics/registry.js'
import type { ClusterStatus } from '../../src/cluster/control.js'

const ORIGINAL_DATA_KEYS = ['counters', 'perf', 'summary', 'cache_info', 'series', 'log', 'status', 'cluster', 'build', 'per_sec_rates']

const clusterStatus: ClusterStatus = {
  enabled: true, node_id: 'node-a', listen_addr: ':7946', replica_only: false, cluster_admin: false,
  peers: [{ address: '10.0.0.2:7946', reachable: true, last_probe_rtt_ms: 1.234 }],
  local_seq: 4, static_peer_count: 1, srv_peer_count: 0, effective_peer_count: 1,
}

function makeDeps(over: Partial<DashboardDeps> = {}): DashboardDeps & { state: { enabled: boolean; token: string } } {
  const state = { enabled: true, token: '' }
  const stats = new Stats()
  const metrics = createMetrics()
  metrics.collectFrom({ counters: () => stats.counters(), serverStartMs: () => stats.serverStartMs })
  return {
    state,
    enabled: () => state.enabled,
    stats,
    metrics,
    cluster: () => clusterStatus,
    status: () => ({
      ready: true, api_up: true, dns_up: true, tui: { connected: false, addr: '', since_rfc3339: '' },
      listeners: { dns_port: '53', api_port: '8080', api_enabled: true, client_socket: '', client_tcp: '' }, features: [],
    }),
    cacheInfo: () => ({ entries_count: 0, compact_enabled: false, compact_interval_seconds: 0, next_compact_rfc3339: '', last_compact_rfc3339: '', last_compact_removed: 0 }),
    upstreamSummary: () => ({ checks_enabled: false, active: 1, configured_rows: 1, healthy: 1, unhealthy: 0 }),
    getApiToken: () => state.token,
    syncIntervalSeconds: () => 30,
    build: { version: '0.1.0' },
    pushIntervalMs: 20,
    ...over,
  }
}

async function makeApp(t: Test, deps: DashboardDeps, opts: { preWs?: boolean } = {}): Promise<FastifyInstance> {
  const app = Fastify()
  if (opts.preWs) await app.register(websocket)
  await app.register(dashboardPlugin(deps))
  await app.ready()
  t.teardown(() => app.close())
  return app
}

async function listen(t: Test, deps: DashboardDeps, opts: { preWs?: boolean } = {}): Promise<{ app: FastifyInstance; base: string }> {
  const app = await makeApp(t, deps, opts)
  await app.listen({ host: '127.0.0.1', port: 0 })
  const addr = app.server.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  return { app, base: `ws://127.0.0.1:${addr.port}/stats/dashboard/ws` }
}

/** Resolves with the first message, or rejects on error/close/timeout (bounded wait). */
function nextMessage(ws: WebSocket, ms = 3000): Promise<any> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a message')), ms)
    ws.once('message', (data) => { clearTimeout(timer); resolve(JSON.parse(String(data))) })
    ws.once('error', (err) => { clearTimeout(timer); reject(err) })
    ws.once('close', (code) => { clearTimeout(timer); reject(new Error(`closed ${code}`)) })
  })
}

function opened(ws: WebSocket, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out opening')), ms)
    ws.once('open', () => { clearTimeout(timer); resolve() })
    ws.once('error', (err) => { clearTimeout(timer); reject(err) })
  })
}

function closed(ws: WebSocket, ms = 8000): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for close')), ms)
    ws.once('close', (code) => { clearTimeout(timer); resolve(code) })
  })
}

function client(t: Test, url: string, headers: Record<string, string> = {}): WebSocket {
  const ws = new WebSocket(url, { headers })
  ws.on('error', () => {}) // asserted through the helpers above
  t.teardown(() => ws.terminate())
  return ws
}

t.test('serves the page publicly with no external URLs', async (t) => {
  const deps = makeDeps()
  deps.state.token = 'secret'
  const app = await makeApp(t, deps)
  const res = await app.inject({ method: 'GET', url: '/stats/dashboard' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/html/)
  t.match(res.headers['content-security-policy'], /default-src 'self'/)
  for (const id of ['cluster-panel', 'updates-mode', 'login-form', 'nav']) t.match(res.body, `id="${id}"`, `has #${id}`)
  t.notMatch(res.body, /(src|href)\s*=\s*"(https?:)?\/\//i, 'no absolute or protocol-relative asset URLs')
  t.notMatch(res.body, /https?:\/\//, 'no http(s) URL at all')
})

const assetCases: [string, RegExp][] = [
  ['app.css', /^text\/css/],
  ['app.js', /^text\/javascript/],
  ['uPlot.iife.min.js', /^text\/javascript/],
  ['uPlot.min.css', /^text\/css/],
]
for (const [name, type] of assetCases) {
  t.test(`serves asset ${name} publicly with its content type`, async (t) => {
    const deps = makeDeps()
    deps.state.token = 'secret'
    const app = await makeApp(t, deps)
    const res = await app.inject({ method: 'GET', url: `/stats/dashboard/assets/${name}` })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], type)
    t.ok(res.body.length > 100)
  })
}

t.test('the page script makes no requests to other hosts', async (t) => {
  const app = await makeApp(t, makeDeps())
  const js = (await app.inject({ method: 'GET', url: '/stats/dashboard/assets/app.js' })).body
  t.notMatch(js, /https?:\/\//, 'app.js has no absolute URL')
  const css = (await app.inject({ method: 'GET', url: '/stats/dashboard/assets/app.css' })).body
  t.notMatch(css, /url\(/, 'app.css loads nothing')
})

t.test('refuses unknown assets and path tricks', async (t) => {
  const app = await makeApp(t, makeDeps())
  for (const url of ['/stats/dashboard/assets/nope.js', '/stats/dashboard/assets/..%2Froutes.ts', '/stats/dashboard/assets/index.html']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 404, url)
  }
})

t.test('data has the original keys', async (t) => {
  const deps = makeDeps()
  deps.stats.record({ at: Date.now(), qname: 'a.example', qtype: 'A', outcome: 'local', rcode: 'NOERROR', duration_ms: 1 })
  const app = await makeApp(t, deps)
  const res = await app.inject({ method: 'GET', url: '/stats/dashboard/data' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  t.ok(res.body.endsWith('\n'), 'trailing newline')
  const d = res.json()
  t.same(Object.keys(d).sort(), [...ORIGINAL_DATA_KEYS].sort())
  t.equal(d.cluster.sync_interval_seconds, 30, 'the sync interval is filled in for the page')
  t.equal(d.log.length, 1)
  t.equal(d.series.length, 60)
})

t.test('data carries records_count when a record counter is given', async (t) => {
  const app = await makeApp(t, makeDeps({ recordCount: () => 7 }))
  t.equal((await app.inject({ method: 'GET', url: '/stats/dashboard/data' })).json().records_count, 7)
})

t.test('data carries dns_limits while a limit is set, and not otherwise', async (t) => {
  const counters = { refused_rate: 7, refused_window: 0, rrl_dropped: 3, rrl_slipped: 2, amplification_truncated: 1, evictions: 0 }
  const on = await makeApp(t, makeDeps({ dnsLimits: () => counters }))
  t.same((await on.inject({ method: 'GET', url: '/stats/dashboard/data' })).json().dns_limits, counters)
  const off = await makeApp(t, makeDeps({ dnsLimits: () => undefined }))
  t.notOk('dns_limits' in (await off.inject({ method: 'GET', url: '/stats/dashboard/data' })).json())
})

t.test('the cluster key is absent without a cluster provider', async (t) => {
  const app = await makeApp(t, makeDeps({ cluster: undefined }))
  t.notOk('cluster' in (await app.inject({ method: 'GET', url: '/stats/dashboard/data' })).json())
})

t.test('resolutions and purge', async (t) => {
  const deps = makeDeps()
  deps.stats.record({ at: 0, qname: 'a.example', qtype: 'A', outcome: 'cache', rcode: 'NOERROR', duration_ms: 1 })
  const app = await makeApp(t, deps)
  const r = (await app.inject({ method: 'GET', url: '/stats/dashboard/resolutions' })).json()
  t.same({ cap: r.cap, count: r.count }, { cap: 1000, count: 1 })
  const p = await app.inject({ method: 'POST', url: '/stats/dashboard/resolutions/purge' })
  t.same(p.json(), { status: 'ok', message: 'Dashboard resolution log cleared' })
  t.equal((await app.inject({ method: 'GET', url: '/stats/dashboard/resolutions' })).json().count, 0)
})

const protectedRoutes: [string, string][] = [
  ['GET', '/stats/dashboard/data'],
  ['GET', '/stats/dashboard/resolutions'],
  ['POST', '/stats/dashboard/resolutions/purge'],
  ['GET', '/metrics'],
]
for (const [method, url] of protectedRoutes) {
  t.test(`${method} ${url} needs the API token when one is set`, async (t) => {
    const deps = makeDeps()
    deps.state.token = 'secret'
    const app = await makeApp(t, deps)
    const none = await app.inject({ method: method as 'GET', url })
    t.equal(none.statusCode, 401)
    t.same(none.json(), { error: 'unauthorized' })
    t.equal(none.headers['www-authenticate'], 'Bearer realm="dnsplane"')
    t.equal((await app.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer wrong' } })).statusCode, 401)
    t.equal((await app.inject({ method: method as 'GET', url, headers: { authorization: 'bearer secret' } })).statusCode, 200)
    t.equal((await app.inject({ method: method as 'GET', url, headers: { 'x-api-token': 'secret' } })).statusCode, 200)
    deps.state.token = ''
    t.equal((await app.inject({ method: method as 'GET', url })).statusCode, 200, 'token removal applies live')
  })
}

t.test('dashboard routes answer 404 when disabled; /metrics stays on', async (t) => {
  const deps = makeDeps()
  deps.state.enabled = false
  const app = await makeApp(t, deps)
  for (const [method, url] of [['GET', '/stats/dashboard'], ['GET', '/stats/dashboard/assets/app.js'], ['GET', '/stats/dashboard/data'],
    ['GET', '/stats/dashboard/resolutions'], ['POST', '/stats/dashboard/resolutions/purge'], ['GET', '/stats/dashboard/ws']]) {
    t.equal((await app.inject({ method: method as 'GET', url })).statusCode, 404, url)
  }
  const m = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(m.statusCode, 200)
  t.match(m.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(m.body, /# TYPE dnsplane_queries_total counter/)
})

t.test('/metrics reflects the stats counters', async (t) => {
  const deps = makeDeps()
  deps.stats.record({ at: 0, qname: 'a.example', qtype: 'A', outcome: 'upstream', rcode: 'NOERROR', duration_ms: 1 })
  const app = await makeApp(t, deps)
  const body = (await app.inject({ method: 'GET', url: '/metrics' })).body
  t.match(body, /^dnsplane_queries_forwarded_total 1$/m)
})

t.test('websocket: subscribe and receive a frame', async (t) => {
  const deps = makeDeps()
  const { base } = await listen(t, deps)
  const ws = client(t, base)
  await opened(ws)
  const first = nextMessage(ws)
  ws.send(JSON.stringify({ op: 'sub', stats: true, resolutions: true, perf: false }))
  const msg = await first
  t.equal(msg.v, 1)
  t.same(Object.keys(msg.dashboard).sort(), [...ORIGINAL_DATA_KEYS].sort())
  t.same(Object.keys(msg.resolutions).sort(), ['cap', 'count', 'resolutions'])
  const again = nextMessage(ws)
  deps.stats.record({ at: 0, qname: 'b.example', qtype: 'AAAA', outcome: 'local', rcode: 'NOERROR', duration_ms: 1 })
  const update = await again
  t.equal(update.resolutions.count, 1, 'a change is pushed')
})

t.test('websocket: resolutions-only subscription leaves dashboard out', async (t) => {
  const { base } = await listen(t, makeDeps())
  const ws = client(t, base)
  await opened(ws)
  const first = nextMessage(ws)
  ws.send(JSON.stringify({ op: 'sub', stats: false, resolutions: true, perf: false }))
  const msg = await first
  t.notOk('dashboard' in msg)
  t.ok('resolutions' in msg)
})

t.test('websocket: a foreign Origin is refused', async (t) => {
  const { base } = await listen(t, makeDeps())
  const ws = client(t, base, { origin: 'http://evil.example' })
  await t.rejects(opened(ws), /403/)
})

t.test('websocket: a same-host Origin is accepted', async (t) => {
  const { base } = await listen(t, makeDeps())
  const host = new URL(base.replace('ws:', 'http:')).host
  const ws = client(t, base, { origin: `http://${host}` })
  await opened(ws)
  t.pass('opened')
})

t.test('websocket: clients beyond the cap are refused with 503', async (t) => {
  const { base } = await listen(t, makeDeps({ maxWsClients: 1 }))
  const a = client(t, base)
  await opened(a)
  const b = client(t, base)
  await t.rejects(opened(b), /503/)
})

t.test('websocket: unauthenticated upgrades do not lock out an authenticated client', async (t) => {
  const deps = makeDeps({ maxWsClients: 1, maxWsPendingClients: 2 })
  deps.state.token = 'secret'
  const { base } = await listen(t, deps)
  // Six upgrades without a token that never send one: two get the unauthenticated budget, the rest 503.
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => opened(client(t, base))))
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 2)
  t.ok(results.every((r) => r.status === 'fulfilled' || /503/.test(String(r.reason))))
  const ok = client(t, `${base}?access_token=secret`)
  await opened(ok)
  const m = nextMessage(ok)
  ok.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false }))
  t.equal((await m).v, 1, 'the authenticated client is served')
})

t.test('websocket: token from the query string, constant-time checked', async (t) => {
  const deps = makeDeps()
  deps.state.token = 'secret'
  const { base } = await listen(t, deps)
  await t.rejects(opened(client(t, `${base}?access_token=wrong`)), /401/)
  const ok = client(t, `${base}?access_token=secret`)
  await opened(ok)
  const m = nextMessage(ok)
  ok.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false }))
  t.equal((await m).v, 1)
  const ok2 = client(t, `${base}?token=secret`)
  await opened(ok2)
})

t.test('websocket: without a query token the first message must carry it', async (t) => {
  const deps = makeDeps()
  deps.state.token = 'secret'
  const { base } = await listen(t, deps)
  const bad = client(t, base)
  await opened(bad)
  const code = closed(bad)
  bad.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false }))
  t.equal(await code, 1008)
  const good = client(t, base)
  await opened(good)
  const m = nextMessage(good)
  good.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false, token: 'secret' }))
  t.equal((await m).v, 1)
})

t.test('works when the app registered @fastify/websocket itself', async (t) => {
  const { base } = await listen(t, makeDeps(), { preWs: true })
  const ws = client(t, base)
  await opened(ws)
  const m = nextMessage(ws)
  ws.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false }))
  t.equal((await m).v, 1)
})

t.test('the viewer token reads data and the session, and cannot purge (403)', async (t) => {
  const deps = makeDeps({ getViewerToken: () => 'look' })
  deps.state.token = 'secret'
  const app = await makeApp(t, deps)
  const viewer = { authorization: 'Bearer look' }
  for (const url of ['/stats/dashboard/data', '/stats/dashboard/resolutions', '/metrics']) {
    t.equal((await app.inject({ method: 'GET', url, headers: viewer })).statusCode, 200, url)
  }
  t.same((await app.inject({ method: 'GET', url: '/stats/dashboard/session', headers: viewer })).json(), { access: 'viewer' })
  t.same((await app.inject({ method: 'GET', url: '/stats/dashboard/session', headers: { authorization: 'Bearer secret' } })).json(), { access: 'admin' })
  t.equal((await app.inject({ method: 'GET', url: '/stats/dashboard/session' })).statusCode, 401)
  deps.stats.record({ at: 0, qname: 'a.example', qtype: 'A', outcome: 'cache', rcode: 'NOERROR', duration_ms: 1 })
  const purge = await app.inject({ method: 'POST', url: '/stats/dashboard/resolutions/purge', headers: viewer })
  t.equal(purge.statusCode, 403)
  t.same(purge.json(), { error: 'the viewer token is read-only' })
  t.equal(deps.stats.resolutions().count, 1, 'nothing was purged')
})

t.test('websocket: the viewer token opens the live feed', async (t) => {
  const deps = makeDeps({ getViewerToken: () => 'look' })
  deps.state.token = 'secret'
  const { base } = await listen(t, deps)
  const ws = client(t, `${base}?access_token=look`)
  await opened(ws)
  const m = nextMessage(ws)
  ws.send(JSON.stringify({ op: 'sub', stats: true, resolutions: false, perf: false }))
  t.equal((await m).v, 1)
  await t.rejects(opened(client(t, `${base}?access_token=nope`)), /401/)
})
