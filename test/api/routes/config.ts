import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, makeDeps } from '../../helpers/api-fakes.js'

function setup(withConfig = true) {
  const { deps } = makeDeps(withConfig ? {} : { config: undefined })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, deps }
}

t.test('GET /api/v1/config answers the redacted settings and the path', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/api/v1/config')
  t.equal(res.status, 200)
  t.same(res.json, { path: '/etc/dnsplane.json', config: { dns_port: 53, api_auth_token: '(set)' } })
})

t.test('POST /api/v1/config/set answers the SetResult', async (t) => {
  const { app } = setup()
  for (const value of ['5353', 5353]) {
    const res = await call(app, 'POST', '/api/v1/config/set', { key: 'dns_port', value })
    t.equal(res.status, 200)
    t.same(res.json, { key: 'dns_port', value: 5353, restart_required: true })
  }
})

t.test('POST /api/v1/config/set passes an array as JSON text', async (t) => {
  const { app, deps } = setup()
  const res = await call(app, 'POST', '/api/v1/config/set', { key: 'cluster_peers', value: ['10.0.0.2:7946'] })
  t.equal(res.status, 200)
  t.same(deps.config?.values.cluster_peers, ['10.0.0.2:7946'])
})

t.test('POST /api/v1/config/set answers 400 ERR_CONFIG_INVALID naming the key', async (t) => {
  const { app } = setup()
  const res = await call(app, 'POST', '/api/v1/config/set', { key: 'dns_port', value: 'abc' })
  t.equal(res.status, 400)
  t.same(res.json, { error: { code: 'ERR_CONFIG_INVALID', message: 'dns_port: must be 1-65535, got abc' } })
})

t.test('POST /api/v1/config/set answers 400 naming the missing field', async (t) => {
  const { app } = setup()
  const res = await call(app, 'POST', '/api/v1/config/set', { key: 'dns_port' })
  t.equal(res.status, 400)
  t.equal(res.json.error.code, 'ERR_BAD_REQUEST')
  t.same(res.json.error.messages, ['body/value is required'])
})

t.test('POST /api/v1/config/save and /load call the control', async (t) => {
  const { app, deps } = setup()
  t.same((await call(app, 'POST', '/api/v1/config/save')).json, { status: 'config saved' })
  t.same((await call(app, 'POST', '/api/v1/config/load')).json, { status: 'config loaded' })
  t.equal(deps.config?.saved, 1)
  t.equal(deps.config?.loaded, 1)
})

t.test('config endpoints answer 404 ERR_NOT_FOUND without a config control', async (t) => {
  const { app } = setup(false)
  for (const [method, url, body] of [['GET', '/api/v1/config'], ['POST', '/api/v1/config/set', { key: 'a', value: 'b' }], ['POST', '/api/v1/config/save'], ['POST', '/api/v1/config/load']] as const) {
    const res = await call(app, method, url, body)
    t.equal(res.status, 404, url)
    t.equal(res.json.error.code, 'ERR_NOT_FOUND', url)
  }
})
