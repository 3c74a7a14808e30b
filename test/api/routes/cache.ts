import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, makeDeps } from '../../helpers/api-fakes.js'

function setup() {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, deps }
}

t.test('GET /cache lists the rows under cache', async (t) => {
  const { app, deps } = setup()
  const res = await call(app, 'GET', '/cache')
  t.equal(res.status, 200)
  t.same(res.json, { cache: deps.cache.rows })
})

for (const [method, url] of [['DELETE', '/cache'], ['POST', '/cache/clear']] as const) {
  t.test(`${method} ${url} clears the cache`, async (t) => {
    const { app, deps } = setup()
    const res = await call(app, method, url)
    t.equal(res.status, 200)
    t.same(res.json, { status: 'cache cleared' })
    t.equal(deps.cache.cleared, 1)
  })
}

t.test('DELETE /api/v1/cache/entries removes one name (and type) and reports the count', async (t) => {
  const { app, deps } = setup()
  const res = await call(app, 'DELETE', '/api/v1/cache/entries?name=example.org&type=a')
  t.equal(res.status, 200)
  t.same(res.json, { removed: 1 })
  t.same(deps.cache.removed, [{ name: 'example.org', type: 'A' }])
})

t.test('DELETE /api/v1/cache/entries without name answers 400 in the v1 shape', async (t) => {
  const { app } = setup()
  const res = await call(app, 'DELETE', '/api/v1/cache/entries')
  t.equal(res.status, 400)
  t.same(res.json, { error: { code: 'ERR_BAD_REQUEST', message: 'querystring/name is required' } })
})
