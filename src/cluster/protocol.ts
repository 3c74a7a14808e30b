/**
 * Server side of one peer connection as an explicit state machine (spec §2). Pure: the caller
 * decodes frames with parseMessage, feeds them to step(), writes the replies and performs the
 * effects. Replies that need I/O (a pull's snapshot, an admin apply's verdict) are effects.
 */
import type { AdminConfigApplyMessage, Message, ParseFailure, ParseResult, RecordsFullMessage } from './messages.js'
import type { TokenCheck } from './tokens.js'

export type ConnState = 'awaiting_auth' | 'ready' | 'closed'

export type Effect =
  | { kind: 'close' }
  | { kind: 'authenticated' }
  | { kind: 'auth_failed'; reason: 'auth_required' | Exclude<TokenCheck, 'ok'> }
  | { kind: 'send_snapshot' }
  | { kind: 'apply_snapshot'; message: RecordsFullMessage }
  | { kind: 'admin_apply'; message: AdminConfigApplyMessage }
  | { kind: 'invalid_frame'; reason: ParseFailure | 'unexpected_type' }

export interface StepContext {
  /** Token check against the current settings (constant time). */
  checkToken(token: string): TokenCheck
}

export interface StepOutcome {
  state: ConnState
  replies: Message[]
  effects: Effect[]
}

export const AUTH_REQUIRED = 'auth required'
export const UNAUTHORIZED = 'unauthorized'

/**
 * One transition. awaiting_auth: a valid `auth` with the right token -> auth_ok, ready; a wrong
 * or unset token -> auth_fail "unauthorized" and close; anything else -> error "auth required"
 * and close. ready: ping -> pong; pull -> send_snapshot; records_full -> apply (never a reply,
 * as the original); admin_config_apply -> admin_apply; any other or invalid frame -> an `error`
 * reply naming the problem (ours: the original stays silent; Go clients never read it, so it is
 * wire-safe) and the connection stays open. closed: everything is ignored.
 */
export function step(state: ConnState, input: ParseResult, ctx: StepContext): StepOutcome {
  if (state === 'closed') return { state, replies: [], effects: [] }
  if (state === 'awaiting_auth') {
    if (!input.ok || input.message.type !== 'auth') {
      return {
        state: 'closed',
        replies: [{ type: 'error', message: AUTH_REQUIRED }],
        effects: [{ kind: 'auth_failed', reason: 'auth_required' }, { kind: 'close' }],
      }
    }
    const verdict = ctx.checkToken(input.message.token)
    if (verdict !== 'ok') {
      return {
        state: 'closed',
        replies: [{ type: 'auth_fail', message: UNAUTHORIZED }],
        effects: [{ kind: 'auth_failed', reason: verdict }, { kind: 'close' }],
      }
    }
    return { state: 'ready', replies: [{ type: 'auth_ok' }], effects: [{ kind: 'authenticated' }] }
  }
  if (!input.ok) {
    return { state, replies: [{ type: 'error', message: input.error }], effects: [{ kind: 'invalid_frame', reason: input.reason }] }
  }
  const msg = input.message
  switch (msg.type) {
    case 'ping':
      return { state, replies: [{ type: 'pong' }], effects: [] }
    case 'pull':
      return { state, replies: [], effects: [{ kind: 'send_snapshot' }] }
    case 'records_full':
      return { state, replies: [], effects: [{ kind: 'apply_snapshot', message: msg }] }
    case 'admin_config_apply':
      return { state, replies: [], effects: [{ kind: 'admin_apply', message: msg }] }
    default:
      return {
        state,
        replies: [{ type: 'error', message: `unexpected message type ${JSON.stringify(msg.type)}` }],
        effects: [{ kind: 'invalid_frame', reason: 'unexpected_type' }],
      }
  }
}
