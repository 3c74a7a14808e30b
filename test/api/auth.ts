import t from 'tap'
import { accessLevelOf, isReadOnlyMethod, isTokenAccepted, presentedToken, tokensMatch, WWW_AUTHENTICATE } from '../../src/api/auth.js'
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

t.test('accessLevelOf: admin, viewer or none; no token configured means admin for everyone', async (t) => {
  t.equal(accessLevelOf(undefined, '', 'view'), 'admin', 'no admin token: no auth at all')
  t.equal(accessLevelOf('adm', ' adm ', 'view'), 'admin')
  t.equal(accessLevelOf('view', 'adm', ' view '), 'viewer')
  t.equal(accessLevelOf('other', 'adm', 'view'), 'none')
  t.equal(accessLevelOf(undefined, 'adm', 'view'), 'none')
  t.equal(accessLevelOf('', 'adm', ''), 'none', 'an empty viewer token matches nothing')
  t.ok(isReadOnlyMethod('GET') && isReadOnlyMethod('HEAD'))
  t.notOk(isReadOnlyMethod('POST') || isReadOnlyMethod('PUT') || isReadOnlyMethod('DELETE') || isReadOnlyMethod('PATCH'))
})

t.test('the viewer token reads everything and is refused with 403 on every write', async (t) => {
  const viewer = { authorization: 'Bearer look-only' }
  const { deps } = makeDeps({ getViewerToken: () => 'look-only' }, { token: 's3cret' })
  const app = buildApi(deps, { requireAuth: true })
  t.teardown(() => app.close())
  for (const url of ['/dns/records', '/stats', '/api/v1/status']) {
    t.equal((await call(app, 'GET', url, undefined, viewer)).status, 200, `GET ${url}`)
  }
  t.equal((await call(app, 'HEAD', '/dns/records', undefined, viewer)).status, 200, 'HEAD')
  const add = await call(app, 'POST', '/dns/records', { name: 'a.example.', type: 'A', value: '192.0.2.1' }, viewer)
  t.equal(add.status, 403)
  t.same(add.json, { error: 'the viewer token is read-only' })
  t.equal(deps.records.list().length, 0, 'the write did not run')
  for (const method of ['PUT', 'DELETE']) {
    t.equal((await call(app, method, '/dns/records', { name: 'a.example.', type: 'A', value: '192.0.2.1' }, viewer)).status, 403, method)
  }
  const v1 = await call(app, 'POST', '/api/v1/records/flush', undefined, viewer)
  t.equal(v1.status, 403)
  t.same(v1.json, { error: { code: 'ERR_FORBIDDEN', message: 'the viewer token is read-only' } })
  t.equal((await call(app, 'POST', '/dns/records', { name: 'a.example.', type: 'A', value: '192.0.2.1' }, { authorization: 'Bearer s3cret' })).status, 201, 'the admin token still writes')
  t.equal((await call(app, 'GET', '/dns/records', undefined, { authorization: 'Bearer wrong' })).status, 401, 'a wrong token is still 401')
})
