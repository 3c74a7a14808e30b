import t from 'tap'
import { get } from 'node:http'
import { cpuProfile, profileSeconds, startProfilingServer } from '../../src/profiling/server.js'

function fetchText(port: number, path: string, method = 'GET'): Promise<{ status: number; body: string; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, method }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: res.headers['content-type'] }))
      res.on('error', reject)
    })
    req.on('error', reject)
  })
}

t.test('profileSeconds: integers clamped to 1..60, default 10', async (t) => {
  t.equal(profileSeconds(null), 10)
  t.equal(profileSeconds('abc'), 10)
  t.equal(profileSeconds('0'), 1)
  t.equal(profileSeconds('-5'), 1)
  t.equal(profileSeconds('7'), 7)
  t.equal(profileSeconds('3600'), 60)
})

t.test('cpuProfile returns a V8 profile of the waited span', async (t) => {
  let waited = -1
  const profile = (await cpuProfile(2, async (ms) => void (waited = ms))) as { nodes: unknown[]; startTime: number; endTime: number }
  t.equal(waited, 2000)
  t.ok(Array.isArray(profile.nodes) && profile.nodes.length > 0)
  t.ok(profile.endTime >= profile.startTime)
})

t.test('the endpoint answers a CPU profile and a heap snapshot as valid JSON', async (t) => {
  const server = await startProfilingServer('127.0.0.1', 0)
  t.teardown(() => server.close())
  const { port } = server.address()

  const cpu = await fetchText(port, '/debug/cpu-profile?seconds=1')
  t.equal(cpu.status, 200)
  t.equal(cpu.type, 'application/json')
  const profile = JSON.parse(cpu.body) as { nodes: unknown[] }
  t.ok(profile.nodes.length > 0, 'a .cpuprofile has nodes')

  const heap = await fetchText(port, '/debug/heap-snapshot')
  t.equal(heap.status, 200)
  const snapshot = JSON.parse(heap.body) as { snapshot: { meta: unknown }; nodes: number[] }
  t.ok(snapshot.snapshot.meta, 'a .heapsnapshot has meta')
  t.ok(snapshot.nodes.length > 0)
})

t.test('unknown routes, other methods and a second profile at once are refused', async (t) => {
  const server = await startProfilingServer('127.0.0.1', 0)
  t.teardown(() => server.close())
  const { port } = server.address()
  t.equal((await fetchText(port, '/debug/pprof/')).status, 404)
  t.equal((await fetchText(port, '/debug/heap-snapshot', 'POST')).status, 405)
  const first = fetchText(port, '/debug/cpu-profile?seconds=1')
  // The first request is in flight once the server has it; poll until the second is refused (bounded).
  let second = { status: 0, body: '' }
  for (let i = 0; i < 50 && second.status !== 429; i++) second = await fetchText(port, '/debug/cpu-profile?seconds=1')
  t.equal(second.status, 429)
  t.match(JSON.parse(second.body), { error: /already/ })
  t.equal((await first).status, 200)
})

t.test('a taken port fails the start', async (t) => {
  const server = await startProfilingServer('127.0.0.1', 0)
  t.teardown(() => server.close())
  await t.rejects(startProfilingServer('127.0.0.1', server.address().port), { code: 'EADDRINUSE' })
})
