import { createHash, createHmac } from 'node:crypto'
import t from 'tap'
import {
  clientProof,
  isNonce,
  MAX_AUTH_FIELD_CHARS,
  newNonce,
  NONCE_BYTES,
  NONCE_CHARS,
  PROOF_CHARS,
  serverProof,
  verifyProof,
} from '../../../src/cluster/session/auth-challenge.js'
import { isDnsplaneError } from '../../../src/errors.js'

/** Deterministic "random" source: bytes counting up from `start`. */
const counting = (start: number) => (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) % 256))

const cn = newNonce(counting(0))
const sn = newNonce(counting(100))
const base = ['shared-token', cn, sn, 'node-s', 'node-c'] as const

t.test('newNonce encodes NONCE_BYTES of the given randomness as unpadded base64url', async (t) => {
  let asked = 0
  const nonce = newNonce((n) => {
    asked = n
    return Buffer.alloc(n, 0xff)
  })
  t.equal(asked, NONCE_BYTES)
  t.equal(nonce.length, NONCE_CHARS)
  t.equal(nonce, Buffer.alloc(32, 0xff).toString('base64url'))
  t.match(nonce, /^[A-Za-z0-9_-]+$/)
  t.ok(isNonce(nonce))
  t.not(newNonce(counting(1)), newNonce(counting(2)), 'different randomness, different nonce')
})

t.test('newNonce refuses a random source that returns the wrong number of bytes', async (t) => {
  for (const bad of [Buffer.alloc(31), Buffer.alloc(33), Buffer.alloc(0)]) {
    t.throws(() => newNonce(() => bad), { code: 'ERR_INTERNAL' })
  }
})

t.test('isNonce accepts only 43 base64url characters', async (t) => {
  const cases: [unknown, boolean][] = [
    [cn, true],
    [cn.slice(1), false],
    [cn + 'A', false],
    [cn.slice(0, 42) + '=', false],
    [cn.slice(0, 42) + '+', false],
    ['', false],
    [undefined, false],
    [42, false],
    [Buffer.from(cn), false],
  ]
  for (const [x, want] of cases) t.equal(isNonce(x), want, String(x))
})

t.test('the proof is HMAC-SHA256 keyed by SHA-256 of the trimmed token over label and length-prefixed fields', async (t) => {
  // An independent computation of the documented construction, so the wire format cannot drift silently.
  const key = createHash('sha256').update('shared-token').digest()
  const field = (s: string) => {
    const b = Buffer.from(s)
    const len = Buffer.alloc(4)
    len.writeUInt32BE(b.length)
    return Buffer.concat([len, b])
  }
  const msg = (label: string) => Buffer.concat([Buffer.from(label), ...[cn, sn, 'node-s', 'node-c'].map(field)])
  t.equal(serverProof(...base), createHmac('sha256', key).update(msg('dnsplane cluster auth v2: server proof')).digest('base64url'))
  t.equal(clientProof(...base), createHmac('sha256', key).update(msg('dnsplane cluster auth v2: client proof')).digest('base64url'))
  t.equal(serverProof(...base).length, PROOF_CHARS)
})

t.test('proofs verify against the same inputs', async (t) => {
  t.ok(verifyProof(serverProof(...base), serverProof(...base)))
  t.ok(verifyProof(clientProof(...base), clientProof(...base)))
  t.ok(verifyProof(serverProof(...base), serverProof('  shared-token\n', cn, sn, 'node-s', 'node-c')), 'the token is trimmed')
})

t.test('a server proof replayed as a client proof fails, and the other way round', async (t) => {
  t.notOk(verifyProof(clientProof(...base), serverProof(...base)))
  t.notOk(verifyProof(serverProof(...base), clientProof(...base)))
})

t.test('proofs differ when any input differs', async (t) => {
  const variants: [string, Parameters<typeof serverProof>][] = [
    ['token', ['other-token', cn, sn, 'node-s', 'node-c']],
    ['client nonce', ['shared-token', newNonce(counting(7)), sn, 'node-s', 'node-c']],
    ['server nonce', ['shared-token', cn, newNonce(counting(8)), 'node-s', 'node-c']],
    ['server node id', ['shared-token', cn, sn, 'node-x', 'node-c']],
    ['client node id', ['shared-token', cn, sn, 'node-s', 'node-x']],
    ['swapped nonces', ['shared-token', sn, cn, 'node-s', 'node-c']],
    ['swapped node ids', ['shared-token', cn, sn, 'node-c', 'node-s']],
    // Without length prefixes these two would hash the same concatenation.
    ['a byte moved between node ids', ['shared-token', cn, sn, 'node-sn', 'ode-c']],
  ]
  for (const [name, args] of variants) {
    t.notOk(verifyProof(serverProof(...base), serverProof(...args)), `server proof: ${name}`)
    t.notOk(verifyProof(clientProof(...base), clientProof(...args)), `client proof: ${name}`)
  }
})

t.test('an empty or blank token refuses to produce a proof', async (t) => {
  for (const token of ['', '   ', '\n\t']) {
    for (const f of [serverProof, clientProof]) {
      let err: unknown
      try {
        f(token, cn, sn, 'node-s', 'node-c')
      } catch (e) {
        err = e
      }
      t.ok(isDnsplaneError(err, 'ERR_CLUSTER_NO_TOKEN'), `${f.name}(${JSON.stringify(token)})`)
    }
  }
})

t.test('verifyProof returns false, without throwing, for wrong types and lengths', async (t) => {
  const good = clientProof(...base)
  const cases: [string, unknown][] = [
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an object', { proof: good }],
    ['an array', [good]],
    ['a Buffer of the proof', Buffer.from(good)],
    ['an empty string', ''],
    ['one character short', good.slice(1)],
    ['one character long', good + 'A'],
    ['padded base64', good + '='],
    ['standard base64 of the same bytes', Buffer.from(good, 'base64url').toString('base64')],
    ['a huge string', 'A'.repeat(10_000_000)],
    ['just over MAX_AUTH_FIELD_CHARS', 'A'.repeat(MAX_AUTH_FIELD_CHARS + 1)],
  ]
  for (const [name, got] of cases) t.equal(verifyProof(good, got), false, name)
  t.equal(verifyProof('', ''), false, 'an empty expected proof never matches')
  t.equal(verifyProof(undefined as unknown as string, undefined), false, 'a missing expected proof never matches')
})
