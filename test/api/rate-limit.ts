import t from 'tap'
import { buildApi } from '../../src/api/server.js'
import { makeDeps } from '../helpers/api-fakes.js'

function api(now: { ms: number }, token = '') {
  const { deps } = makeDeps({}, { token })
  return buildApi(deps, { requireAuth: true, rateLimit: { rps: 0.5, burst: 2, now: () => now.ms, capacity: 4 } })
}

t.test('answers 429 with Retry-After above the burst, per client address', async (t) => {
  const now = { ms: 0 }
  const app = api(now)
  t.teardown(() => app.close())
  const get = (ip: string, url = '/version') => app.inject({ method: 'GET', url, remoteAddress: ip })
  t.equal((await get('127.0.0.2')).statusCode, 200)
  t.equal((await get('127.0.0.2')).statusCode, 200)
  const limited = await get('127.0.0.2')
  t.equal(limited.statusCode, 429)
  t.equal(limited.headers['retry-after'], '2', 'one token every 2 s')
  t.match(limited.json(), { error: /too many requests/ })
  const v1 = await get('127.0.0.2', '/api/v1/status')
  t.match(v1.json(), { error: { code: 'ERR_RATE_LIMITED' } }, 'the /api/v1 error shape')
  t.equal((await get('127.0.0.3')).statusCode, 200, 'another client is served')
  t.equal((await get('2001:db8::1')).statusCode, 200)
  now.ms = 2000
  t.equal((await get('127.0.0.2')).statusCode, 200, 'a token later')
})

t.test('is checked before the token: guessing tokens is limited too', async (t) => {
  const { deps } = makeDeps({}, { token: 'secret' })
  let limited = 0
  // the real clock: at 0.0001 rps no token comes back while the test runs
  const app = buildApi(deps, { requireAuth: true, rateLimit: { rps: 0.0001, burst: 2, onLimited: () => limited++ } })
  t.teardown(() => app.close())
  const statuses: number[] = []
  for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'GET', url: '/version', remoteAddress: '127.0.0.9', headers: { authorization: `Bearer guess${i}` } })).statusCode)
  t.same(statuses, [401, 401, 429, 429])
  t.equal(limited, 2, 'each 429 is reported')
})

t.test('without rateLimit nothing is limited', async (t) => {
  const { deps } = makeDeps()
  const app = buildApi(deps, { requireAuth: false })
  t.teardown(() => app.close())
  for (let i = 0; i < 30; i++) t.equal((await app.inject({ method: 'GET', url: '/version' })).statusCode, 200)
})
