/**
 * CachingResolver: the UpstreamResolver the DNS server calls for questions local data does not answer.
 * Cache first (fresh hit, or stale hit + background refresh), else select endpoints and forward; concurrent
 * misses for one (name, type) share one upstream query (single-flight).
 */
import type { Logger } from 'pino'
import type { Question, UpstreamAnswer, UpstreamResolver } from './upstream.js'
import { ResponseCache, cacheKey } from '../cache/response-cache.js'
import { DEFAULT_FORWARD_TIMEOUT_MS, NetworkForwarder } from './forwarder.js'
import type { Forwarder, ForwardResult, UpstreamFailureReason } from './forwarder.js'
import { selectUpstreams } from './upstream-select.js'
import type { FallbackEndpoint, UpstreamServerRow } from './upstream-select.js'
import type { ForwardValidator } from './validation.js'

export interface CachingResolverOptions {
  /** config `timeout` seconds * 1000; <= 0 means DEFAULT_FORWARD_TIMEOUT_MS. */
  timeoutMs: number
  /** config cache_records. */
  cacheEnabled: boolean
  /** config min_cache_ttl_seconds (0 means 600). */
  minCacheTtlSeconds: number
  /** config stale_while_revalidate. */
  staleWhileRevalidate: boolean
  /** The global fallback; see fallbackFromConfig(). */
  fallback: FallbackEndpoint | undefined
  maxCacheEntries?: number
}

export interface CachingResolverDeps {
  /** Current dnsservers rows (read on every miss, so edits apply at once). */
  getServers: () => readonly UpstreamServerRow[]
  /** Default: a NetworkForwarder owned (and closed) by this resolver. */
  forwarder?: Forwarder
  /** Epoch ms; default Date.now. */
  now?: () => number
  /** From UpstreamHealth.isHealthy when health checks are on. */
  isHealthy?: (addressPort: string) => boolean
  /** dnssec_validate: every forwarded reply is judged before it is cached (docs/dnssec.md). */
  validator?: ForwardValidator
  log: Logger
}

/** Counters for metrics and the stats API; plain numbers, read with counters(). */
export interface ResolverCounters {
  cache_hits: number
  cache_stale_hits: number
  cache_misses: number
  /** Upstream fan-outs started (one per single-flight group, including stale refreshes). */
  forwarded: number
  upstream_answers: number
  upstream_negative_answers: number
  /** Per endpoint failure, by reason. */
  upstream_failures: Record<UpstreamFailureReason, number>
  /** Resolutions that ended with kind 'none', by reason. */
  none: Record<'timeout' | 'no_upstreams' | 'all_failed', number>
}

function zeroCounters(): ResolverCounters {
  return {
    cache_hits: 0,
    cache_stale_hits: 0,
    cache_misses: 0,
    forwarded: 0,
    upstream_answers: 0,
    upstream_negative_answers: 0,
    upstream_failures: {
      timeout: 0,
      network_error: 0,
      bad_response: 0,
      servfail: 0,
      refused: 0,
      other_rcode: 0,
      overloaded: 0,
      invalid_question: 0,
    },
    none: { timeout: 0, no_upstreams: 0, all_failed: 0 },
  }
}

/** Cache + forwarder behind the UpstreamResolver contract; resolve() never throws. */
export class CachingResolver implements UpstreamResolver {
  /** The response cache, for the control plane (list/remove/clear/compact) and the cache file. */
  readonly cache: ResponseCache
  readonly #opts: CachingResolverOptions
  readonly #deps: CachingResolverDeps
  readonly #forwarder: Forwarder
  readonly #ownsForwarder: boolean
  readonly #now: () => number
  readonly #inflight = new Map<string, Promise<UpstreamAnswer>>()
  readonly #warned = new Set<string>()
  readonly #stopController = new AbortController()
  #counters = zeroCounters()

  constructor(opts: CachingResolverOptions, deps: CachingResolverDeps) {
    this.#opts = opts
    this.#deps = deps
    this.#now = deps.now ?? Date.now
    this.#ownsForwarder = deps.forwarder === undefined
    this.#forwarder = deps.forwarder ?? new NetworkForwarder()
    this.cache = new ResponseCache({
      minTtlSeconds: opts.minCacheTtlSeconds,
      staleWhileRevalidate: opts.staleWhileRevalidate,
      maxEntries: opts.maxCacheEntries,
    })
  }

  /** See UpstreamResolver.cacheGeneration. */
  cacheGeneration(): number {
    return this.cache.generation
  }

  /** A snapshot copy of the counters. */
  counters(): ResolverCounters {
    return structuredClone(this.#counters)
  }

  async resolve(question: Question, signal?: AbortSignal): Promise<UpstreamAnswer> {
    try {
      return await this.#resolve(question, signal)
    } catch (err) {
      // Contract: never throws. A bug here must not take the DNS server down; log it and answer 'none'.
      this.#deps.log.error({ err, qname: question.name, qtype: question.type }, 'upstream resolve failed')
      this.#counters.none.all_failed++
      return { kind: 'none', reason: 'all_failed' }
    }
  }

  /** Cancels in-flight upstream queries; closes the forwarder when this resolver created it. */
  stop(): void {
    this.#stopController.abort()
    if (this.#ownsForwarder) (this.#forwarder as NetworkForwarder).close()
  }

  async #resolve(question: Question, signal?: AbortSignal): Promise<UpstreamAnswer> {
    const useCache = this.#opts.cacheEnabled && (question.class ?? 'IN').toUpperCase() === 'IN'
    if (useCache) {
      const hit = this.cache.get(question.name, question.type, this.#now())
      if (hit) {
        if (hit.status === 'fresh') this.#counters.cache_hits++
        else {
          this.#counters.cache_stale_hits++
          // RFC 8767 4: answer stale now, refresh in the background; single-flight keeps it to one query.
          void this.#shared(question, true)
        }
        const answer: UpstreamAnswer = {
          kind: 'answer',
          rcode: hit.response.rcode,
          answers: hit.response.answers,
          authorities: hit.response.authorities,
          fromCache: true,
        }
        if (hit.response.ad !== undefined) answer.ad = hit.response.ad
        return answer
      }
      this.#counters.cache_misses++
    }
    const shared = this.#shared(question, useCache)
    if (!signal) return shared
    if (signal.aborted) return { kind: 'none', reason: 'timeout' }
    // The caller's abort ends only its own wait; the shared query keeps serving the others.
    return new Promise((resolve) => {
      const onAbort = (): void => resolve({ kind: 'none', reason: 'timeout' })
      signal.addEventListener('abort', onAbort, { once: true })
      void shared.then((a) => {
        signal.removeEventListener('abort', onAbort)
        resolve(a)
      })
    })
  }

  #shared(question: Question, store: boolean): Promise<UpstreamAnswer> {
    const key = `${cacheKey(question.name, question.type)}|${(question.class ?? 'IN').toUpperCase()}`
    const existing = this.#inflight.get(key)
    if (existing) return existing
    const p = this.#forward(question, store).finally(() => this.#inflight.delete(key))
    this.#inflight.set(key, p)
    return p
  }

  /** The endpoints selected for `name` (the validator asks its DS/DNSKEY questions there too). */
  endpointsFor(name: string): ReturnType<typeof selectUpstreams>['endpoints'] {
    return this.#select(name).endpoints
  }

  #select(name: string): ReturnType<typeof selectUpstreams> {
    return selectUpstreams(name, this.#deps.getServers(), { fallback: this.#opts.fallback, isHealthy: this.#deps.isHealthy })
  }

  async #forward(question: Question, store: boolean): Promise<UpstreamAnswer> {
    const selection = this.#select(question.name)
    for (const s of selection.skipped) {
      const k = `${s.addressPort}|${s.reason}`
      if (this.#warned.has(k)) continue
      this.#warned.add(k)
      this.#deps.log.warn({ upstream: s.addressPort, reason: s.reason }, 'upstream skipped')
    }
    if (selection.endpoints.length === 0) {
      this.#counters.none.no_upstreams++
      return { kind: 'none', reason: 'no_upstreams' }
    }
    this.#counters.forwarded++
    const result: ForwardResult = await this.#forwarder.forward({
      name: question.name,
      type: question.type,
      class: question.class,
      endpoints: selection.endpoints,
      timeoutMs: this.#opts.timeoutMs > 0 ? this.#opts.timeoutMs : DEFAULT_FORWARD_TIMEOUT_MS,
      signal: this.#stopController.signal,
      dnssec: this.#deps.validator !== undefined,
      // Always DO: the cached answer keeps the upstream's RRSIG/NSEC/NSEC3 for DO clients, and the server leaves
      // them out for the others (RFC 4035 3.2.1; responder.ts), so one entry serves both.
      dnssecOk: true,
    })
    for (const f of result.failures) this.#counters.upstream_failures[f.reason]++
    if (result.kind === 'none') {
      this.#counters.none[result.reason]++
      this.#deps.log.debug({ qname: question.name, qtype: question.type, reason: result.reason }, 'no upstream answer')
      return { kind: 'none', reason: result.reason }
    }
    if (result.rcode === 'NOERROR' && result.answers.length > 0) this.#counters.upstream_answers++
    else this.#counters.upstream_negative_answers++
    const response = { rcode: result.rcode, answers: result.answers, authorities: result.authorities, ad: result.ad }
    const v = this.#deps.validator
    if (v) {
      // The verdict is cached with the answer as its AD bit; a strict-mode bogus answer is not cached at all.
      const verdict = await v.check(question.name, question.type, result.message)
      response.ad = verdict.status === 'secure'
      if (verdict.status === 'bogus' && v.strict) {
        return { kind: 'answer', ...response, fromCache: false, upstream: result.upstream, bogus: { ede: verdict.ede, reason: verdict.reason } }
      }
    }
    if (store) this.cache.set(question.name, question.type, response, this.#now())
    return { kind: 'answer', ...response, fromCache: false, upstream: result.upstream }
  }
}
