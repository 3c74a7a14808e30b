/**
 * Challenge-response proofs (challenge/2), so the shared cluster_auth_token never crosses the
 * network (spec §13 weak point 1; the original sends it in clear in every `auth` frame).
 * Pure: no I/O, no clock; randomness comes in as an argument. The exchange itself (who sends what
 * when) is session/handshake.ts; docs/cluster-protocol.md shows the frames.
 *
 * The client proves first: the server sends only its nonce, so an unauthenticated client never
 * gets token-derived material it could guess the token from offline (challenge/1 had the server
 * prove first). The server proves itself in auth_ok, after the client's proof held.
 *
 * Proof = base64url(HMAC-SHA256(key, message)) with key = SHA-256(utf8(trim(token))) and
 * message = utf8(label) followed by, for each of clientNonce, serverNonce, serverNodeId,
 * clientNodeId: a 4-byte big-endian byte length, then the utf8 bytes. The length prefixes make the
 * encoding unambiguous; the labels differ per role so a server proof is never a valid client proof,
 * and carry the version so a challenge/1 proof is never a challenge/2 one.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { clusterToken } from '../../config/cluster-token.js'
import { DnsplaneError } from '../../errors.js'

/** Random bytes in a nonce. */
export const NONCE_BYTES = 32
/** Length of a nonce as base64url text (32 bytes, unpadded). */
export const NONCE_CHARS = 43
/** Length of a proof as base64url text (a 32-byte HMAC-SHA256, unpadded). */
export const PROOF_CHARS = 43
/** Longest value verifyProof / isNonce look at; anything longer is rejected before hashing. */
export const MAX_AUTH_FIELD_CHARS = 256

const SERVER_LABEL = 'dnsplane cluster auth v2: server proof'
const CLIENT_LABEL = 'dnsplane cluster auth v2: client proof'
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
  const trimmed = clusterToken(token)
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
