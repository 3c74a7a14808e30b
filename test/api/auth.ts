import t from 'tap'
import { isTokenAccepted, presentedToken, tokensMatch, WWW_AUTHENTICATE } from '../../src/api/auth.js'
import { buildApi } from '../../src/api/server.js'
import { call, makeDeps } from '../helpers/api-fakes.js'

t.test('presentedToken reads Bearer (any case) first, then X-API-Token', async (t) => {
  const cases: Array<[Record<string, string>, string | undefined]> = [
    [{ authorization: 'Bearer abc' }, 'abc'],
    [{ authorization: 'bearer abc ' }, 'abc'],
    [{ authorization: 'BEARER   abc' }, 'abc'],
    [{ authorization: 'Basic abc' }, undefined],
    [{ authorization: 'Bearer ' }, undefined],
    [{ 'x-api-token': ' xyz ' }, 'xyz'],
    [{ authorization: 'Bearer abc', 'x-api-token': 'xyz' }, 'abc'],
    [{ authorization: 'Basic abc', 'x-api-token': 'xyz' }, 'xyz'],
    [{}, undefined],
  ]
  for (const [headers, want] of cases) t.equal(presentedToken(headers), want, JSON.stringify(headers))
})

t.test('tokensMatch compares whole tokens', async (t) => {
  t.ok(tokensMatch('secret', 'secret'))
  t.notOk(tokensMatch('secret', 'secreT'))
  t.notOk(tokensMatch('secre', 'secret'))
  t.notOk(tokensMatch('x'.repeat(5000), 'x'.repeat(5000)), 'absurdly long tokens are refused')
})

t.test('isTokenAccepted accepts anything when the expected token is blank after trimming', async (t) => {
  t.ok(isTokenAccepted(undefined, '   '))
  t.ok(isTokenAccepted('tok', ' tok '))
  t.notOk(isTokenAccepted(undefined, 'tok'))
})

function setup(token: string, requireAuth = true) {
  const { deps, knobs } = makeDeps({}, { token })
  const app = buildApi(deps, { requireAuth })
  t.teardown(() => app.close())
  return { app, knobs }
}

t.test('with a token set, a request without credentials answers 401 and WWW-Authenticate', async (t) => {
  const { app } = setup('s3cret')
  for (const url of ['/dns/records', '/stats', '/version', '/no/such/route']) {
    const res = await call(app, 'GET', url)
    t.equal(res.status, 401, url)
    t.same(res.json, { error: 'unauthorized' }, url)
    t.equal(res.headers['www-authenticate'], WWW_AUTHENTICATE, url)
  }
  const v1 = await call(app, 'GET', '/api/v1/status')
  t.equal(v1.status, 401)
  t.same(v1.json, { error: { code: 'ERR_UNAUTHORIZED', message: 'unauthorized' } })
})

t.test('with a token set, writes without credentials are refused before they run', async (t) => {
  const { deps, knobs } = makeDeps({}, { token: 's3cret' })
  const app = buildApi(deps, { requireAuth: true })
  t.teardown(() => app.close())
  const res = await call(app, 'POST', '/dns/records', { name: 'a', type: 'A', value: '192.0.2.1' })
  t.equal(res.status, 401)
  t.equal(deps.records.list().length, 0)
  t.equal(knobs.token, 's3cret')
})

t.test('accepts the right token as Bearer (any scheme case) or X-API-Token', async (t) => {
  const { app } = setup('s3cret')
  for (const headers of [{ authorization: 'Bearer s3cret' }, { authorization: 'bearer s3cret' }, { 'x-api-token': 's3cret' }] as Array<Record<string, string>>) {
    const res = await call(app, 'GET', '/dns/records', undefined, headers)
    t.equal(res.status, 200, JSON.stringify(headers))
  }
})

t.test('refuses a wrong token', async (t) => {
  const { app } = setup('s3cret')
  for (const headers of [{ authorization: 'Bearer nope' }, { 'x-api-token': 's3cre' }, { authorization: 'Basic s3cret' }] as Array<Record<string, string>>) {
    t.equal((await call(app, 'GET', '/dns/records', undefined, headers)).status, 401, JSON.stringify(headers))
  }
})

t.test('GET and HEAD /health and /ready need no token', async (t) => {
  const { app } = setup('s3cret')
  for (const method of ['GET', 'HEAD']) {
    for (const url of ['/health', '/ready']) t.equal((await call(app, method, url)).status, 200, `${method} ${url}`)
  }
})

t.test('reads the token per request, so a change applies at once', async (t) => {
  const { app, knobs } = setup('')
  t.equal((await call(app, 'GET', '/dns/records')).status, 200)
  knobs.token = 'new'
  t.equal((await call(app, 'GET', '/dns/records')).status, 401)
  t.equal((await call(app, 'GET', '/dns/records', undefined, { authorization: 'Bearer new' })).status, 200)
  knobs.token = '  '
  t.equal((await call(app, 'GET', '/dns/records')).status, 200, 'a blank token means no auth')
})

t.test('requireAuth false (the Unix control socket) ignores the token', async (t) => {
  const { app } = setup('s3cret', false)
  t.equal((await call(app, 'GET', '/dns/records')).status, 200)
})
