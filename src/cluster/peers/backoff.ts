/** Retry delays for failed pushes. Pure: randomness is passed in. */

export const PUSH_RETRY_MIN_MS = 1_000
export const PUSH_RETRY_MAX_MS = 60_000

/**
 * Delay before retry number `attempt` (1-based): min(max, min * 2^(attempt-1)), jittered into
 * [50 %, 100 %] of that by `random01` in [0, 1), so peers that failed together do not retry together.
 */
export function backoffDelayMs(attempt: number, random01: number, minMs = PUSH_RETRY_MIN_MS, maxMs = PUSH_RETRY_MAX_MS): number {
  const exp = Math.min(maxMs, minMs * 2 ** Math.min(30, Math.max(0, attempt - 1)))
  const r = Math.min(Math.max(random01, 0), 1)
  return Math.max(1, Math.round(exp * (0.5 + 0.5 * r)))
}

/** A number in [0, 1) from 4 random bytes. */
export function random01From(bytes: Uint8Array): number {
  return Buffer.from(bytes).readUInt32BE(0) / 2 ** 32
}
