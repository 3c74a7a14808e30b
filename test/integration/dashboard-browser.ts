import t from 'tap'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type BrowserContext } from 'playwright-core'
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

    const profile = await mkdtemp(join(tmpdir(), 'dnsplane-chromium-'))
    t.teardown(() => rm(profile, { recursive: true, force: true }))
    // A fresh, empty profile: playwright passes it as --user-data-dir.
    const browser: BrowserContext = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
      timeout: 15_000,
    })
    t.teardown(() => browser.close())
    const page = browser.pages()[0] ?? (await browser.newPage())
    page.setDefaultTimeout(WAIT.timeout)
    const errors: string[] = []
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`) })
    page.on('pageerror', (e) => errors.push(`pageerror: ${String(e)}`))
    // Console lines for failed loads do not name the URL; record it here so a failure says which.
    page.on('response', (r) => { if (r.status() >= 400) errors.push(`http ${r.status()}: ${r.url()}`) })

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
}
