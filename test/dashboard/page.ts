import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import Fastify from 'fastify'
import { chromium, type Browser, type Page } from 'playwright-core'
import { dashboardPlugin, type DashboardDeps } from '../../src/dashboard/routes.js'
import { Stats } from '../../src/stats/stats.js'
import { createMetrics } from '../../src/metrics/registry.js'
import type { ClusterStatus } from '../../src/cluster/control.js'

// Browser test of the page itself: skipped when no Chromium is installed.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => typeof p === 'string' && existsSync(p))
const WAIT = { timeout: 5000 }

if (!CHROMIUM) {
  t.skip('no Chromium found (set CHROMIUM_PATH)', () => {})
} else {
  let browser: Browser
  t.before(async () => { browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }) })
  t.teardown(async () => { await browser?.close() })

  async function serve(t: Test, opts: { token?: string; cluster?: ClusterStatus; maxWsClients?: number } = {}): Promise<{ url: string; stats: Stats }> {
    let now = Date.now()
    const stats = new Stats({ now: () => now })
    now += 100_000 // the server has been up 100 s
    const deps: DashboardDeps = {
      enabled: () => true,
      stats,
      metrics: createMetrics(),
      cluster: () => opts.cluster,
      recordCount: () => 42,
      status: () => ({
        ready: true, api_up: true, dns_up: true, tui: { connected: false, addr: '', since_rfc3339: '' },
        listeners: { dns_port: '53', api_port: '8080', api_enabled: true, client_socket: '', client_tcp: '' },
        features: [{ key: 'cluster', label: 'Cluster sync', value: 'On', variant: 'ok' }],
      }),
      cacheInfo: () => ({ entries_count: 3, compact_enabled: false, compact_interval_seconds: 0, next_compact_rfc3339: '', last_compact_rfc3339: '', last_compact_removed: 0 }),
      upstreamSummary: () => ({ checks_enabled: true, active: 2, configured_rows: 2, healthy: 2, unhealthy: 0 }),
      getApiToken: () => opts.token ?? '',
      syncIntervalSeconds: () => 30,
      build: { version: '9.9.9' },
      pushIntervalMs: 50,
      maxWsClients: opts.maxWsClients,
    }
    const app = Fastify()
    await app.register(dashboardPlugin(deps))
    await app.listen({ host: '127.0.0.1', port: 0 })
    t.teardown(() => app.close())
    const addr = app.server.address()
    if (addr === null || typeof addr === 'string') throw new Error('no address')
    return { url: `http://127.0.0.1:${addr.port}/stats/dashboard`, stats }
  }

  async function open(t: Test, url: string): Promise<{ page: Page; external: string[]; errors: string[] }> {
    const page = await browser.newPage()
    t.teardown(() => page.close())
    const external: string[] = []
    const errors: string[] = []
    page.on('request', (r) => { if (!r.url().startsWith('http://127.0.0.1') && !r.url().startsWith('ws://127.0.0.1')) external.push(r.url()) })
    page.on('pageerror', (e) => errors.push(String(e)))
    await page.goto(url)
    return { page, external, errors }
  }

  const syncedAgo = (s: number) => new Date(Date.now() + 100_000 - s * 1000).toISOString()

  const cluster: ClusterStatus = {
    enabled: true, node_id: 'node-a', listen_addr: ':7946', replica_only: true, cluster_admin: false, local_seq: 7,
    peers: [
      { address: '10.0.0.2:7946', reachable: true, last_probe_rtt_ms: 1.26, last_sync_ok: syncedAgo(5), replication_lag_seconds: 0 },
      { address: '10.0.0.3:7946', reachable: false, last_probe_error: 'connection refused' },
    ],
    sync_policy: 'global_lww', last_global_lww_unix: 1700000000, last_global_lww_node_id: 'node-b',
    cluster_discovery_srv: '_dnsplane._tcp.example', discovery_last_error: 'lookup failed',
    static_peer_count: 1, srv_peer_count: 1, effective_peer_count: 2,
    snapshots_applied: 4, snapshots_rejected: { duplicate: 2 },
  }

  t.test('shows live cluster state over WebSocket with a red never-synced peer', async (t) => {
    const { url } = await serve(t, { cluster })
    const { page, external, errors } = await open(t, url)
    await page.waitForFunction(() => document.getElementById('updates-mode')?.textContent === 'Updates: WS', null, WAIT)
    await page.click('button[data-view="cluster"]')
    const ok = page.locator('tr[data-peer="10.0.0.2:7946"]')
    const down = page.locator('tr[data-peer="10.0.0.3:7946"]')
    await ok.waitFor(WAIT)
    t.equal(await ok.locator('[data-field="reachable"]').textContent(), 'yes')
    t.equal(await ok.locator('[data-field="rtt"]').textContent(), '1.3')
    t.equal(await ok.getAttribute('data-stale'), 'no')
    t.equal(await down.locator('[data-field="reachable"]').textContent(), 'no')
    t.equal(await down.getAttribute('data-stale'), 'yes', 'never synced, 100 s after start with a 30 s interval')
    t.equal(await down.locator('[data-field="error"]').textContent(), 'connection refused')
    t.ok(await page.locator('#cluster-alert').isVisible(), 'red banner at the top')
    t.match(await page.locator('#cluster-panel').textContent(), /Global LWW winner node-b at 1700000000/)
    t.match(await page.locator('#cluster-panel').textContent(), /lookup failed/)
    t.match(await page.locator('#cluster-panel').textContent(), /Replica only/)
    t.equal(await page.locator('[data-field="verdict"]').getAttribute('data-verdict'), 'out_of_sync')
    t.equal(await down.locator('[data-field="rtt"]').textContent(), '—', 'no RTT for an unreachable peer')
    t.equal(await ok.locator('[data-field="lag"]').textContent(), 'none', 'a synced peer with nothing pending has no lag')
    await page.click('button[data-view="statistics"]')
    await page.locator('#chart .uplot').waitFor(WAIT)
    t.notOk(await page.locator('#chart-missing').isVisible(), 'the chart library loaded from the server')
    t.same(external, [], 'no request leaves the server')
    t.same(errors, [])
  })

  t.test('interval 0: in sync without lag, red once a peer is unreachable; cells never wrap inside words', async (t) => {
    const peer = { address: '127.0.0.2:7946', node_id: 'node-b-with-a-long-identifier', reachable: true, last_probe_rtt_ms: 0.8, last_sync_ok: syncedAgo(35),
      replication_lag_seconds: 0, sync_mode: 'records_full' as const, peer_seq: 12, records: 1234, digest_match: true }
    const c: ClusterStatus = { ...cluster, sync_interval_seconds: 0, discovery_last_error: undefined, cluster_discovery_srv: undefined, peers: [peer] }
    const opts = { cluster: c }
    const { url } = await serve(t, opts)
    const { page, errors } = await open(t, `${url}#cluster`)
    await page.setViewportSize({ width: 700, height: 800 })
    const row = page.locator('tr[data-peer="127.0.0.2:7946"]')
    await row.waitFor(WAIT)
    t.equal(await page.locator('[data-field="verdict"]').getAttribute('data-verdict'), 'in_sync')
    t.equal(await row.locator('[data-field="lag"]').textContent(), 'none', 'no "35s" lag for a peer that is in sync')
    t.equal(await row.locator('[data-field="last_sync"]').textContent(), '35s ago')
    t.equal(await row.locator('[data-field="records"]').textContent(), '1,234 ✓', 'the peer holds what we hold')
    const wrapped = await page.evaluate(() => [...document.querySelectorAll('#peer-table td:not(.wrap), #peer-table th')]
      .filter((td) => td.getClientRects().length > 0 && (td as HTMLElement).offsetHeight > 2 * parseFloat(getComputedStyle(td).lineHeight || '18'))
      .map((td) => td.textContent))
    t.same(wrapped, [], 'no cell wraps on a narrow window')
    await page.click('button[data-view="status"]')
    await page.locator('#status-core .tile').first().waitFor(WAIT)
    t.equal(await page.locator('#status-core .tile', { hasText: 'TUI client' }).count(), 0, 'the TUI client tile is gone')
    await page.click('button[data-view="cluster"]')
    opts.cluster = { ...c, peers: [{ ...peer, reachable: false, last_probe_error: 'connect ECONNREFUSED', last_probe_ok: syncedAgo(60) }] }
    await page.waitForFunction(() => document.querySelector('[data-field="verdict"]')?.getAttribute('data-verdict') === 'out_of_sync', null, WAIT)
    t.equal(await row.getAttribute('data-stale'), 'yes')
    t.ok(await page.locator('#cluster-alert').isVisible(), 'red banner with no periodic sync')
    t.equal(await row.locator('[data-field="rtt"]').textContent(), '—')
    t.same(errors, [])
  })

  t.test('says when the cluster is disabled', async (t) => {
    const { url } = await serve(t, { cluster: { ...cluster, enabled: false, peers: null } })
    const { page } = await open(t, `${url}#cluster`)
    await page.locator('#cluster-panel[data-state="disabled"]').waitFor(WAIT)
    t.equal((await page.locator('#cluster-panel').textContent())?.trim(), 'Cluster is disabled.')
    t.notOk(await page.locator('#cluster-alert').isVisible())
  })

  t.test('asks for the token, then shows the data', async (t) => {
    const { url } = await serve(t, { token: 's3cret', cluster })
    const { page } = await open(t, url)
    await page.locator('#login-form').waitFor({ state: 'visible', ...WAIT })
    await page.fill('#login-token', 's3cret')
    await page.click('#login-form button[type="submit"]')
    await page.waitForFunction(() => document.getElementById('updates-mode')?.textContent === 'Updates: WS', null, WAIT)
    t.notOk(await page.locator('#login-form').isVisible())
    await page.locator('#status-core .tile').first().waitFor(WAIT)
    t.equal(await page.evaluate(() => sessionStorage.getItem('dnsplane.apiToken')), 's3cret')
  })

  t.test('falls back to polling every 2 s when the socket is refused', async (t) => {
    const { url } = await serve(t, { cluster, maxWsClients: 0 })
    const { page } = await open(t, url)
    await page.waitForFunction(() => document.getElementById('updates-mode')?.textContent === 'Updates: 2s', null, WAIT)
    await page.locator('#status-core .tile').first().waitFor(WAIT)
    t.pass('data shown while polling')
  })

  t.test('log view lists resolutions newest first and filters on click', async (t) => {
    const { url, stats } = await serve(t, { cluster })
    stats.record({ at: Date.now(), client_ip: '192.0.2.1', qname: 'a.example', qtype: 'A', outcome: 'local', rcode: 'NOERROR', duration_ms: 1 })
    stats.record({ at: Date.now(), client_ip: '192.0.2.2', qname: 'b.example', qtype: 'AAAA', outcome: 'cache', rcode: 'NOERROR', duration_ms: 1 })
    const { page } = await open(t, `${url}#log`)
    await page.locator('#log-body tr').nth(1).waitFor(WAIT)
    t.equal(await page.locator('#log-body tr').first().locator('td').nth(2).textContent(), 'b.example')
    await page.locator('#log-body tr').first().locator('td').nth(3).click()
    await page.waitForFunction(() => document.querySelectorAll('#log-body tr').length === 1, null, WAIT)
    t.equal(await page.locator('#filter-chips [data-filter="type"]').count(), 1)
  })
}
