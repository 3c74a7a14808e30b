import t from 'tap'
import { startTestNode, waitFor } from '../helpers/daemon.js'

async function queries(apiPort: number): Promise<number> {
  const body = (await (await fetch(`http://127.0.0.1:${apiPort}/stats`)).json()) as { session: { resolver: Record<string, number> } }
  return Object.values(body.session.resolver).reduce((a, b) => a + (typeof b === 'number' ? b : 0), 0)
}

t.test('with cache_warm_enabled the node asks its own listener (loopback, answered locally)', async (t) => {
  const node = await startTestNode({ cache_warm_enabled: true, cache_warm_interval_seconds: 1 })
  t.teardown(() => node.daemon.stop())
  t.ok(await waitFor(async () => (await queries(node.apiPort!)) > 0, 15_000), 'a warm query reached the listener')
})

t.test('with cache_warm_enabled false nothing is asked', async (t) => {
  const node = await startTestNode({ cache_warm_enabled: false, cache_warm_interval_seconds: 1 })
  t.teardown(() => node.daemon.stop())
  // Bounded wait: two intervals pass without a query.
  await new Promise((r) => setTimeout(r, 2500))
  t.equal(await queries(node.apiPort!), 0)
})
