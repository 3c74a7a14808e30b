import t from 'tap'
import { buildApi } from '../../../src/api/server.js'
import { DnsplaneError } from '../../../src/errors.js'
import { call, fakeClusterStatus, makeDeps } from '../../helpers/api-fakes.js'

function setup() {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  return { app, cluster: deps.cluster! }
}

t.test('GET /api/v1/cluster answers the health summary and the full status', async (t) => {
  const { app, cluster } = setup()
  const res = await call(app, 'GET', '/api/v1/cluster')
  t.equal(res.status, 200)
  t.same(res.json.peers, [
    { address: '10.0.0.2:7946', reachable: true, rtt_ms: 1.5, last_sync_ok: '2030-01-01T00:00:00Z', last_error: null },
    { address: '10.0.0.3:7946', reachable: false, rtt_ms: null, last_sync_ok: null, last_error: 'connection refused' },
  ])
  t.equal(res.json.node_id, 'node-a')
  t.equal(res.json.healthy, false, 'an unreachable peer makes the cluster unhealthy')
  t.same(res.json.status, cluster.statusValue)
})

t.test('GET /api/v1/cluster prefers the manager healthy flag and is healthy without peers', async (t) => {
  const { app, cluster } = setup()
  cluster.statusValue = fakeClusterStatus({ peers: null })
  t.equal((await call(app, 'GET', '/api/v1/cluster')).json.healthy, true)
  cluster.statusValue = fakeClusterStatus({ healthy: true })
  t.equal((await call(app, 'GET', '/api/v1/cluster')).json.healthy, true)
})

t.test('POST /api/v1/cluster/pull answers one result per peer', async (t) => {
  const { app } = setup()
  const res = await call(app, 'POST', '/api/v1/cluster/pull')
  t.same(res.json, { status: 'cluster: pull triggered', results: [{ address: '10.0.0.2:7946', ok: true }] })
})

t.test('GET /api/v1/cluster/join answers the join info', async (t) => {
  const { app } = setup()
  const res = await call(app, 'GET', '/api/v1/cluster/join')
  t.match(res.json, { node_id: 'node-a', dial_address: '192.0.2.1:7946' })
})

t.test('peer management calls the control with the address and role', async (t) => {
  const { app, cluster } = setup()
  const add = await call(app, 'POST', '/api/v1/cluster/peers', { address: '10.0.0.4:7946', role: 'readonly' })
  t.equal(add.status, 201)
  t.same(add.json, { status: 'cluster: peer added and persisted', messages: ['peer added'] })
  const del = await call(app, 'DELETE', `/api/v1/cluster/peers/${encodeURIComponent('[2001:db8::4]:7946')}`)
  t.equal(del.status, 200)
  const role = await call(app, 'POST', '/api/v1/cluster/peers/role', { address: '10.0.0.4:7946', role: 'full' })
  t.equal(role.status, 200)
  const pr = await call(app, 'POST', '/api/v1/cluster/push/records', { address: 'node-b.example:7946' })
  t.same(pr.json, { status: 'cluster: push records sent' })
  const pc = await call(app, 'POST', '/api/v1/cluster/push/config', { address: 'node-b.example:7946' })
  t.same(pc.json, { status: 'cluster: config pushed to peer' })
  t.same(cluster.calls, [
    { op: 'addPeer', address: '10.0.0.4:7946', role: 'readonly' },
    { op: 'removePeer', address: '[2001:db8::4]:7946' },
    { op: 'setPeerRole', address: '10.0.0.4:7946', role: 'full' },
    { op: 'pushRecords', address: 'node-b.example:7946' },
    { op: 'pushConfig', address: 'node-b.example:7946' },
  ])
})

const bad: Array<[string, string, unknown, string[]]> = [
  ['an address without port', '/api/v1/cluster/peers', { address: '10.0.0.4' }, ['body/address must be host:port']],
  ['an unknown role', '/api/v1/cluster/peers/role', { address: '10.0.0.4:7946', role: 'admin' }, ['body/role must be one of full, readonly']],
  ['a missing address', '/api/v1/cluster/push/records', {}, ['body/address is required']],
]
for (const [what, url, body, messages] of bad) {
  t.test(`answers 400 for ${what}`, async (t) => {
    const { app, cluster } = setup()
    const res = await call(app, 'POST', url, body)
    t.equal(res.status, 400)
    t.same(res.json.error.messages, messages)
    t.equal(cluster.calls.length, 0)
  })
}

t.test('maps control errors to their statuses', async (t) => {
  const { app, cluster } = setup()
  const notFound = await call(app, 'DELETE', '/api/v1/cluster/peers/10.9.9.9:7946')
  t.equal(notFound.status, 404)
  t.same(notFound.json, { error: { code: 'ERR_NOT_FOUND', message: 'peer not found in cluster_peers' } })
  cluster.failWith = new DnsplaneError('ERR_PEER_UNREACHABLE', 'dial 10.0.0.4:7946: connection refused')
  const unreachable = await call(app, 'POST', '/api/v1/cluster/push/records', { address: '10.0.0.4:7946' })
  t.equal(unreachable.status, 502)
  cluster.failWith = new DnsplaneError('ERR_CLUSTER_REPLICA_ONLY', 'replica-only nodes do not push')
  t.equal((await call(app, 'POST', '/api/v1/cluster/push/records', { address: '10.0.0.4:7946' })).status, 409)
})

t.test('every cluster endpoint answers 409 ERR_CLUSTER_DISABLED without a cluster', async (t) => {
  const { deps } = makeDeps({ cluster: undefined })
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  const endpoints: Array<[string, string, unknown?]> = [
    ['GET', '/api/v1/cluster'],
    ['POST', '/api/v1/cluster/pull'],
    ['GET', '/api/v1/cluster/join'],
    ['POST', '/api/v1/cluster/peers', { address: '10.0.0.4:7946' }],
    ['DELETE', '/api/v1/cluster/peers/10.0.0.4%3A7946'],
    ['POST', '/api/v1/cluster/peers/role', { address: '10.0.0.4:7946', role: 'full' }],
    ['POST', '/api/v1/cluster/push/records', { address: '10.0.0.4:7946' }],
    ['POST', '/api/v1/cluster/push/config', { address: '10.0.0.4:7946' }],
  ]
  for (const [method, url, body] of endpoints) {
    const res = await call(app, method, url, body)
    t.equal(res.status, 409, `${method} ${url}`)
    t.same(res.json, { error: { code: 'ERR_CLUSTER_DISABLED', message: 'cluster is not enabled' } })
  }
})
