/**
 * Server side of one peer connection as an explicit state machine (spec §2). Pure: the caller
 * decodes frames with parseMessage, feeds them to step(), writes the replies and performs the
 * effects. Replies that need I/O (a pull's snapshot, an admin apply's verdict) are effects.
 */
import type {
  AdminConfigApplyMessage,
  AuthChallengeMessage,
  AuthMessage,
  AuthOkMessage,
  AuthResponseMessage,
  DeltaMessage,
  DigestMessage,
  DnssecKeysPullMessage,
  Message,
  ParseFailure,
  ParseResult,
  RecordsFullMessage,
} from '../wire/messages.js'
import { authRequestKind } from './handshake.js'
import type { TokenCheck } from './tokens.js'

/** awaiting_proof: a challenge was sent; the client's auth_response must come next. */
export type ConnState = 'awaiting_auth' | 'awaiting_proof' | 'ready' | 'closed'

/** What a client announced about itself in `auth` (all optional: Go clients send none). */
export type AuthPeer = Pick<AuthMessage, 'node_id' | 'caps' | 'clock_unix_ms'>

export type AuthFailure = 'auth_required' | Exclude<TokenCheck, 'ok'> | 'bad_proof' | 'plain_token_refused' | 'challenge_v1_refused'

export type Effect =
  | { kind: 'close' }
  | { kind: 'authenticated'; peer: AuthPeer }
  | { kind: 'auth_failed'; reason: AuthFailure }
  | { kind: 'send_snapshot' }
  | { kind: 'apply_snapshot'; message: RecordsFullMessage }
  | { kind: 'apply_delta'; message: DeltaMessage }
  | { kind: 'anti_entropy'; message: DigestMessage }
  | { kind: 'admin_apply'; message: AdminConfigApplyMessage }
  | { kind: 'serve_keys'; message: DnssecKeysPullMessage }
  | { kind: 'invalid_frame'; reason: ParseFailure | 'unexpected_type' }

/** The effects a sync engine answers (the rest belong to the session and the admin room). */
export type SyncEffect = Extract<Effect, { kind: 'send_snapshot' | 'apply_snapshot' | 'apply_delta' | 'anti_entropy' }>

export interface StepContext {
  /** Token check against the current settings (constant time). */
  checkToken(token: string): TokenCheck
  /** False when cluster_allow_plain_token is off: a plain token is refused (challenge only). */
  plainTokenAllowed?(): boolean
  /**
   * Answers a challenge/2 request with this node's nonce (never a proof: the client proves first,
   * session/handshake.ts), and keeps what verifyResponse needs; undefined when this node has no
   * token (the request then fails).
   */
  challenge?(request: AuthMessage): AuthChallengeMessage | undefined
  /**
   * Checks the client's response against the challenge sent on this connection (constant time);
   * when it holds, the peer announced in the challenge request and the server's proof for auth_ok.
   */
  verifyResponse?(response: AuthResponseMessage): { peer: AuthPeer; serverProof: string } | undefined
  /** The auth_ok to send (ours adds node_id, caps, clock and, after a challenge, the server's proof); default `{type:'auth_ok'}`. */
  authOk?(serverProof?: string): AuthOkMessage
}

export interface StepOutcome {
  state: ConnState
  replies: Message[]
  effects: Effect[]
}

function refuse(type: 'error' | 'auth_fail', message: string, reason: AuthFailure): StepOutcome {
  return { state: 'closed', replies: [{ type, message }], effects: [{ kind: 'auth_failed', reason }, { kind: 'close' }] }
}

export const AUTH_REQUIRED = 'auth required'
export const UNAUTHORIZED = 'unauthorized'

/**
 * One transition. awaiting_auth: a valid `auth` with the right token -> auth_ok, ready; a wrong
 * or unset token -> auth_fail "unauthorized" and close; anything else -> error "auth required"
 * and close. Ours: an empty token announcing challenge/2 asks for the challenge (awaiting_proof
 * until the client's auth_response proves the token; auth_ok then carries the server's proof); a
 * challenge/1 request (empty token + nonce) gets auth_fail. ready: ping -> pong; pull -> send_snapshot;
 * delta -> apply_delta; digest -> anti_entropy; records_full -> apply (never a reply,
 * as the original); admin_config_apply -> admin_apply; dnssec_keys_pull -> serve_keys (ours); any other or invalid frame -> an `error`
 * reply naming the problem (ours: the original stays silent; Go clients never read it, so it is
 * wire-safe) and the connection stays open. closed: everything is ignored.
 */
export function step(state: ConnState, input: ParseResult, ctx: StepContext): StepOutcome {
  if (state === 'closed') return { state, replies: [], effects: [] }
  if (state === 'awaiting_auth') {
    if (!input.ok || input.message.type !== 'auth') return refuse('error', AUTH_REQUIRED, 'auth_required')
    const auth = input.message
    const peer = { node_id: auth.node_id, caps: auth.caps, clock_unix_ms: auth.clock_unix_ms }
    const kind = authRequestKind(auth)
    // challenge/1 let the server prove first (an offline-guessable proof for anyone): refused.
    if (kind === 'challenge_v1' && ctx.challenge) return refuse('auth_fail', UNAUTHORIZED, 'challenge_v1_refused')
    if (kind === 'challenge' && ctx.challenge) {
      const challenge = ctx.challenge(auth)
      if (!challenge) return refuse('auth_fail', UNAUTHORIZED, 'no_token')
      return { state: 'awaiting_proof', replies: [challenge], effects: [] }
    }
    const verdict = ctx.checkToken(auth.token)
    if (verdict !== 'ok') return refuse('auth_fail', UNAUTHORIZED, verdict)
    if (ctx.plainTokenAllowed && !ctx.plainTokenAllowed()) return refuse('auth_fail', UNAUTHORIZED, 'plain_token_refused')
    return { state: 'ready', replies: [ctx.authOk?.() ?? { type: 'auth_ok' }], effects: [{ kind: 'authenticated', peer }] }
  }
  if (state === 'awaiting_proof') {
    if (!input.ok || input.message.type !== 'auth_response') return refuse('error', AUTH_REQUIRED, 'auth_required')
    const verified = ctx.verifyResponse?.(input.message)
    if (!verified) return refuse('auth_fail', UNAUTHORIZED, 'bad_proof')
    const ok = ctx.authOk?.(verified.serverProof) ?? { type: 'auth_ok', proof: verified.serverProof }
    return { state: 'ready', replies: [ok], effects: [{ kind: 'authenticated', peer: verified.peer }] }
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
    case 'delta':
      return { state, replies: [], effects: [{ kind: 'apply_delta', message: msg }] }
    case 'digest':
      return { state, replies: [], effects: [{ kind: 'anti_entropy', message: msg }] }
    case 'admin_config_apply':
      return { state, replies: [], effects: [{ kind: 'admin_apply', message: msg }] }
    case 'dnssec_keys_pull':
      return { state, replies: [], effects: [{ kind: 'serve_keys', message: msg }] }
    default:
      return {
        state,
        replies: [{ type: 'error', message: `unexpected message type ${JSON.stringify(msg.type)}` }],
        effects: [{ kind: 'invalid_frame', reason: 'unexpected_type' }],
      }
  }
}
