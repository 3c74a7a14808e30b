import t from 'tap'
import { clientProof, newNonce, serverProof } from '../../../src/cluster/session/auth-challenge.js'
import { CAP_CHALLENGE, parseMessage, type AuthMessage, type Message, type ParseResult } from '../../../src/cluster/wire/messages.js'
import {
  authRequestKind,
  clientStep,
  createChallenge,
  decidePlainFallback,
  hasChallengeCap,
  startClient,
  verifyClientResponse,
  type ClientState,
} from '../../../src/cluster/session/handshake.js'

const TOKEN = 'shared-token-long-enough-1234'
const counting = (start: number) => (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (start + i) % 256))
const cn = newNonce(counting(0))
const sn = newNonce(counting(100))
const ok = (message: Message): ParseResult => ({ ok: true, message })
const wire = (m: Message) => parseMessage(Buffer.from(JSON.stringify(m)))

function client(token = TOKEN) {
  return startClient({ mode: 'challenge', token, nodeId: 'node-c', caps: [CAP_CHALLENGE], clockMs: 5, clientNonce: cn })
}
function server(request: AuthMessage, token = TOKEN) {
  return createChallenge(request, { token, serverNonce: sn, serverNodeId: 'node-s', caps: [CAP_CHALLENGE], clockMs: 7 })
}

/** Runs both sides to the end; returns the client's last outcome and the frames in order. */
function run(clientToken: string, serverToken: string) {
  const c = client(clientToken)
  const frames: Message[] = [c.message]
  const s = server(c.message, serverToken)
  frames.push(s.message)
  const afterChallenge = clientStep(c.state, wire(s.message))
  if (afterChallenge.kind !== 'send') return { outcome: afterChallenge, frames }
  frames.push(afterChallenge.message)
  const verdict = verifyClientResponse(s.pending, afterChallenge.message as never)
  if (!verdict) return { outcome: undefined, frames }
  const authOk: Message = { type: 'auth_ok', node_id: 'node-s', proof: verdict.serverProof }
  frames.push(authOk)
  return { outcome: clientStep(afterChallenge.next, wire(authOk)), frames, verdict }
}

t.test('challenge/2 with the same token on both sides authenticates both ways', async (t) => {
  const { outcome, frames, verdict } = run(TOKEN, TOKEN)
  t.same(outcome, { kind: 'authenticated', peer: { node_id: 'node-s', caps: [CAP_CHALLENGE], clock_unix_ms: 7 } })
  t.same(verdict?.peer, { node_id: 'node-c', caps: [CAP_CHALLENGE], clock_unix_ms: 5 }, 'the server learns the announced client')
  t.same(frames.map((f) => f.type), ['auth', 'auth_challenge', 'auth_response', 'auth_ok'])
  t.equal((frames[0] as AuthMessage).token, '', 'the token is never on the wire')
  t.notOk(JSON.stringify(frames).includes(TOKEN))
})

t.test('the server answers first with a nonce only: nothing in its challenge depends on the token', async (t) => {
  const req = client().message
  const a = server(req, TOKEN).message
  const b = server(req, 'a-completely-different-token').message
  t.same(a, b, 'same challenge whatever the token')
  t.notOk('proof' in a)
})

t.test('the client proves first, over both nonces and both node ids, with its nonce in the response', async (t) => {
  const c = client()
  const out = clientStep(c.state, wire(server(c.message).message))
  t.equal(out.kind, 'send')
  if (out.kind !== 'send') return
  t.same(out.message, { type: 'auth_response', nonce: cn, proof: clientProof(TOKEN, cn, sn, 'node-s', 'node-c') })
  t.equal(out.next.state, 'awaiting_ok')
})

t.test('the server refuses a response with a wrong token, a missing nonce, a replayed proof or another nonce', async (t) => {
  const c = client()
  const s = server(c.message)
  const good = clientProof(TOKEN, cn, sn, 'node-s', 'node-c')
  const other = newNonce(counting(50))
  const cases: [string, { type: 'auth_response'; proof: string; nonce?: string }][] = [
    ['wrong token', { type: 'auth_response', nonce: cn, proof: clientProof('wrong-token-but-long-enough', cn, sn, 'node-s', 'node-c') }],
    ['no nonce (challenge/1 response)', { type: 'auth_response', proof: good }],
    ['nonce swapped after proving', { type: 'auth_response', nonce: other, proof: good }],
    ['server proof replayed as client proof', { type: 'auth_response', nonce: cn, proof: serverProof(TOKEN, cn, sn, 'node-s', 'node-c') }],
    ['proof for another client node id', { type: 'auth_response', nonce: cn, proof: clientProof(TOKEN, cn, sn, 'node-s', 'node-x') }],
    ['malformed nonce', { type: 'auth_response', nonce: 'abc', proof: good }],
  ]
  for (const [name, resp] of cases) t.equal(verifyClientResponse(s.pending, resp), undefined, name)
  t.ok(verifyClientResponse(s.pending, { type: 'auth_response', nonce: cn, proof: good }), 'the right one holds')
})

t.test('the client drops a server whose auth_ok proof is wrong or missing (it does not know the token)', async (t) => {
  const c = client()
  const out = clientStep(c.state, wire(server(c.message).message))
  if (out.kind !== 'send') return t.fail('expected a response')
  const next: ClientState = out.next
  for (const [name, authOk] of [
    ['no proof (a server that skipped the check)', { type: 'auth_ok' }],
    ['proof with another token', { type: 'auth_ok', proof: serverProof('another-token-long-enough', cn, sn, 'node-s', 'node-c') }],
    ['the client proof echoed', { type: 'auth_ok', proof: clientProof(TOKEN, cn, sn, 'node-s', 'node-c') }],
  ] as const) {
    t.match(clientStep(next, wire(authOk as Message)), { kind: 'failed', reason: 'bad_server_proof' }, name)
  }
  t.match(clientStep(next, ok({ type: 'auth_fail', message: 'unauthorized' })), { kind: 'failed', reason: 'refused' }, 'auth_fail after the proof')
})

t.test('a wrong client token ends at the server: no auth_ok, so the client learns nothing', async (t) => {
  const { outcome, frames } = run('wrong-token-but-long-enough', TOKEN)
  t.equal(outcome, undefined)
  t.same(frames.map((f) => f.type), ['auth', 'auth_challenge', 'auth_response'])
})

t.test('answers to the challenge request: Go-like refusals are legacy peers, a challenge/1 challenge is refused', async (t) => {
  const { state } = client()
  t.same(clientStep(state, ok({ type: 'auth_fail', message: 'unauthorized' })), { kind: 'legacy_peer' })
  t.same(clientStep(state, ok({ type: 'error', message: 'auth required' })), { kind: 'legacy_peer' })
  const v1 = { type: 'auth_challenge' as const, nonce: sn, proof: serverProof(TOKEN, cn, sn, 'node-s', 'node-c'), node_id: 'node-s', caps: ['challenge/1'], clock_unix_ms: 1 }
  t.match(clientStep(state, ok(v1)), { kind: 'failed', reason: 'bad_challenge' }, 'a challenge/1 server (proof first) is refused')
  t.match(clientStep(state, ok({ type: 'auth_challenge', nonce: 'short', node_id: 's', caps: [], clock_unix_ms: 0 })), { kind: 'failed', reason: 'bad_challenge' })
  t.match(clientStep(state, ok({ type: 'auth_ok' })), { kind: 'failed', reason: 'unexpected_reply' }, 'auth_ok without a challenge')
  t.match(clientStep(state, { ok: false, reason: 'invalid_json', error: 'x' }), { kind: 'failed' })
})

t.test('plain mode sends the token and accepts auth_ok (the original exchange)', async (t) => {
  const p = startClient({ mode: 'plain', token: TOKEN, nodeId: 'node-c', caps: [CAP_CHALLENGE], clockMs: 5, clientNonce: cn })
  t.same(p.message, { type: 'auth', token: TOKEN, node_id: 'node-c', caps: [CAP_CHALLENGE], clock_unix_ms: 5 })
  t.same(clientStep(p.state, ok({ type: 'auth_ok' })), { kind: 'authenticated', peer: { node_id: undefined, caps: undefined, clock_unix_ms: undefined } })
  t.match(clientStep(p.state, ok({ type: 'auth_fail', message: 'unauthorized' })), { kind: 'failed', reason: 'refused' })
})

t.test('the challenge request carries no nonce and no token', async (t) => {
  t.same(client().message, { type: 'auth', token: '', node_id: 'node-c', caps: [CAP_CHALLENGE], clock_unix_ms: 5 })
})

t.test('plain fallback: only when allowed and the peer never announced challenge auth', async (t) => {
  t.same(decidePlainFallback(true, false), { allowed: true })
  t.same(decidePlainFallback(false, false), { allowed: false, reason: 'plain_token_disabled' })
  t.same(decidePlainFallback(true, true), { allowed: false, reason: 'challenge_peer' })
  t.same(decidePlainFallback(false, true), { allowed: false, reason: 'plain_token_disabled' })
})

t.test('authRequestKind tells plain, challenge/2 and challenge/1 requests apart', async (t) => {
  const cases: [AuthMessage, string][] = [
    [{ type: 'auth', token: 't' }, 'plain'],
    [{ type: 'auth', token: 't', caps: [CAP_CHALLENGE] }, 'plain'],
    [{ type: 'auth', token: '' }, 'plain'],
    [{ type: 'auth', token: '', caps: [CAP_CHALLENGE] }, 'challenge'],
    [{ type: 'auth', token: '', caps: ['challenge/1', CAP_CHALLENGE], nonce: cn }, 'challenge'],
    [{ type: 'auth', token: '', caps: ['challenge/1'], nonce: cn }, 'challenge_v1'],
  ]
  for (const [msg, want] of cases) t.equal(authRequestKind(msg), want, JSON.stringify(msg))
})

t.test('hasChallengeCap: any challenge version counts', async (t) => {
  t.equal(hasChallengeCap(undefined), false)
  t.equal(hasChallengeCap([]), false)
  t.equal(hasChallengeCap(['record_lww/1']), false)
  t.equal(hasChallengeCap(['challenge/1']), true)
  t.equal(hasChallengeCap(['record_lww/1', 'challenge/2']), true)
})

t.test('the record count and digest of auth_ok reach the announcement in both flows (absent from Go peers)', async (t) => {
  const c = client()
  const out = clientStep(c.state, wire(server(c.message).message))
  if (out.kind !== 'send') return t.fail('expected a response')
  const proof = serverProof(TOKEN, cn, sn, 'node-s', 'node-c')
  t.match(clientStep(out.next, wire({ type: 'auth_ok', proof, records: 3, records_digest: 'ab' })), { kind: 'authenticated', peer: { node_id: 'node-s', records: 3, records_digest: 'ab' } })
  const plain = startClient({ mode: 'plain', token: TOKEN, nodeId: 'node-c', caps: [], clockMs: 5, clientNonce: cn })
  t.same(clientStep(plain.state, wire({ type: 'auth_ok', records: 0, records_digest: 'cd' })), { kind: 'authenticated', peer: { records: 0, records_digest: 'cd' } })
  t.same(clientStep(plain.state, wire({ type: 'auth_ok' })), { kind: 'authenticated', peer: {} }, 'a Go auth_ok announces nothing')
})
