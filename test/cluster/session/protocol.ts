import t from 'tap'
import { parseMessage } from '../../../src/cluster/wire/messages.js'
import { step, type ConnState } from '../../../src/cluster/session/protocol.js'
import type { TokenCheck } from '../../../src/cluster/session/tokens.js'

const ctx = (verdict: TokenCheck = 'ok') => ({ checkToken: () => verdict })
const p = (s: string) => parseMessage(Buffer.from(s))

const rows: { name: string; state: ConnState; frame: string; verdict?: TokenCheck; next: ConnState; replies: unknown[]; effects: string[] }[] = [
  { name: 'valid auth', state: 'awaiting_auth', frame: '{"type":"auth","token":"t"}', next: 'ready', replies: [{ type: 'auth_ok' }], effects: ['authenticated'] },
  { name: 'wrong token', state: 'awaiting_auth', frame: '{"type":"auth","token":"x"}', verdict: 'bad_token', next: 'closed', replies: [{ type: 'auth_fail', message: 'unauthorized' }], effects: ['auth_failed', 'close'] },
  { name: 'server token unset', state: 'awaiting_auth', frame: '{"type":"auth","token":""}', verdict: 'no_token', next: 'closed', replies: [{ type: 'auth_fail', message: 'unauthorized' }], effects: ['auth_failed', 'close'] },
  { name: 'ping before auth', state: 'awaiting_auth', frame: '{"type":"ping"}', next: 'closed', replies: [{ type: 'error', message: 'auth required' }], effects: ['auth_failed', 'close'] },
  { name: 'garbage before auth', state: 'awaiting_auth', frame: 'xx', next: 'closed', replies: [{ type: 'error', message: 'auth required' }], effects: ['auth_failed', 'close'] },
  { name: 'ping', state: 'ready', frame: '{"type":"ping"}', next: 'ready', replies: [{ type: 'pong' }], effects: [] },
  { name: 'pull', state: 'ready', frame: '{"type":"pull"}', next: 'ready', replies: [], effects: ['send_snapshot'] },
  { name: 'records_full is never answered', state: 'ready', frame: '{"type":"records_full","node_id":"a","seq":1,"records":null}', next: 'ready', replies: [], effects: ['apply_snapshot'] },
  { name: 'admin apply', state: 'ready', frame: '{"type":"admin_config_apply","admin_token":"a"}', next: 'ready', replies: [], effects: ['admin_apply'] },
  { name: 'dnssec keys pull (ours)', state: 'ready', frame: '{"type":"dnssec_keys_pull","zone":"example.com"}', next: 'ready', replies: [], effects: ['serve_keys'] },
  { name: 'dnssec keys pull before auth', state: 'awaiting_auth', frame: '{"type":"dnssec_keys_pull","zone":"example.com"}', next: 'closed', replies: [{ type: 'error', message: 'auth required' }], effects: ['auth_failed', 'close'] },
  { name: 'unknown type after auth', state: 'ready', frame: '{"type":"nope"}', next: 'ready', replies: [{ type: 'error', message: 'unknown message type "nope"' }], effects: ['invalid_frame'] },
  { name: 'server-only type from a client', state: 'ready', frame: '{"type":"pong"}', next: 'ready', replies: [{ type: 'error', message: 'unexpected message type "pong"' }], effects: ['invalid_frame'] },
  { name: 'second auth', state: 'ready', frame: '{"type":"auth","token":"t"}', next: 'ready', replies: [{ type: 'error', message: 'unexpected message type "auth"' }], effects: ['invalid_frame'] },
  { name: 'anything when closed', state: 'closed', frame: '{"type":"ping"}', next: 'closed', replies: [], effects: [] },
]

t.test('step table: (state, frame) -> next state, replies, effects', async (t) => {
  for (const r of rows) {
    const out = step(r.state, p(r.frame), ctx(r.verdict))
    t.equal(out.state, r.next, `${r.name}: state`)
    t.same(out.replies, r.replies, `${r.name}: replies`)
    t.same(out.effects.map((e) => e.kind), r.effects, `${r.name}: effects`)
  }
})

t.test('challenge/2: the server answers with its nonce only and proves itself in auth_ok after the client proved', async (t) => {
  const challenge = { type: 'auth_challenge' as const, nonce: 'sn', node_id: 'node-s', caps: ['challenge/2'], clock_unix_ms: 1 }
  let asked: unknown
  const c = {
    ...ctx(),
    challenge: () => challenge,
    verifyResponse: (r: { proof: string }) => {
      asked = r
      return r.proof === 'good' ? { peer: { node_id: 'node-c' }, serverProof: 'server-proof' } : undefined
    },
    authOk: (proof?: string) => ({ type: 'auth_ok' as const, node_id: 'node-s', proof }),
  }
  const first = step('awaiting_auth', p('{"type":"auth","token":"","node_id":"node-c","caps":["challenge/2"]}'), c)
  t.same([first.state, first.replies, first.effects], ['awaiting_proof', [challenge], []])
  const good = step('awaiting_proof', p('{"type":"auth_response","nonce":"cn","proof":"good"}'), c)
  t.same(asked, { type: 'auth_response', proof: 'good', nonce: 'cn' }, 'the whole response (with the client nonce) is checked')
  t.same([good.state, good.replies], ['ready', [{ type: 'auth_ok', node_id: 'node-s', proof: 'server-proof' }]])
  t.same(good.effects, [{ kind: 'authenticated', peer: { node_id: 'node-c' } }])
  const bad = step('awaiting_proof', p('{"type":"auth_response","nonce":"cn","proof":"bad"}'), c)
  t.same([bad.state, bad.replies], ['closed', [{ type: 'auth_fail', message: 'unauthorized' }]])
  t.same(bad.effects.map((e) => e.kind), ['auth_failed', 'close'])
  const other = step('awaiting_proof', p('{"type":"ping"}'), c)
  t.same([other.state, other.effects.map((e) => e.kind)], ['closed', ['auth_failed', 'close']])
})

t.test('a challenge/1 request (empty token + nonce, server proved first) is refused with auth_fail', async (t) => {
  let challenged = false
  const c = { ...ctx(), challenge: () => ((challenged = true), undefined) }
  const out = step('awaiting_auth', p('{"type":"auth","token":"","caps":["challenge/1"],"nonce":"AAAA"}'), c)
  t.same([out.state, out.replies], ['closed', [{ type: 'auth_fail', message: 'unauthorized' }]])
  t.same(out.effects, [{ kind: 'auth_failed', reason: 'challenge_v1_refused' }, { kind: 'close' }])
  t.notOk(challenged, 'no challenge is built for it')
})

t.test('invalid frame after auth gets an error reply naming the problem and keeps the connection', async (t) => {
  const out = step('ready', p('{"type":"records_full","node_id":"a","seq":-1}'), ctx())
  t.equal(out.state, 'ready')
  t.equal(out.replies[0].type, 'error')
  t.match((out.replies[0] as { message: string }).message, /seq/)
})
