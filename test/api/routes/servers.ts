import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { call, makeDeps } from '../../helpers/api-fakes.js'

function setup() {
  const { deps, knobs } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, deps, knobs }
}

t.test('GET /dns/servers lists rows with the health check fields', async (t) => {
  const { app, deps } = setup()
  const res = await call(app, 'GET', '/dns/servers')
  t.equal(res.status, 200)
  t.same(res.json, {
    servers: deps.servers.rows,
    upstream_health_check_enabled: true,
    upstream_health_check_interval_seconds: 30,
    upstream_health_check_failures: 3,
    upstream_health: [{ address_port: '1.1.1.1:53', unhealthy: false, consecutive_failures: 0 }],
  })
  t.equal(res.json.servers[0].port, '53', 'port stays a string')
})

t.test('GET /dns/upstreams/health lists entries under upstreams with the query name', async (t) => {
  const { app, knobs } = setup()
  knobs.health = [{ address_port: '9.9.9.9:53', unhealthy: true, consecutive_failures: 4, last_probe_error: 'timeout' }]
  const res = await call(app, 'GET', '/dns/upstreams/health')
  t.same(res.json, {
    upstream_health_check_enabled: true,
    upstream_health_check_interval_seconds: 30,
    upstream_health_check_failures: 3,
    upstream_health_check_query_name: 'example.com',
    upstreams: knobs.health,
  })
})

t.test('POST /dns/servers adds a server (port as string or number) and answers 201', async (t) => {
  const { app, deps } = setup()
  for (const port of ['5353', 5353]) {
    const res = await call(app, 'POST', '/dns/servers', { address: '9.9.9.9', port, domain_whitelist: ['corp.example'] })
    t.equal(res.status, 201)
    t.same(res.json, { status: 'server added', messages: [] })
  }
  t.same(deps.servers.calls.map((c) => c.input?.port), ['5353', '5353'])
  t.same(deps.servers.calls[0].input?.domain_whitelist, ['corp.example'])
})

const bad: Array<[string, unknown, RegExp]> = [
  ['no address', { port: '53' }, /body\/address is required/],
  ['a port out of range', { address: '9.9.9.9', port: 70000 }, /body\/port must be a port number 1-65535/],
  ['a port that is not a number', { address: '9.9.9.9', port: 'dns' }, /body\/port must be a port number/],
  ['a non-boolean active', { address: '9.9.9.9', active: 'yes' }, /body\/active must be boolean/],
  ['a whitelist that is not an array', { address: '9.9.9.9', domain_whitelist: 'a.example' }, /body\/domain_whitelist must be array/],
]
for (const [what, body, message] of bad) {
  t.test(`POST /dns/servers answers 400 for ${what}`, async (t) => {
    const { app, deps } = setup()
    const res = await call(app, 'POST', '/dns/servers', body)
    t.equal(res.status, 400)
    t.equal(res.json.error, 'invalid arguments')
    t.match(res.json.messages.join(' '), message)
    t.equal(deps.servers.calls.length, 0)
  })
}

t.test('POST /dns/servers answers 400 when the server list rejects the address', async (t) => {
  const { app } = setup()
  const res = await call(app, 'POST', '/dns/servers', { address: 'not-an-ip' })
  t.equal(res.status, 400)
  t.same(res.json, { error: 'invalid arguments', messages: ['address not-an-ip is not an IP'] })
})

t.test('PUT /dns/servers/:address updates and resets an omitted port to 53', async (t) => {
  const { app, deps } = setup()
  deps.servers.rows[0].port = '5353'
  const res = await call(app, 'PUT', '/dns/servers/1.1.1.1', { active: true })
  t.equal(res.status, 200)
  t.same(res.json, { status: 'server updated' })
  t.same(deps.servers.calls[0], { op: 'update', address: '1.1.1.1', input: { address: '1.1.1.1', port: '53', active: true } })
})

t.test('PUT /dns/servers/:address answers 404 for an unknown server', async (t) => {
  const { app } = setup()
  const res = await call(app, 'PUT', '/dns/servers/8.8.8.8', {})
  t.equal(res.status, 404)
  t.same(res.json, { error: 'server 8.8.8.8 not found' })
})

t.test('DELETE /dns/servers/:address removes the server (IPv6 URL-encoded)', async (t) => {
  const { app, deps } = setup()
  deps.servers.rows.push({ ...deps.servers.rows[0], address: '2001:db8::53' })
  const res = await call(app, 'DELETE', `/dns/servers/${encodeURIComponent('2001:db8::53')}`)
  t.equal(res.status, 200)
  t.same(res.json, { status: 'server removed' })
  t.same(deps.servers.rows.map((r) => r.address), ['1.1.1.1'])
  const missing = await call(app, 'DELETE', '/dns/servers/8.8.8.8')
  t.equal(missing.status, 404)
})
