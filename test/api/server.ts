import pino from 'pino'
import t from 'tap'
import { API_PLUGIN_TIMEOUT_MS, buildApi, DEFAULT_BODY_LIMIT_BYTES, redactUrl, type ApiPlugin } from '../../src/api/server.js'
import { call, FakeRecordStore, makeDeps } from '../helpers/api-fakes.js'

function setup(opts: { token?: string; bodyLimit?: number; plugins?: ApiPlugin[] } = {}) {
  const lines: string[] = []
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) })
  const { deps, knobs } = makeDeps({ log }, { token: opts.token ?? '' })
  const app = buildApi(deps, { requireAuth: true, bodyLimit: opts.bodyLimit, plugins: opts.plugins })
  t.teardown(() => app.close())
  return { app, deps, knobs, lines }
}

t.test('JSON answers end with a newline, errors and 404s included', async (t) => {
  const { app } = setup()
  for (const [method, url] of [['GET', '/version'], ['GET', '/nowhere'], ['GET', '/api/v1/nowhere'], ['GET', '/dns/records?type=X']]) {
    const res = await call(app, method, url)
    t.ok(res.text.endsWith('\n'), `${method} ${url}`)
    t.match(String(res.headers['content-type']), /^application\/json/)
  }
})

t.test('an unknown route answers 404 in the shape of its path', async (t) => {
  const { app } = setup()
  t.same((await call(app, 'GET', '/nowhere')).json, { error: 'no route for GET /nowhere' })
  t.same((await call(app, 'GET', '/api/v1/nowhere')).json, { error: { code: 'ERR_NOT_FOUND', message: 'no route for GET /api/v1/nowhere' } })
})

t.test('a body over the default 1 MiB cap answers 413 and writes nothing', async (t) => {
  const { app, deps } = setup()
  const payload = JSON.stringify({ name: 'a', type: 'TXT', value: 'x'.repeat(DEFAULT_BODY_LIMIT_BYTES) })
  const res = await call(app, 'POST', '/dns/records', payload, { 'content-type': 'application/json' })
  t.equal(res.status, 413)
  t.match(res.json, { error: String })
  t.equal(deps.records.list().length, 0)
})

t.test('the body cap is configurable and inclusive', async (t) => {
  const { app } = setup({ bodyLimit: 100 })
  const body = (n: number) => JSON.stringify({ name: 'a', type: 'A', value: '192.0.2.1', pad: 'x'.repeat(n) })
  const base = body(0).length
  const atLimit = await call(app, 'POST', '/dns/records', body(100 - base), { 'content-type': 'application/json' })
  t.equal(atLimit.status, 201, 'exactly bodyLimit bytes is accepted')
  const over = await call(app, 'POST', '/dns/records', body(101 - base), { 'content-type': 'application/json' })
  t.equal(over.status, 413, 'bodyLimit + 1 is refused')
})

t.test('parses a JSON body whatever the Content-Type (curl -d sends form encoding)', async (t) => {
  const { app, deps } = setup()
  const payload = '{"name":"form.example","type":"A","value":"192.0.2.8"}'
  for (const ct of ['application/x-www-form-urlencoded', 'text/plain', 'application/json; charset=utf-8']) {
    const res = await call(app, 'POST', '/dns/records', payload, { 'content-type': ct })
    t.equal(res.status, 201, ct)
  }
  t.equal(deps.records.list().length, 1)
})

t.test('refuses a body with __proto__ as invalid input', async (t) => {
  const { app } = setup()
  const res = await call(app, 'POST', '/dns/records', '{"name":"a","type":"A","value":"192.0.2.1","__proto__":{"x":1}}', {
    'content-type': 'application/json',
  })
  t.equal(res.status, 400)
  t.same(res.json, { error: 'invalid input' })
})

t.test('an unexpected error answers 500 internal error without detail and is logged', async (t) => {
  const store = new FakeRecordStore()
  store.list = () => {
    throw new Error('disk on fire at /var/secret')
  }
  const lines: string[] = []
  const { deps } = makeDeps({ records: store, log: pino({ level: 'info' }, { write: (s: string) => void lines.push(s) }) })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const res = await call(app, 'GET', '/dns/records')
  t.equal(res.status, 500)
  t.same(res.json, { error: 'internal error' })
  t.notMatch(res.text, /secret|at /)
  t.ok(lines.some((l) => l.includes('api request failed') && l.includes('disk on fire')))
  const v1 = await call(app, 'GET', '/api/v1/status')
  t.same(v1.json, { error: { code: 'ERR_INTERNAL', message: 'internal error' } })
})

t.test('logs one line per request without tokens (reads at debug, writes at info)', async (t) => {
  const { app, lines } = setup({ token: 'sup3rs3cret' })
  await call(app, 'GET', '/dns/records?access_token=sup3rs3cret', undefined, { authorization: 'Bearer sup3rs3cret' })
  await call(app, 'POST', '/dns/records', { name: 'a', type: 'A', value: '192.0.2.1' }, { 'x-api-token': 'sup3rs3cret' })
  await call(app, 'GET', '/dns/records', undefined, { authorization: 'Bearer wrong' })
  const reqLines = lines.filter((l) => l.includes('"api request"')).map((l) => JSON.parse(l))
  t.match(reqLines, [
    { level: 20, method: 'GET', status: 200, url: '/dns/records?access_token=[redacted]' },
    { level: 30, method: 'POST', status: 201 },
    { level: 30, method: 'GET', status: 401 },
  ])
  t.notMatch(lines.join(''), /sup3rs3cret/)
})

t.test('redactUrl hides token query values', async (t) => {
  t.equal(redactUrl('/stats/dashboard/ws?access_token=abc&x=1'), '/stats/dashboard/ws?access_token=[redacted]&x=1')
  t.equal(redactUrl('/a?x=1&token=abc'), '/a?x=1&token=[redacted]')
  t.equal(redactUrl('/dns/records?name=token'), '/dns/records?name=token')
})

t.test('plugins share auth, the serializer and errors; routes marked public skip auth', async (t) => {
  const plugin: ApiPlugin = async (app) => {
    app.get('/stats/dashboard', { config: { public: true } }, async () => ({ page: 'public' }))
    app.get('/stats/dashboard/data', async () => ({ data: 1 }))
    app.get('/stats/dashboard/boom', async () => {
      throw new Error('boom')
    })
  }
  const { app } = setup({ token: 'tok', plugins: [plugin] })
  const open = await call(app, 'GET', '/stats/dashboard')
  t.equal(open.status, 200)
  t.equal(open.text, '{"page":"public"}\n')
  t.equal((await call(app, 'GET', '/stats/dashboard/data')).status, 401)
  t.equal((await call(app, 'GET', '/stats/dashboard/data', undefined, { authorization: 'Bearer tok' })).status, 200)
  const boom = await call(app, 'GET', '/stats/dashboard/boom', undefined, { authorization: 'Bearer tok' })
  t.equal(boom.status, 500)
  t.same(boom.json, { error: 'internal error' })
})

t.test('serves HTTPS when given a key and certificate', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const https = await import('node:https')
  const dir = new URL('./tls/', import.meta.url)
  const tls = { key: await readFile(new URL('key.pem', dir)), cert: await readFile(new URL('cert.pem', dir)) }
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false, https: tls })
  t.teardown(() => app.close())
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const body = await new Promise<string>((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: '/version', rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => resolve(text))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
  t.match(JSON.parse(body), { version: '0.1.0' })
})

t.test('a plugin may take minutes to start (a loaded start-up must not time the node out)', async (t) => {
  const app = buildApi(makeDeps().deps, { requireAuth: false })
  t.teardown(() => app.close())
  t.equal(app.initialConfig.pluginTimeout, API_PLUGIN_TIMEOUT_MS)
  t.ok(API_PLUGIN_TIMEOUT_MS >= 60_000)
})
