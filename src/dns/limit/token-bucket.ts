/**
 * A token bucket (the original's per-IP limiter, golang.org/x/time/rate): `rate` tokens a second up to
 * `burst`; each request takes one. Pure: time comes in as epoch milliseconds.
 */
export interface TokenBucket {
  tokens: number
  /** When `tokens` was last brought up to date, epoch ms. */
  at: number
}

/** A bucket that starts full. A burst below 1 is taken as 1, or the limiter would refuse everything. */
export function newBucket(burst: number, now: number): TokenBucket {
  return { tokens: Math.max(1, burst), at: now }
}

/** Refills `b` for the time since its last use and takes one token; false (nothing taken) when empty. */
export function takeToken(b: TokenBucket, now: number, rate: number, burst: number): boolean {
  if (now > b.at) b.tokens = Math.min(Math.max(1, burst), b.tokens + ((now - b.at) / 1000) * rate)
  b.at = Math.max(b.at, now)
  if (b.tokens < 1) return false
  b.tokens -= 1
  return true
}

/** Whole seconds until `b` holds a token again (at least 1): the HTTP Retry-After of RFC 9110 10.2.3. */
export function secondsUntilToken(b: TokenBucket, rate: number): number {
  return Math.max(1, Math.ceil((1 - b.tokens) / rate))
}
