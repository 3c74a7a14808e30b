import t from 'tap'
import { startTestNode, waitFor, freePort, type TestNode, pairClusterConfig } from '../helpers/daemon.js'
import { checkHealth } from '../../src/cli/commands/health.js'

const TOKEN = 'readiness-cluster-shared-secret'

async function ready(node: TestNode): Promise<{ status: number; body: { ready?: boolean; reasons?: string[] } }> {
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/ready`)
  return { status: res.status, body: (await res.json()) as { ready?: boolean; reasons?: string[] } }
}

const readyUrl = (node: TestNode) => `http://127.0.0.1:${node.apiPort}/ready`

const cluster = (own: number, peer: number, id: string, extra: Record<string, unknown> = {}) => pairClusterConfig(own, peer, id, TOKEN, extra)

t.test('a plain node is ready and `dnsplane health` says so', async (t) => {
  const node = await startTestNode()
  t.teardown(() => node.daemon.stop())
  const r = await ready(node)
  t.equal(r.status, 200)
  t.equal(r.body.ready, true)
  const health = await checkHealth({ url: readyUrl(node), timeoutMs: 2000 })
  t.equal(health.ok, true)
})

t.test('`dnsplane health` reports a node that does not answer as not ready', async (t) => {
  const port = await freePort()
  const health = await checkHealth({ url: `http://127.0.0.1:${port}/ready`, timeoutMs: 2000 })
  t.equal(health.ok, false)
  t.match(health.line, /^not ready: /)
})

t.test('with cluster_ready_requires_sync a node is not ready until it has synced with its peer', async (t) => {
  const portA = await freePort()
  const portB = await freePort()
  const a = await startTestNode(cluster(portA, portB, 'node-a', { cluster_ready_requires_sync: true, cluster_ready_sync_timeout_seconds: 0 }))
  t.teardown(() => a.daemon.stop())

  // The peer is down: not ready, with a reason, and the health command fails with that reason.
  const down = await ready(a)
  t.equal(down.status, 503)
  t.equal(down.body.ready, false)
  t.match(down.body.reasons, [/cluster_ready_requires_sync/])
  const healthDown = await checkHealth({ url: readyUrl(a), timeoutMs: 2000 })
  t.equal(healthDown.ok, false)
  t.match(healthDown.line, /HTTP 503: .*cluster_ready_requires_sync/)

  // A pull while the peer is still down does not make the node ready.
  const failedPull = await fetch(`http://127.0.0.1:${a.apiPort}/api/v1/cluster/pull`, { method: 'POST' })
  t.equal(failedPull.status, 200)
  t.match(await failedPull.json(), { results: [{ address: `127.0.0.1:${portB}`, ok: false }] })
  t.equal((await ready(a)).status, 503, 'still not ready after a failed pull')

  // The peer comes up and writes a record: its push (seq 1) is applied on A, which is A's first sync.
  // (A pull alone would not do here: a peer that never wrote sends seq 0, which the fresh-node guard
  // refuses while A holds records, and a refused snapshot is not a sync.)
  const b = await startTestNode(cluster(portB, portA, 'node-b'))
  t.teardown(() => b.daemon.stop())
  const write = await fetch(`http://127.0.0.1:${b.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'from-b.example.com', type: 'A', value: '192.0.2.66', ttl: 60 }),
  })
  t.equal(write.status, 201)
  const up = await waitFor(async () => {
    const r = await ready(a)
    return r.status === 200 ? r : undefined
  }, 5000)
  t.equal(up?.status, 200, '/ready is 200 after the first sync')
  t.same(up?.body.reasons ?? [], [])
  t.ok(a.daemon.records.list().some((r) => r.name === 'from-b.example.com'), "the peer's records were applied")
  const healthUp = await checkHealth({ url: readyUrl(a), timeoutMs: 2000 })
  t.equal(healthUp.ok, true)
  t.match(healthUp.line, /^ready: /)
  const pull = await fetch(`http://127.0.0.1:${a.apiPort}/api/v1/cluster/pull`, { method: 'POST' })
  t.match(await pull.json(), { results: [{ address: `127.0.0.1:${portB}`, ok: true }] }, 'a pull from the live peer succeeds')
  t.equal((await ready(a)).status, 200, 'and the node stays ready')
})

t.test('a restarted node that requires a sync becomes ready by pulling, with no write and no periodic pull', async (t) => {
  const portA = await freePort()
  const portB = await freePort()
  const b = await startTestNode(cluster(portB, portA, 'node-b'))
  t.teardown(() => b.daemon.stop())
  // B has written once, so its snapshot is not a fresh node's and A may apply it.
  const added = await fetch(`http://127.0.0.1:${b.apiPort}/dns/records`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'from-b.example.com', type: 'A', value: '192.0.2.8' }),
  })
  t.equal(added.status, 201)
  const a = await startTestNode(cluster(portA, portB, 'node-a', { cluster_ready_requires_sync: true, cluster_sync_interval_seconds: 0 }))
  t.teardown(() => a.daemon.stop())
  const ready = await waitFor(async () => (await fetch(`http://127.0.0.1:${a.apiPort}/ready`)).status === 200, 10000)
  t.ok(ready, 'ready after the start-up pull')
  t.ok(a.daemon.records.list().some((r) => r.name === 'from-b.example.com'), 'and it holds the peer records')
})

t.test('cold start with every peer down: the node becomes ready after cluster_ready_sync_timeout_seconds and says so', async (t) => {
  const [portA, portB] = [await freePort(), await freePort()]
  const a = await startTestNode(cluster(portA, portB, 'node-a', { cluster_ready_requires_sync: true, cluster_ready_sync_timeout_seconds: 1 }))
  t.teardown(() => a.daemon.stop())
  // The peer never comes up. Within a bounded wait the node must stop waiting for it.
  const up = await waitFor(async () => {
    const r = await fetch(readyUrl(a))
    return r.status === 200 ? ((await r.json()) as { reasons?: string[]; notes?: string[] }) : undefined
  }, 15000)
  t.ok(up, 'ready although no peer ever answered')
  t.same(up?.reasons, [])
  t.match(up?.notes, [/no peer synced within cluster_ready_sync_timeout_seconds \(1 s\)/], '/ready says why')
  const logged = await waitFor(() => a.logLines.some((l) => l.includes('ready without a first sync')), 10000)
  t.ok(logged, 'a log line says so')
  const health = await checkHealth({ url: readyUrl(a), timeoutMs: 2000 })
  t.equal(health.ok, true)
})
