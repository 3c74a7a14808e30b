/**
 * Mutual challenge-response authentication, so the shared cluster_auth_token never crosses the
 * network (spec §13 weak point 1; the original sends it in clear in every `auth` frame).
 * Pure: no I/O, no clock; randomness comes in as an argument.
 *
 * Flow (C = dialer, S = listener; all frames as in spec §1):
 *
 *   1. C→S `{"type":"auth","token":"","caps":[...],"node_id":"<C id>","nonce":"<cn>"}`
 *      An empty token plus a nonce asks for challenge-response.
 *   2. S→C `{"type":"auth_challenge","nonce":"<sn>","proof":serverProof(token,cn,sn,S id,C id),
 *      "node_id":"<S id>","caps":[...]}`
 *   3. C checks the proof with verifyProof; on a mismatch it closes without answering (the server
 *      does not know the token). Otherwise C→S `{"type":"auth_response","proof":clientProof(...same inputs)}`.
 *   4. S checks the client proof: `auth_ok`, or `auth_fail` and close (counts as a failed auth).
 *
 * Interop: a Go peer (spec §2 step 3) answers the empty-token `auth` with `auth_fail` and closes.
 * The client then dials again and sends the plain token, unless cluster_allow_plain_token is false
 * (then Go peers are unreachable, and our server also refuses plain-token `auth`). An active
 * attacker can fake that `auth_fail` to force the fallback; turning the fallback off, or mutual
 * TLS, closes that gap. Without TLS the proofs stop token disclosure and replay, not a man in the
 * middle relaying a whole session.
 *
 * Proof = base64url(HMAC-SHA256(key, message)) with key = SHA-256(utf8(trim(token))) and
 * message = utf8(label) followed by, for each of clientNonce, serverNonce, serverNodeId,
 * clientNodeId: a 4-byte big-endian byte length, then the utf8 bytes. The length prefixes make the
 * encoding unambiguous; the labels differ per role so a server proof is never a valid client proof.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { DnsplaneError } from '../errors.js'

/** Random bytes in a nonce. */
export const NONCE_BYTES = 32
/** Length of a nonce as base64url text (32 bytes, unpadded). */
export const NONCE_CHARS = 43
/** Length of a proof as base64url text (a 32-byte HMAC-SHA256, unpadded). */
export const PROOF_CHARS = 43
/** Longest value verifyProof / isNonce look at; anything longer is rejected before hashing. */
export const MAX_AUTH_FIELD_CHARS = 256

const SERVER_LABEL = 'dnsplane cluster auth v1: server proof'
const CLIENT_LABEL = 'dnsplane cluster auth v1: client proof'
const BASE64URL = /^[A-Za-z0-9_-]+$/

/** A fresh nonce: NONCE_BYTES from `random`, as unpadded base64url. Throws when `random` returns the wrong length. */
export function newNonce(random: (n: number) => Buffer): string {
  const bytes = random(NONCE_BYTES)
  if (!Buffer.isBuffer(bytes) || bytes.length !== NONCE_BYTES) {
    throw new DnsplaneError('ERR_INTERNAL', `random source returned ${Buffer.isBuffer(bytes) ? bytes.length : typeof bytes} bytes, want ${NONCE_BYTES}`)
  }
  return bytes.toString('base64url')
}

/** True when `x` has the shape of a nonce from newNonce (validate received nonces before use). */
export function isNonce(x: unknown): x is string {
  return typeof x === 'string' && x.length === NONCE_CHARS && BASE64URL.test(x)
}

function proof(label: string, token: string, clientNonce: string, serverNonce: string, serverNodeId: string, clientNodeId: string): string {
  const trimmed = token.trim()
  // An empty key is public knowledge: refuse rather than produce a proof anyone could compute.
  if (!trimmed) throw new DnsplaneError('ERR_CLUSTER_NO_TOKEN', 'cluster_auth_token is empty; cannot compute an auth proof')
  const key = createHash('sha256').update(trimmed, 'utf8').digest()
  const mac = createHmac('sha256', key).update(label, 'utf8')
  for (const field of [clientNonce, serverNonce, serverNodeId, clientNodeId]) {
    const bytes = Buffer.from(field, 'utf8')
    const len = Buffer.alloc(4)
    len.writeUInt32BE(bytes.length, 0)
    mac.update(len).update(bytes)
  }
  return mac.digest('base64url')
}

/**
 * The server's proof that it knows the token, bound to both nonces and both node ids.
 * Throws DnsplaneError ERR_CLUSTER_NO_TOKEN when the trimmed token is empty. Never log the result with the token.
 */
export function serverProof(token: string, clientNonce: string, serverNonce: string, serverNodeId: string, clientNodeId: string): string {
  return proof(SERVER_LABEL, token, clientNonce, serverNonce, serverNodeId, clientNodeId)
}

/** The client's proof; same inputs as serverProof, different label. Throws ERR_CLUSTER_NO_TOKEN on an empty token. */
export function clientProof(token: string, clientNonce: string, serverNonce: string, serverNodeId: string, clientNodeId: string): string {
  return proof(CLIENT_LABEL, token, clientNonce, serverNonce, serverNodeId, clientNodeId)
}

/**
 * Constant-time check of a received proof against the expected one. Returns false (never throws)
 * for a non-string, a string longer than MAX_AUTH_FIELD_CHARS, or any mismatch. Compares SHA-256
 * digests so the comparison time does not depend on where the strings differ.
 */
export function verifyProof(expected: string, got: unknown): boolean {
  if (typeof expected !== 'string' || typeof got !== 'string') return false
  if (got.length > MAX_AUTH_FIELD_CHARS || expected.length === 0) return false
  const a = createHash('sha256').update(expected, 'utf8').digest()
  const b = createHash('sha256').update(got, 'utf8').digest()
  return timingSafeEqual(a, b)
}
