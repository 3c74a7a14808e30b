/**
 * Metrics of the node's edges that are counted as they happen: API requests refused by the rate
 * limit (api_rate_limit_*), and upstream exchanges over the encrypted transports (DoT, DoH): how
 * many, how they ended, how long they took. Registered on the daemon's private registry. Labels
 * come from closed sets.
 */
import { Counter, Histogram, type Registry } from 'prom-client'

export const ENCRYPTED_UPSTREAM_TRANSPORTS = ['dot', 'doh'] as const
/** `outcome` label values: ok (a matching reply, whatever its rcode) or why there was none. */
export const ENCRYPTED_UPSTREAM_OUTCOMES = ['ok', 'timeout', 'network_error', 'bad_response'] as const
/** Latency buckets of an upstream exchange, seconds (a TLS handshake on a new connection included). */
export const UPSTREAM_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] as const

/** One upstream exchange over DoT or DoH, as the forwarder reports it. */
export interface EncryptedExchangeEvent {
  transport: string
  /** 'ok' or a failure reason; anything outside ENCRYPTED_UPSTREAM_OUTCOMES counts as network_error. */
  outcome: string
  durationMs: number
}

export interface EdgeMetrics {
  readonly apiRateLimitedTotal: Counter
  /** Counts one exchange; an unknown transport is ignored, never thrown. */
  observeUpstreamExchange(e: EncryptedExchangeEvent): void
}

export function createEdgeMetrics(registry: Registry): EdgeMetrics {
  const registers = [registry]
  const apiRateLimitedTotal = new Counter({
    name: 'dnsplane_api_rate_limited_total',
    help: 'REST API requests answered 429 by the per-client rate limit (api_rate_limit_rps).',
    registers,
  })
  const queries = new Counter<'transport' | 'outcome'>({
    name: 'dnsplane_upstream_encrypted_queries_total',
    help: 'Upstream queries over DNS over TLS and DNS over HTTPS, by transport and outcome (ok, timeout, network_error, bad_response).',
    labelNames: ['transport', 'outcome'], registers,
  })
  const duration = new Histogram<'transport'>({
    name: 'dnsplane_upstream_encrypted_duration_seconds',
    help: 'Time of one upstream query over DoT or DoH until its reply or failure, in seconds, by transport.',
    labelNames: ['transport'], buckets: [...UPSTREAM_BUCKETS_SECONDS], registers,
  })
  // zero series, so rate() works from the first scrape
  apiRateLimitedTotal.inc(0)
  for (const tr of ENCRYPTED_UPSTREAM_TRANSPORTS) for (const o of ENCRYPTED_UPSTREAM_OUTCOMES) queries.labels(tr, o).inc(0)
  const transports = new Set<string>(ENCRYPTED_UPSTREAM_TRANSPORTS)
  const outcomes = new Set<string>(ENCRYPTED_UPSTREAM_OUTCOMES)
  return {
    apiRateLimitedTotal,
    observeUpstreamExchange(e) {
      if (!transports.has(e.transport)) return
      queries.labels(e.transport, outcomes.has(e.outcome) ? e.outcome : 'network_error').inc()
      if (Number.isFinite(e.durationMs) && e.durationMs >= 0) duration.labels(e.transport).observe(e.durationMs / 1000)
    },
  }
}
