import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, makeDeps } from '../../helpers/api-fakes.js'

t.test('GET /api/v1/status summarises the node', async (t) => {
  const { deps, knobs } = makeDeps()
  knobs.token = 'tok'
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'GET', '/api/v1/status')
  t.equal(res.status, 200)
  t.match(res.json, {
    version: '0.1.0',
    uptime_seconds: 100,
    ready: true,
    records: 0,
    records_unanswerable: 0,
    servers: 1,
    cache_entries: 1,
    listeners: { api_port: '8080' },
    cluster_enabled: true,
    cluster_node_id: 'node-a',
    api_auth: true,
  })
})

t.test('GET /api/v1/status reports cluster_enabled false without a cluster', async (t) => {
  const { deps } = makeDeps({ cluster: undefined })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'GET', '/api/v1/status')
  t.equal(res.json.cluster_enabled, false)
})

t.test('the status route counts unanswerable records with the counter it is handed (the one /metrics uses)', async (t) => {
  const { deps } = makeDeps()
  const { UnanswerableCounter } = await import('../../../src/store/unanswerable.js')
  const shared = new UnanswerableCounter()
  let counted = 0
  const count = shared.count.bind(shared)
  shared.count = (key, list) => {
    counted++
    return count(key, list)
  }
  const app = buildApi({ ...deps, unanswerable: shared }, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'GET', '/api/v1/status')
  t.equal(res.json.records_unanswerable, 0)
  t.equal(counted, 1, 'no second counter of its own')
})

t.test('GET /api/v1/status shows where the records journal stands (null for a store without one)', async (t) => {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  t.equal((await call(app, 'GET', '/api/v1/status')).json.records_flush, null, 'no journal')
  const state = { journaled: true, unflushed: true, next_flush_delay_ms: 20_000, last_flush_ms: 5_000 }
  const journaled = buildApi({ ...deps, records: Object.assign(Object.create(deps.records), { flushState: () => state }) }, { requireAuth: false })
  t.teardown(() => journaled.close())
  t.same((await call(journaled, 'GET', '/api/v1/status')).json.records_flush, state)
})
