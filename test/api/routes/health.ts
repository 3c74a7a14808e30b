import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, fakeReadiness, makeDeps } from '../../helpers/api-fakes.js'

function setup() {
  const { deps, knobs } = makeDeps()
  const app = buildApi(deps, { requireAuth: true })
  t.teardown(() => app.close())
  return { app, deps, knobs }
}

t.test('GET /health answers 200 with an empty body', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/health')
  t.equal(res.status, 200)
  t.equal(res.text, '')
})

t.test('GET /ready answers 200 with the readiness body and build info when ready', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/ready')
  t.equal(res.status, 200)
  t.match(res.json, { ready: true, api: true, dns: true, listeners: { dns_port: '53' }, build: { version: '0.1.0' } })
})

t.test('GET /ready answers 503 with the reasons when not ready', async (t) => {
  const { app, knobs } = setup()
  knobs.ready = fakeReadiness({ ready: false, dns: false, reasons: ['dns listener not bound'] })
  const res = await call(app, 'GET', '/ready')
  t.equal(res.status, 503)
  t.match(res.json, { ready: false, dns: false, reasons: ['dns listener not bound'] })
})

t.test('GET /version answers the original keys (go_version holds the Node.js version)', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/version')
  t.same(res.json, { version: '0.1.0', go_version: 'v20.0.0', node_version: 'v20.0.0', os: 'linux', arch: 'x64' })
})

t.test('GET /stats answers session, total and build', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/stats')
  t.equal(res.status, 200)
  t.same(Object.keys(res.json), ['session', 'total', 'build'])
  t.same(Object.keys(res.json.session.resolver), [
    'total_queries', 'total_cache_hits', 'total_blocks', 'total_queries_forwarded', 'total_queries_answered', 'server_start_time',
  ])
  t.equal(res.json.total.resolver.total_queries, 10)
})
