import t from 'tap'
import { mkdtemp, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiBindFor, isLoopbackHost } from '../../src/daemon/api-bind.js'
import { startTestNode } from '../helpers/daemon.js'

const base = { api_bind: '', api_auth_token: '', api_allow_unauthenticated_remote: false }

t.test('loopback addresses', async (t) => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::ffff:127.0.0.1', 'localhost']) t.ok(isLoopbackHost(h), h)
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.0.2.1', '::2', 'example.com', '128.0.0.1']) t.notOk(isLoopbackHost(h), h)
})

t.test('empty api_bind: all interfaces with a token, loopback (with a warning) without', async (t) => {
  t.same(apiBindFor({ ...base, api_auth_token: 'secret-token' }), { host: '0.0.0.0' })
  const r = apiBindFor(base)
  t.equal(r.host, '127.0.0.1')
  t.match(r.warning, /127\.0\.0\.1 only/)
})

t.test('a non-loopback api_bind without a token is refused unless opted in', async (t) => {
  for (const api_bind of ['0.0.0.0', '::', '192.0.2.1']) {
    t.throws(() => apiBindFor({ ...base, api_bind }), { code: 'ERR_CONFIG_INVALID', message: /api_auth_token.*api_allow_unauthenticated_remote/ }, api_bind)
  }
  const r = apiBindFor({ ...base, api_bind: '0.0.0.0', api_allow_unauthenticated_remote: true })
  t.equal(r.host, '0.0.0.0')
  t.match(r.warning, /without api_auth_token/)
  t.same(apiBindFor({ ...base, api_bind: '0.0.0.0', api_auth_token: 'secret-token' }), { host: '0.0.0.0' })
  t.same(apiBindFor({ ...base, api_bind: '127.0.0.1' }), { host: '127.0.0.1' })
  t.throws(() => apiBindFor({ ...base, api_bind: '0.0.0.0', api_auth_token: '   ' }), { code: 'ERR_CONFIG_INVALID' }, 'a blank token is no token')
})

t.test('a daemon with "api_bind": "0.0.0.0" and no token does not start', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dnsplane-it-'))
  await t.rejects(startTestNode({ api_bind: '0.0.0.0' }, { dir }), { code: 'ERR_CONFIG_INVALID', message: /api_bind "0\.0\.0\.0"/ })
  await t.rejects(stat(join(dir, 'dnsrecords.json')), { code: 'ENOENT' }, 'refused before any file was created')
})

t.test('with api_allow_unauthenticated_remote it starts and says so', async (t) => {
  const node = await startTestNode({ api_bind: '0.0.0.0', api_allow_unauthenticated_remote: true })
  t.teardown(() => node.daemon.stop())
  t.equal(node.daemon.apiAddress()?.address, '0.0.0.0')
  t.ok(node.logLines.some((l) => l.includes('"level":40') && l.includes('without api_auth_token')), 'a warning is logged')
})

t.test('clearing the token of an API on a non-loopback address is not silent', async (t) => {
  const node = await startTestNode({ api_bind: '0.0.0.0', api_auth_token: 'secret-token-1234' })
  t.teardown(() => node.daemon.stop())
  const res = await fetch(`http://127.0.0.1:${node.apiPort}/api/v1/config/set`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer secret-token-1234' },
    body: JSON.stringify({ key: 'api_auth_token', value: '' }),
  })
  t.equal(res.status, 200)
  t.ok(node.logLines.some((l) => l.includes('"level":40') && l.includes('api_auth_token was cleared')), 'a warning is logged')
})
