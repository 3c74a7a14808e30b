/** Constant-time secret comparison (original weak point 2). Never log either argument. */
import { createHash, timingSafeEqual } from 'node:crypto'
import { clusterToken } from '../../config/cluster-token.js'

/** True when `a` equals `b`; compares SHA-256 digests with timingSafeEqual so length and content do not leak through timing. */
export function secretsEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest()
  const db = createHash('sha256').update(b, 'utf8').digest()
  return timingSafeEqual(da, db)
}

export type TokenCheck = 'ok' | 'no_token' | 'bad_token'

/**
 * The server's auth rule: its trimmed cluster_auth_token must be non-empty and equal to the
 * received token (the received token is not trimmed, as in the original).
 */
export function checkToken(received: string, configured: string | undefined): TokenCheck {
  const expected = clusterToken(configured)
  if (!expected) return 'no_token'
  return secretsEqual(received, expected) ? 'ok' : 'bad_token'
}
