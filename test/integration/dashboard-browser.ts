import t, { type Test } from 'tap'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { startTestNode, freePort, type TestNode, pairClusterConfig } from '../helpers/daemon.js'

// End to end: a real two-node cluster, the real dashboard page in headless Chromium.
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']
  .find((p): p is string => typeof p === 'string' && existsSync(p))
const SCREENSHOT = fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url))
const TOKEN = 'dashboard-browser-cluster-secret'
const WAIT = { timeout: 5000 }
// Probes run every 500 ms in tests; a dead peer must show within a few probe rounds.
const DOWN_WAIT = { timeout: 10_000 }

async function addRecord(node: TestNode, name: string, value: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, type: 'A', value, ttl: 300 }),
  })
  await res.arrayBuffer()
  return res.status
}

let launched: Promise<Browser> | undefined
t.teardown(async () => {
  await (await launched?.catch(() => undefined))?.close()
})

/**
 * A fresh browser context (its own cookies and storage, as a fresh profile) in the one headless
 * Chromium of this file, launched by the first subtest: each launch cost seconds of CPU on CI.
 * Collects console errors, page errors and failed loads.
 */
async function openBrowser(t: Test, allowStatus: (status: number, url: string) => boolean = () => false): Promise<{ page: Page; errors: string[] }> {
  launched ??= chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
    timeout: 15_000,
  })
  const browser: BrowserContext = await (await launched).newContext({ viewport: { width: 1280, height: 900 } })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  page.setDefaultTimeout(WAIT.timeout)
  const errors: string[] = []
  // Failed loads are judged by the response handler below, which names the URL.
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(`console: ${m.text()}`) })
  page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`))
  // Console lines for failed loads do not name the URL; record it here so a failure says which.
  page.on('response', (r) => { if (r.status() >= 400 && !allowStatus(r.status(), r.url())) errors.push(`http ${r.status()}: ${r.url()}`) })
  return { page, errors }
}

if (!CHROMIUM) {
  t.plan(0, 'no Chromium found (set CHROMIUM_PATH)')
} else {
  t.test('the cluster panel shows the peer reachable, then unreachable once it stops, without a reload', async (t) => {
    const portA = await freePort()
    const portB = await freePort()
    const cluster = (own: number, peer: number, id: string) => pairClusterConfig(own, peer, id, TOKEN, { stats_dashboard_enabled: true })
    const a: TestNode = await startTestNode(cluster(portA, portB, 'node-a'))
    t.teardown(() => a.daemon.stop())
    const b: TestNode = await startTestNode(cluster(portB, portA, 'node-b'))
    let bStopped = false
    t.teardown(() => (bStopped ? undefined : b.daemon.stop()))

    const { page, errors } = await openBrowser(t)
    await page.goto(`http://127.0.0.1:${a.apiPort}/stats/dashboard`, WAIT)
    await page.waitForFunction(() => document.getElementById('updates-mode')?.textContent === 'Updates: WS', null, WAIT)
    t.notOk(await page.locator('#login-form').isVisible(), 'no login asked when no API token is set')
    await page.click('button[data-view="cluster"]')

    const row = page.locator(`tr[data-peer="127.0.0.1:${portB}"]`)
    const reachable = row.locator('[data-field="reachable"]')
    await row.waitFor(WAIT)
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'yes',
      `tr[data-peer="127.0.0.1:${portB}"] [data-field="reachable"]`,
      WAIT,
    )
    t.equal(await reachable.textContent(), 'yes', 'node B is reachable from node A')
    t.match(await page.locator('#cluster-panel').textContent(), /node-a/, 'the panel names this node')

    // One write on each side, so the panel shows real syncs (and the screenshot is a realistic one).
    t.equal(await addRecord(a, 'web.example.com', '192.0.2.10'), 201)
    await page.waitForFunction(
      (sel) => { const v = document.querySelector(sel)?.textContent; return v !== undefined && v !== 'never' },
      `tr[data-peer="127.0.0.1:${portB}"] [data-field="last_sync"]`,
      WAIT,
    )
    await page.waitForFunction(
      (sel) => /records_full/.test(document.querySelector(sel)?.textContent ?? ''),
      `tr[data-peer="127.0.0.1:${portB}"] [data-field="mode"]`,
      WAIT,
    )
    t.pass('the peer row shows the sync mode (records_full under lww_per_node)')
    t.equal(await addRecord(b, 'mail.example.com', '192.0.2.20'), 201)
    await page.waitForFunction(() => /applied 1\b/.test(document.querySelector('#cluster-panel [data-field="snapshots"]')?.textContent ?? ''), null, WAIT)

    if (process.env.DNSPLANE_SCREENSHOT === '1' || !existsSync(SCREENSHOT)) {
      await page.screenshot({ path: SCREENSHOT, fullPage: true })
      t.ok(existsSync(SCREENSHOT), 'screenshot written to docs/dashboard.png')
    }

    await b.daemon.stop()
    bStopped = true
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent === 'no',
      `tr[data-peer="127.0.0.1:${portB}"] [data-field="reachable"]`,
      DOWN_WAIT,
    )
    t.equal(await reachable.textContent(), 'no', 'the stopped peer is shown unreachable by live updates')
    t.same(errors, [], 'no console errors and no uncaught page errors')
  })

  t.test('records: search, page, add, edit and delete with confirmation; the viewer token sees no write controls and gets 403', async (t) => {
    const ADMIN = 'records-admin-secret'
    const VIEWER = 'records-viewer-secret'
    const node: TestNode = await startTestNode({ stats_dashboard_enabled: true, api_auth_token: ADMIN, api_viewer_token: VIEWER })
    t.teardown(() => node.daemon.stop())
    const api = `http://127.0.0.1:${node.apiPort}`
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${api}/dns/records`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ name: `host${String(i).padStart(2, '0')}.example.com`, type: 'A', value: `192.0.2.${i + 1}`, ttl: 300 }),
      })
      await res.arrayBuffer()
      t.equal(res.status, 201)
    }
    const all = await (await fetch(`${api}/dns/records`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { records: unknown[] }
    const total = all.records.length // 30 plus whatever a fresh node starts with
    // The viewer's refused write is an expected 403; a 401 (no token yet) only asks for the login.
    const { page, errors } = await openBrowser(t, (status, url) => status === 401 || (status === 403 && url.endsWith('/dns/records')))
    await page.goto(`${api}/stats/dashboard#records`, WAIT)
    await page.locator('#login-form').waitFor({ state: 'visible', ...WAIT })
    await page.fill('#login-token', ADMIN)
    await page.click('#login-form button[type="submit"]')
    await page.waitForFunction((n) => document.getElementById('records-page')?.textContent === `1–25 of ${n}`, total, WAIT)
    t.equal(await page.locator('#records-body tr').count(), 25, 'the first page holds 25 records')
    t.equal(await page.locator('#records-status').textContent(), '', 'no stale error from before the login')
    await page.click('#records-next')
    await page.waitForFunction((n) => document.getElementById('records-page')?.textContent === `26–${n} of ${n}`, total, WAIT)
    t.equal(await page.locator('#records-body tr').count(), total - 25, 'the second page holds the rest')

    await page.fill('#record-name', 'new.example.com')
    await page.fill('#record-type', 'A')
    await page.fill('#record-value', '198.51.100.7')
    await page.fill('#record-ttl', '120')
    await page.click('#record-submit')
    await page.waitForFunction(() => /Added new.example.com A/.test(document.getElementById('records-status')?.textContent ?? ''), null, WAIT)
    await page.fill('#records-search', 'new.example')
    const row = page.locator('tr[data-record="new.example.com. A 198.51.100.7"], tr[data-record="new.example.com A 198.51.100.7"]')
    await page.waitForFunction(() => document.getElementById('records-page')?.textContent === '1–1 of 1', null, WAIT)
    await row.waitFor(WAIT)
    t.equal(await page.locator('#records-body tr').count(), 1, 'search narrows the list')
    t.equal(await row.locator('[data-field="ttl"]').textContent(), '120')

    await row.locator('button.edit').click()
    t.equal(await page.locator('#record-submit').textContent(), 'Save')
    await page.fill('#record-value', '198.51.100.8')
    await page.click('#record-submit')
    await page.waitForFunction(() => /198\.51\.100\.8/.test(document.getElementById('records-body')?.textContent ?? ''), null, WAIT)
    const listed = await (await fetch(`${api}/dns/records?name=new.example.com`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { records: Array<{ value: string }> }
    t.same(listed.records.map((r) => r.value), ['198.51.100.8'], 'edit replaced the value, it did not add a second record')

    await page.locator('#records-body tr button.delete').click()
    t.ok(await page.locator('#confirm-dialog').isVisible(), 'delete asks first')
    t.match(await page.locator('#confirm-text').textContent(), /new\.example\.com/)
    await page.click('#confirm-no')
    t.equal(await page.locator('#records-body tr').count(), 1, 'cancel keeps the record')
    await page.locator('#records-body tr button.delete').click()
    await page.click('#confirm-yes')
    await page.waitForFunction(() => document.getElementById('records-page')?.textContent === 'No records', null, WAIT)
    const after = await (await fetch(`${api}/dns/records?name=new.example.com`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { records: unknown }
    t.equal(after.records, null, 'the record is gone on the server')

    // The wall screen: the viewer token.
    await page.click('#logout')
    await page.fill('#login-token', VIEWER)
    await page.click('#login-form button[type="submit"]')
    await page.click('button[data-view="records"]')
    await page.fill('#records-search', '')
    await page.waitForFunction((n) => document.getElementById('records-page')?.textContent === `1–25 of ${n}`, total, WAIT)
    await page.locator('#records-readonly').waitFor({ state: 'visible', ...WAIT })
    t.notOk(await page.locator('#record-form').isVisible(), 'no add form for the viewer')
    t.equal(await page.locator('#records-body button').count(), 0, 'no edit or delete buttons for the viewer')
    t.notOk(await page.locator('#purge-log').isVisible(), 'no purge button for the viewer')
    const status = await page.evaluate(async (token) => (await fetch('/dns/records', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: 'sneaky.example.com', type: 'A', value: '192.0.2.99' }),
    })).status, VIEWER)
    t.equal(status, 403, 'a write with the viewer token is refused')
    await page.click('button[data-view="cluster"]')
    await page.waitForFunction(() => document.getElementById('updates-mode')?.textContent === 'Updates: WS', null, WAIT)
    t.pass('the viewer gets the live feed')
    t.same(errors, [], 'no console errors and no uncaught page errors')
  })

  t.test('three nodes: the header counts records and says in sync; a stopped peer loses its RTT at once', async (t) => {
    const ports = [await freePort(), await freePort(), await freePort()]
    const config = (i: number) => ({
      ...pairClusterConfig(ports[i], ports[(i + 1) % 3], `node-${'abc'[i]}`, TOKEN, { stats_dashboard_enabled: true }),
      cluster_peers: ports.filter((_, j) => j !== i).map((p) => `127.0.0.1:${p}`),
    })
    const nodes: TestNode[] = []
    const stopped = new Set<number>()
    for (let i = 0; i < 3; i++) {
      const n = await startTestNode(config(i))
      nodes.push(n)
      t.teardown(() => (stopped.has(i) ? undefined : n.daemon.stop()))
    }
    const { page, errors } = await openBrowser(t)
    await page.goto(`http://127.0.0.1:${nodes[0].apiPort}/stats/dashboard#cluster`, WAIT)
    const peerB = `tr[data-peer="127.0.0.1:${ports[1]}"]`
    const peerC = `tr[data-peer="127.0.0.1:${ports[2]}"]`
    for (const sel of [peerB, peerC]) {
      await page.waitForFunction((s) => document.querySelector(`${s} [data-field="reachable"]`)?.textContent === 'yes', sel, DOWN_WAIT)
    }
    const before = Number((await page.locator('[data-field="records"] .value').textContent())?.replace(/,/g, ''))
    t.equal(await addRecord(nodes[1], 'three.example.com', '192.0.2.33'), 201)
    await page.waitForFunction((n) => document.querySelector('[data-field="records"] .value')?.textContent === String(n), before + 1, DOWN_WAIT)
    t.pass('a write on node B shows in node A\'s record count')
    await page.waitForFunction(() => document.querySelector('[data-field="verdict"]')?.getAttribute('data-verdict') === 'in_sync', null, DOWN_WAIT)
    // a write on A delivers to B, so A has a last sync with B whatever the start-up rounds did
    t.equal(await addRecord(nodes[0], 'three-a.example.com', '192.0.2.34'), 201)
    const noLag = await page
      .waitForFunction((s) => document.querySelector(`${s} [data-field="lag"]`)?.textContent === 'none', peerB, DOWN_WAIT)
      .then(() => true, () => false)
    t.ok(noLag, `an in-sync peer shows no lag (lag cell: ${await page.locator(`${peerB} [data-field="lag"]`).textContent()})`)
    t.match(await page.locator('[data-field="node"] .value').textContent(), /node-a/)

    await nodes[2].daemon.stop()
    stopped.add(2)
    await page.waitForFunction((s) => document.querySelector(`${s} [data-field="reachable"]`)?.textContent === 'no', peerC, DOWN_WAIT)
    t.equal(await page.locator(`${peerC} [data-field="rtt"]`).textContent(), '—', 'no stale RTT for the stopped peer')
    t.same(errors, [], 'no console errors and no uncaught page errors')
  })
}
