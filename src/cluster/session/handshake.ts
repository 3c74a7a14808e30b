/**
 * The cluster auth handshake as pure functions for both sides (C = dialler, S = listener):
 *
 *   challenge/2 (ours):
 *     C→S auth           {"token":"", node_id, caps ∋ "challenge/2", clock_unix_ms}
 *     S→C auth_challenge {nonce: sn, node_id, caps, clock_unix_ms}           (no proof)
 *     C→S auth_response  {nonce: cn, proof: clientProof(cn, sn, S id, C id)}
 *     S→C auth_ok        {proof: serverProof(...same), node_id, caps, clock_unix_ms}  or auth_fail + close
 *     C checks the server proof; on a mismatch it closes (that server does not know the token).
 *   plain (the original, spec §2): C→S auth {token}; S→C auth_ok or auth_fail.
 *
 * The client proves first, so a party that has proved nothing never receives a token-derived
 * proof from a listener. A Go listener answers the challenge request with auth_fail: the client
 * may then dial again with the plain token, for that attempt only, unless the plain token is off
 * or the peer ever announced a challenge capability (a downgrade; see decidePlainFallback).
 * No I/O, no clock, no randomness: nonces and times come in as arguments.
 */
import { clientProof, isNonce, serverProof, verifyProof } from './auth-challenge.js'
import {
  CAP_CHALLENGE,
  type AuthChallengeMessage,
  type AuthMessage,
  type AuthOkMessage,
  type AuthResponseMessage,
  type Message,
  type ParseResult,
} from '../wire/messages.js'

/** What a peer announced about itself in its handshake (all optional: Go peers send none). */
export interface PeerAnnouncement {
  node_id?: string
  caps?: string[]
  clock_unix_ms?: number
  /** Ours, from auth_ok: the peer's record count and digest (peers/records-summary.ts). */
  records?: number
  records_digest?: string
}

/** The record count and digest an auth_ok announces (absent from Go peers). */
function recordsOf(msg: AuthOkMessage): Pick<PeerAnnouncement, 'records' | 'records_digest'> {
  const out: Pick<PeerAnnouncement, 'records' | 'records_digest'> = {}
  if (msg.records !== undefined) out.records = msg.records
  if (msg.records_digest) out.records_digest = msg.records_digest
  return out
}

/** True when `caps` announce any version of challenge auth: such a peer never gets the plain token. */
export function hasChallengeCap(caps: readonly string[] | undefined): boolean {
  return (caps ?? []).some((c) => c.startsWith('challenge/'))
}

// ------------------------------------------------------------------ client (dialler)

export type ClientMode = 'challenge' | 'plain'

export interface ClientStart {
  mode: ClientMode
  /** The trimmed cluster token (non-empty). */
  token: string
  nodeId: string
  caps: string[]
  clockMs: number
  /** A fresh nonce (newNonce); sent with the client's proof in challenge mode. */
  clientNonce: string
}

export type ClientState =
  | { state: 'awaiting_challenge'; token: string; nodeId: string; clientNonce: string }
  | { state: 'awaiting_ok'; expectedProof: string; peer: PeerAnnouncement }
  | { state: 'awaiting_plain_ok' }

export type ClientFailure = 'unexpected_reply' | 'refused' | 'bad_challenge' | 'bad_server_proof'

export type ClientOutcome =
  | { kind: 'send'; message: Message; next: ClientState }
  | { kind: 'authenticated'; peer: PeerAnnouncement }
  /** The peer answered the challenge request like a Go node (auth_fail / error). */
  | { kind: 'legacy_peer' }
  | { kind: 'failed'; reason: ClientFailure; message: string }

/** The first frame and the state that waits for its answer. */
export function startClient(start: ClientStart): { message: AuthMessage; state: ClientState } {
  if (start.mode === 'plain') {
    return {
      message: { type: 'auth', token: start.token, node_id: start.nodeId, caps: start.caps, clock_unix_ms: start.clockMs },
      state: { state: 'awaiting_plain_ok' },
    }
  }
  return {
    message: { type: 'auth', token: '', node_id: start.nodeId, caps: start.caps, clock_unix_ms: start.clockMs },
    state: { state: 'awaiting_challenge', token: start.token, nodeId: start.nodeId, clientNonce: start.clientNonce },
  }
}

const fail = (reason: ClientFailure, message: string): ClientOutcome => ({ kind: 'failed', reason, message })

/** One received frame on the dialling side. */
export function clientStep(s: ClientState, input: ParseResult): ClientOutcome {
  const msg = input.ok ? input.message : undefined
  if (s.state === 'awaiting_plain_ok') {
    if (msg?.type !== 'auth_ok') return fail('refused', 'auth failed')
    return { kind: 'authenticated', peer: { node_id: msg.node_id, caps: msg.caps, clock_unix_ms: msg.clock_unix_ms, ...recordsOf(msg) } }
  }
  if (s.state === 'awaiting_challenge') {
    // A Go node (or ours without a token) answers an empty token with auth_fail.
    if (msg?.type === 'auth_fail' || msg?.type === 'error') return { kind: 'legacy_peer' }
    if (msg?.type !== 'auth_challenge') return fail('unexpected_reply', 'auth failed: unexpected answer to the challenge request')
    // A challenge/1 server sends its proof here and expects the old exchange: refused (never shipped).
    if (msg.proof !== undefined || !isNonce(msg.nonce)) return fail('bad_challenge', 'auth failed: the peer speaks an unsupported challenge version')
    const { token, nodeId, clientNonce } = s
    return {
      kind: 'send',
      message: { type: 'auth_response', nonce: clientNonce, proof: clientProof(token, clientNonce, msg.nonce, msg.node_id, nodeId) },
      next: {
        state: 'awaiting_ok',
        expectedProof: serverProof(token, clientNonce, msg.nonce, msg.node_id, nodeId),
        // The node id is the one both proofs are bound to.
        peer: { node_id: msg.node_id, caps: msg.caps, clock_unix_ms: msg.clock_unix_ms },
      },
    }
  }
  if (msg?.type !== 'auth_ok') return fail('refused', 'auth failed')
  if (!verifyProof(s.expectedProof, msg.proof)) {
    return fail('bad_server_proof', 'auth failed: the peer could not prove it knows the cluster token')
  }
  return { kind: 'authenticated', peer: { ...s.peer, ...recordsOf(msg) } }
}

export type PlainFallback = { allowed: true } | { allowed: false; reason: 'plain_token_disabled' | 'challenge_peer' }

/**
 * Whether this connection attempt may retry with the plain token after a Go-like refusal of the
 * challenge request. Decided per attempt and never remembered: a refusal an attacker faked once
 * must not turn the token into clear text for later connections. `knownChallengePeer`: the
 * address or node id ever announced a challenge capability, so the refusal is a downgrade.
 */
export function decidePlainFallback(plainAllowed: boolean, knownChallengePeer: boolean): PlainFallback {
  if (!plainAllowed) return { allowed: false, reason: 'plain_token_disabled' }
  if (knownChallengePeer) return { allowed: false, reason: 'challenge_peer' }
  return { allowed: true }
}

// ------------------------------------------------------------------ server (listener)

/** Which exchange an `auth` asks for. */
export function authRequestKind(auth: AuthMessage): 'plain' | 'challenge' | 'challenge_v1' {
  if (auth.token !== '') return 'plain'
  if (auth.caps?.includes(CAP_CHALLENGE)) return 'challenge'
  if (auth.nonce !== undefined) return 'challenge_v1'
  return 'plain'
}

/** What the server keeps between its challenge and the client's response. */
export interface PendingChallenge {
  token: string
  serverNonce: string
  serverNodeId: string
  clientNodeId: string
  peer: PeerAnnouncement
}

export interface ChallengeStart {
  /** The trimmed cluster token (non-empty). */
  token: string
  serverNonce: string
  serverNodeId: string
  caps: string[]
  clockMs: number
}

/** The server's challenge (its nonce, no proof) for a challenge request, and what to keep. */
export function createChallenge(request: AuthMessage, start: ChallengeStart): { message: AuthChallengeMessage; pending: PendingChallenge } {
  return {
    message: { type: 'auth_challenge', nonce: start.serverNonce, node_id: start.serverNodeId, caps: start.caps, clock_unix_ms: start.clockMs },
    pending: {
      token: start.token,
      serverNonce: start.serverNonce,
      serverNodeId: start.serverNodeId,
      clientNodeId: request.node_id ?? '',
      peer: { node_id: request.node_id, caps: request.caps, clock_unix_ms: request.clock_unix_ms },
    },
  }
}

/**
 * Checks the client's response (constant time). When it holds: the announced peer and the
 * server's proof to send in auth_ok; else undefined (a missing or malformed nonce fails too).
 */
export function verifyClientResponse(p: PendingChallenge, response: AuthResponseMessage): { peer: PeerAnnouncement; serverProof: string } | undefined {
  const cn = response.nonce
  if (!isNonce(cn)) return undefined
  const expected = clientProof(p.token, cn, p.serverNonce, p.serverNodeId, p.clientNodeId)
  if (!verifyProof(expected, response.proof)) return undefined
  return { peer: p.peer, serverProof: serverProof(p.token, cn, p.serverNonce, p.serverNodeId, p.clientNodeId) }
}
