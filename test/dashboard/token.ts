import t from 'tap'
import { accessOf, headerToken, isSameOrigin, queryToken, tokenMatches, MAX_TOKEN_BYTES } from '../../src/dashboard/token.js'

const matchCases: [string, string | undefined, boolean][] = [
  ['', undefined, true],
  ['  ', 'anything', true],
  ['secret', 'secret', true],
  [' secret ', 'secret', true],
  ['secret', 'secre', false],
  ['secret', 'secret2', false],
  ['secret', '', false],
  ['secret', undefined, false],
  ['secret', 'x'.repeat(MAX_TOKEN_BYTES + 1), false],
]
for (const [configured, given, want] of matchCases) {
  t.test(`tokenMatches(${JSON.stringify(configured)}, ${JSON.stringify(given?.slice(0, 10))}) is ${want}`, async (t) => {
    t.equal(tokenMatches(configured, given), want)
  })
}

const originCases: [string | undefined, string | undefined, boolean][] = [
  [undefined, '127.0.0.1:8080', true],
  ['http://127.0.0.1:8080', '127.0.0.1:8080', true],
  ['http://DNS.example:8080', 'dns.example:8080', true],
  ['http://dns.example', 'dns.example:80', true],
  ['https://dns.example', 'dns.example:443', true],
  ['http://evil.example:8080', '127.0.0.1:8080', false],
  ['http://127.0.0.1:9999', '127.0.0.1:8080', false],
  ['null', '127.0.0.1:8080', false],
  ['file://x', 'x', false],
  ['http://127.0.0.1:8080', undefined, false],
]
for (const [origin, host, want] of originCases) {
  t.test(`origin ${origin} with host ${host} is ${want ? 'allowed' : 'refused'}`, async (t) => {
    t.equal(isSameOrigin(origin, host), want)
  })
}

t.test('reads tokens from headers and query', async (t) => {
  t.equal(headerToken({ authorization: 'Bearer abc' }), 'abc')
  t.equal(headerToken({ authorization: 'BEARER  abc ' }), 'abc')
  t.equal(headerToken({ authorization: 'Basic abc' }), undefined)
  t.equal(headerToken({ 'x-api-token': 'xyz' }), 'xyz')
  t.equal(queryToken({ access_token: 'a', token: 'b' }), 'a')
  t.equal(queryToken({ token: 'b' }), 'b')
  t.equal(queryToken({ token: ['c', 'd'] }), 'c')
  t.equal(queryToken(null), undefined)
})

t.test('accessOf: admin, viewer or none', async (t) => {
  t.equal(accessOf('', 'look', undefined), 'admin', 'no admin token: everyone is admin')
  t.equal(accessOf('secret', 'look', 'secret'), 'admin')
  t.equal(accessOf('secret', 'look', 'look'), 'viewer')
  t.equal(accessOf('secret', '', ''), 'none', 'an empty viewer token matches nothing')
  t.equal(accessOf('secret', 'look', 'nope'), 'none')
})
