/**
 * The handshake messages (spec §2; challenge auth is ours): auth, auth_ok, auth_challenge,
 * auth_response. Each type's shape, encoder and decoder sit together. Pure.
 */
import { boundedString, capsField, goString, int, optCaps, optInteger, optString, reqId } from './json.js'

/** Capability names announced in auth / auth_ok / auth_challenge (Go peers announce none). */
export const CAP_RECORD_LWW = 'record_lww/1'
/** Client proves first (docs/cluster-protocol.md); `challenge/1` (server proved first) is refused. */
export const CAP_CHALLENGE = 'challenge/2'

const MAX_CLOCK = Number.MAX_SAFE_INTEGER

// ---------------------------------------------------------------- auth

/**
 * Ours: `node_id`, `caps`, `nonce` and `clock_unix_ms` are extra keys that Go peers ignore. An
 * `auth` with an empty token and a `nonce` asks for the challenge-response (auth-challenge.ts).
 */
export interface AuthMessage {
  type: 'auth'
  token: string
  node_id?: string
  caps?: string[]
  nonce?: string
  clock_unix_ms?: number
}

export function encodeAuth(msg: AuthMessage): string {
  let s = `{"type":"auth","token":${goString(msg.token)}`
  if (msg.node_id) s += `,"node_id":${goString(msg.node_id)}`
  s += capsField(msg.caps)
  if (msg.nonce) s += `,"nonce":${goString(msg.nonce)}`
  if (msg.clock_unix_ms) s += `,"clock_unix_ms":${int(msg.clock_unix_ms)}`
  return s + '}'
}

export function decodeAuth(o: Record<string, unknown>): AuthMessage {
  const msg: AuthMessage = { type: 'auth', token: optString(o, 'token') ?? '' }
  const nodeId = optString(o, 'node_id')
  if (nodeId) msg.node_id = boundedString(nodeId, 'node_id', 256)
  const caps = optCaps(o)
  if (caps) msg.caps = caps
  const nonce = optString(o, 'nonce')
  if (nonce) msg.nonce = boundedString(nonce, 'nonce', 256)
  const clock = optInteger(o, 'clock_unix_ms', 0, MAX_CLOCK)
  if (clock) msg.clock_unix_ms = clock
  return msg
}

// ---------------------------------------------------------------- auth_ok

/** auth_ok, with our optional extras (Go clients only look at `type`). */
export interface AuthOkMessage {
  type: 'auth_ok'
  message?: string
  node_id?: string
  caps?: string[]
  clock_unix_ms?: number
  /** challenge/2: the server's proof, sent only after the client's proof checked out. */
  proof?: string
  /** Ours: how many records the server serves and their digest (peers/records-summary.ts), for status. */
  records?: number
  records_digest?: string
}

export function encodeAuthOk(msg: AuthOkMessage): string {
  let s = `{"type":"auth_ok"`
  if (msg.message) s += `,"message":${goString(msg.message)}`
  if (msg.node_id) s += `,"node_id":${goString(msg.node_id)}`
  s += capsField(msg.caps)
  if (msg.clock_unix_ms) s += `,"clock_unix_ms":${int(msg.clock_unix_ms)}`
  if (msg.proof) s += `,"proof":${goString(msg.proof)}`
  if (msg.records !== undefined) s += `,"records":${int(msg.records)}`
  if (msg.records_digest) s += `,"records_digest":${goString(msg.records_digest)}`
  return s + '}'
}

export function decodeAuthOk(o: Record<string, unknown>): AuthOkMessage {
  const msg: AuthOkMessage = { type: 'auth_ok' }
  const message = optString(o, 'message')
  if (message) msg.message = message
  const nodeId = optString(o, 'node_id')
  if (nodeId) msg.node_id = boundedString(nodeId, 'node_id', 256)
  const caps = optCaps(o)
  if (caps) msg.caps = caps
  const clock = optInteger(o, 'clock_unix_ms', 0, MAX_CLOCK)
  if (clock) msg.clock_unix_ms = clock
  const proof = optString(o, 'proof')
  if (proof) msg.proof = boundedString(proof, 'proof', 256)
  const records = optInteger(o, 'records', 0, Number.MAX_SAFE_INTEGER)
  if (records !== undefined) msg.records = records
  const digest = optString(o, 'records_digest')
  if (digest) msg.records_digest = boundedString(digest, 'records_digest', 64)
  return msg
}

// ---------------------------------------------------------------- auth_challenge

/**
 * Server's answer to a challenge request: its nonce only (challenge/2). `proof` is what a
 * challenge/1 server sent here; ours never sends it.
 */
export interface AuthChallengeMessage {
  type: 'auth_challenge'
  nonce: string
  proof?: string
  node_id: string
  caps: string[]
  clock_unix_ms: number
}

export function encodeAuthChallenge(msg: AuthChallengeMessage): string {
  return (
    `{"type":"auth_challenge","nonce":${goString(msg.nonce)}` +
    (msg.proof ? `,"proof":${goString(msg.proof)}` : '') +
    `,"node_id":${goString(msg.node_id)}` +
    `,"caps":[${msg.caps.map(goString).join(',')}],"clock_unix_ms":${int(msg.clock_unix_ms)}}`
  )
}

export function decodeAuthChallenge(o: Record<string, unknown>): AuthChallengeMessage {
  const msg: AuthChallengeMessage = {
    type: 'auth_challenge',
    nonce: reqId(o, 'nonce'),
    node_id: reqId(o, 'node_id'),
    caps: optCaps(o) ?? [],
    clock_unix_ms: optInteger(o, 'clock_unix_ms', 0, MAX_CLOCK) ?? 0,
  }
  const proof = optString(o, 'proof')
  if (proof) msg.proof = boundedString(proof, 'proof', 256)
  return msg
}

// ---------------------------------------------------------------- auth_response

/** The client's proof; challenge/2 adds the client's nonce (the proof covers both nonces). */
export interface AuthResponseMessage {
  type: 'auth_response'
  proof: string
  nonce?: string
}

export function encodeAuthResponse(msg: AuthResponseMessage): string {
  return `{"type":"auth_response"` + (msg.nonce ? `,"nonce":${goString(msg.nonce)}` : '') + `,"proof":${goString(msg.proof)}}`
}

export function decodeAuthResponse(o: Record<string, unknown>): AuthResponseMessage {
  const msg: AuthResponseMessage = { type: 'auth_response', proof: reqId(o, 'proof') }
  const nonce = optString(o, 'nonce')
  if (nonce) msg.nonce = boundedString(nonce, 'nonce', 256)
  return msg
}
