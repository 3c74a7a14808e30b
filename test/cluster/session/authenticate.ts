import t from 'tap'
import { newNonce } from '../../../src/cluster/session/auth-challenge.js'
import { authenticateClient } from '../../../src/cluster/session/authenticate.js'
import { createChallenge, verifyClientResponse, type ClientMode } from '../../../src/cluster/session/handshake.js'
import { CAP_CHALLENGE, type AuthResponseMessage, type Message, type ParseResult } from '../../../src/cluster/wire/messages.js'

const TOKEN = 'shared-token-long-enough-1234'
const counting = (start: number) => (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) % 256))
const ok = (message: Message): ParseResult => ({ ok: true, message })

/** Frame I/O whose answers come from `answer(sent)`, recording what the client sent. */
function io(answer: (sent: Message) => ParseResult) {
  const sent: Message[] = []
  let last: Message | undefined
  return {
    sent,
    io: {
      send: async (m: Message) => {
        sent.push(m)
        last = m
      },
      next: async () => answer(last as Message),
    },
  }
}

const start = (mode: ClientMode) => ({ mode, token: TOKEN, nodeId: 'node-c', caps: [CAP_CHALLENGE], clockMs: 5, clientNonce: newNonce(counting(0)) })

t.test('a Go-like refusal of the challenge request is a value (legacy_peer), not an exception', async (t) => {
  for (const refusal of [ok({ type: 'auth_fail', message: 'unauthorized' }), ok({ type: 'error', message: 'auth required' })]) {
    const x = io(() => refusal)
    t.same(await authenticateClient(x.io, start('challenge')), { kind: 'legacy_peer' })
    t.same(x.sent.map((m) => m.type === 'auth' && m.token), [''], 'the token was not sent')
  }
})

t.test('the plain exchange authenticates with what the peer announced, and a refusal throws ERR_AUTH_FAILED', async (t) => {
  const good = io(() => ok({ type: 'auth_ok', node_id: 'node-s', caps: ['record_lww/1'] }))
  t.same(await authenticateClient(good.io, start('plain')), { kind: 'authenticated', peer: { node_id: 'node-s', caps: ['record_lww/1'], clock_unix_ms: undefined } })
  t.same(good.sent.map((m) => m.type === 'auth' && m.token), [TOKEN])
  const refused = io(() => ok({ type: 'auth_fail', message: 'unauthorized' }))
  await t.rejects(authenticateClient(refused.io, start('plain')), { code: 'ERR_AUTH_FAILED' }, 'plain mode never yields legacy_peer')
})

t.test('the challenge exchange runs to auth_ok with a valid server proof', async (t) => {
  let pending: ReturnType<typeof createChallenge>['pending'] | undefined
  const x = io((sent) => {
    if (sent.type === 'auth') {
      const c = createChallenge(sent, { token: TOKEN, serverNonce: newNonce(counting(100)), serverNodeId: 'node-s', caps: [CAP_CHALLENGE], clockMs: 7 })
      pending = c.pending
      return ok(c.message)
    }
    const verdict = verifyClientResponse(pending!, sent as AuthResponseMessage)
    return ok(verdict ? { type: 'auth_ok', node_id: 'node-s', proof: verdict.serverProof } : { type: 'auth_fail' })
  })
  const out = await authenticateClient(x.io, start('challenge'))
  t.same(out, { kind: 'authenticated', peer: { node_id: 'node-s', caps: [CAP_CHALLENGE], clock_unix_ms: 7 } })
  t.same(x.sent.map((m) => m.type), ['auth', 'auth_response'])
})

t.test('a server proof that does not check out throws ERR_AUTH_FAILED', async (t) => {
  const x = io((sent) => {
    if (sent.type === 'auth') {
      return ok(createChallenge(sent, { token: TOKEN, serverNonce: newNonce(counting(100)), serverNodeId: 'node-s', caps: [CAP_CHALLENGE], clockMs: 7 }).message)
    }
    return ok({ type: 'auth_ok', proof: 'A'.repeat(43) })
  })
  await t.rejects(authenticateClient(x.io, start('challenge')), { code: 'ERR_AUTH_FAILED' })
})
