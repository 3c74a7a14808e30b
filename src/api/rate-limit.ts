/**
 * The REST API's per-client rate limit (api_rate_limit_rps / api_rate_limit_burst, the original's
 * meaning): a token bucket per client address (IPv4 host, IPv6 /64), kept in a bounded map so a flood
 * from many addresses cannot grow memory; over it, 429 with Retry-After (RFC 6585 4, RFC 9110 10.2.3).
 * Checked before the token, so guessing tokens is limited too.
 */
import type { FastifyInstance } from 'fastify'
import { BoundedMap } from '../dns/limit/bounded-map.js'
import { clientPrefix } from '../dns/limit/client-prefix.js'
import { MAX_TRACKED_CLIENTS, RATE_V4_BITS, RATE_V6_BITS } from '../dns/limit/dns-limiter.js'
import { newBucket, secondsUntilToken, takeToken, type TokenBucket } from '../dns/limit/token-bucket.js'
import { errorBodyFor } from './error-response.js'

export interface ApiRateLimit {
  /** Requests per second per client; > 0. */
  rps: number
  burst: number
  /** Clients tracked at most (default MAX_TRACKED_CLIENTS). */
  capacity?: number
  /** Clock, epoch ms (tests); default Date.now. */
  now?: () => number
  /** Called for every request answered 429 (a counter). */
  onLimited?: () => void
}

/** Adds the onRequest hook; register before auth. */
export function registerRateLimit(app: FastifyInstance, limit: ApiRateLimit): void {
  const buckets = new BoundedMap<string, TokenBucket>(limit.capacity ?? MAX_TRACKED_CLIENTS)
  const now = limit.now ?? Date.now
  app.addHook('onRequest', async (request, reply) => {
    const at = now()
    const key = clientPrefix(request.ip, RATE_V4_BITS, RATE_V6_BITS)
    let b = buckets.get(key)
    if (!b) buckets.set(key, (b = newBucket(limit.burst, at)))
    if (takeToken(b, at, limit.rps, limit.burst)) return
    limit.onLimited?.()
    const retry = secondsUntilToken(b, limit.rps)
    const message = `too many requests from this address (api_rate_limit_rps ${limit.rps}); retry in ${retry} s`
    return reply.code(429).header('retry-after', String(retry)).send(errorBodyFor(request.url, { status: 429, code: 'ERR_RATE_LIMITED', message }))
  })
}
