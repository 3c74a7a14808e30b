import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, makeDeps } from '../../helpers/api-fakes.js'

t.test('POST /api/v1/tools/dig runs the query (type defaults to A) and answers the rows', async (t) => {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'POST', '/api/v1/tools/dig', { name: 'example.com' })
  t.equal(res.status, 200)
  t.same(res.json.query, { name: 'example.com', type: 'A' })
  t.match(res.json.results, [{ server: '1.1.1.1:53', status: 'OK', answers: ['example.com. 60 IN A 192.0.2.1'] }])
  await call(app, 'POST', '/api/v1/tools/dig', { name: 'example.com', type: 'mx', server: '9.9.9.9', port: 5353 })
  t.same(deps.tools?.queries[1], { name: 'example.com', type: 'MX', server: '9.9.9.9', port: 5353 })
})

t.test('POST /api/v1/tools/dig answers 400 for a bad port or unknown type', async (t) => {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const port = await call(app, 'POST', '/api/v1/tools/dig', { name: 'example.com', port: 0 })
  t.equal(port.status, 400)
  t.same(port.json.error.messages, ['body/port must be >= 1'])
  const type = await call(app, 'POST', '/api/v1/tools/dig', { name: 'example.com', type: 'NOPE' })
  t.equal(type.status, 400)
  t.equal(deps.tools?.queries.length, 0)
})

t.test('POST /api/v1/tools/dig answers 404 without tools', async (t) => {
  const { deps } = makeDeps({ tools: undefined })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'POST', '/api/v1/tools/dig', { name: 'example.com' })
  t.equal(res.status, 404)
  t.equal(res.json.error.code, 'ERR_NOT_FOUND')
})
