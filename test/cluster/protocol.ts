import t from 'tap'
import { parseMessage } from '../../src/cluster/messages.js'
import { step, type ConnState } from '../../src/cluster/protocol.js'
import type { TokenCheck } from '../../src/cluster/tokens.js'

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

t.test('invalid frame after auth gets an error reply naming the problem and keeps the connection', async (t) => {
  const out = step('ready', p('{"type":"records_full","node_id":"a","seq":-1}'), ctx())
  t.equal(out.state, 'ready')
  t.equal(out.replies[0].type, 'error')
  t.match((out.replies[0] as { message: string }).message, /seq/)
})
