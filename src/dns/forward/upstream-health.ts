/**
 * Upstream health checks (config upstream_health_check_*): every interval, one A query for the probe name
 * to each endpoint; NOERROR or NXDOMAIN is a success, anything else a failure; `failures` consecutive
 * failures mark the endpoint unhealthy until its next success. Selection drops unhealthy endpoints
 * (unless that drops all), via isHealthy().
 */
import type { Logger } from 'pino'
import { sleepClamped } from '../../timers.js'
import type { Forwarder } from './forwarder.js'
import type { UpstreamEndpoint } from './upstream-select.js'

/** Intervals below this are replaced by DEFAULT_HEALTH_INTERVAL_SECONDS (the original's rule). */
export const MIN_HEALTH_INTERVAL_SECONDS = 5
export const DEFAULT_HEALTH_INTERVAL_SECONDS = 30
export const DEFAULT_HEALTH_FAILURES = 3
export const DEFAULT_HEALTH_QUERY_NAME = 'google.com.'
/** Per-probe deadline. */
export const DEFAULT_HEALTH_PROBE_TIMEOUT_MS = 2000

export interface UpstreamHealthOptions {
  /** upstream_health_check_failures (>= 1; smaller values count as 1). */
  failures: number
  /** upstream_health_check_interval_seconds (< 5 -> 30). */
  intervalSeconds: number
  /** upstream_health_check_query_name. */
  queryName: string
  probeTimeoutMs?: number
}

export interface UpstreamHealthDeps {
  /** Endpoints to probe now (e.g. allActiveEndpoints(rows, fallback)). */
  getEndpoints: () => readonly UpstreamEndpoint[]
  forwarder: Forwarder
  /** Epoch ms. */
  now: () => number
  log: Logger
}

/** One entry of GET /dns/upstreams/health (the original's keys). */
export interface UpstreamHealthEntry {
  address_port: string
  unhealthy: boolean
  consecutive_failures: number
  /** RFC 3339. */
  last_probe_at?: string
  last_probe_error?: string
  last_success_at?: string
}

interface State {
  failures: number
  unhealthy: boolean
  lastProbeAt?: number
  lastError?: string
  lastSuccessAt?: number
}

export class UpstreamHealth {
  readonly #opts: Required<UpstreamHealthOptions>
  readonly #deps: UpstreamHealthDeps
  readonly #state = new Map<string, State>()
  #controller: AbortController | undefined
  #loop: Promise<void> | undefined

  constructor(opts: UpstreamHealthOptions, deps: UpstreamHealthDeps) {
    this.#opts = {
      failures: Math.max(1, Math.floor(opts.failures)),
      intervalSeconds: opts.intervalSeconds < MIN_HEALTH_INTERVAL_SECONDS ? DEFAULT_HEALTH_INTERVAL_SECONDS : opts.intervalSeconds,
      queryName: opts.queryName.trim() || DEFAULT_HEALTH_QUERY_NAME,
      probeTimeoutMs: opts.probeTimeoutMs ?? DEFAULT_HEALTH_PROBE_TIMEOUT_MS,
    }
    this.#deps = deps
  }

  /** False only for endpoints marked unhealthy; unknown endpoints are healthy. */
  isHealthy = (addressPort: string): boolean => !this.#state.get(addressPort)?.unhealthy

  /** Current state of every probed endpoint, sorted by address_port. */
  snapshot(): UpstreamHealthEntry[] {
    const out: UpstreamHealthEntry[] = []
    for (const [address_port, s] of this.#state) {
      const e: UpstreamHealthEntry = { address_port, unhealthy: s.unhealthy, consecutive_failures: s.failures }
      if (s.lastProbeAt !== undefined) e.last_probe_at = new Date(s.lastProbeAt).toISOString()
      if (s.lastError !== undefined) e.last_probe_error = s.lastError
      if (s.lastSuccessAt !== undefined) e.last_success_at = new Date(s.lastSuccessAt).toISOString()
      out.push(e)
    }
    return out.sort((a, b) => (a.address_port < b.address_port ? -1 : a.address_port > b.address_port ? 1 : 0))
  }

  /** Probes every current endpoint once, in parallel; forgets endpoints no longer configured. */
  async probeOnce(signal?: AbortSignal): Promise<void> {
    const endpoints = this.#deps.getEndpoints()
    const keep = new Set(endpoints.map((e) => e.addressPort))
    for (const key of this.#state.keys()) if (!keep.has(key)) this.#state.delete(key)
    await Promise.all(endpoints.map((e) => this.#probe(e, signal)))
  }

  async #probe(endpoint: UpstreamEndpoint, signal?: AbortSignal): Promise<void> {
    const result = await this.#deps.forwarder.forward({
      name: this.#opts.queryName,
      type: 'A',
      class: 'IN',
      endpoints: [endpoint],
      timeoutMs: this.#opts.probeTimeoutMs,
      signal,
    })
    if (signal?.aborted) return
    const now = this.#deps.now()
    const s = this.#state.get(endpoint.addressPort) ?? { failures: 0, unhealthy: false }
    this.#state.set(endpoint.addressPort, s)
    s.lastProbeAt = now
    // kind 'answer' covers NOERROR (with or without data) and NXDOMAIN: the server is answering.
    if (result.kind === 'answer') {
      if (s.unhealthy) this.#deps.log.info({ upstream: endpoint.addressPort }, 'upstream healthy again')
      s.failures = 0
      s.unhealthy = false
      s.lastError = undefined
      s.lastSuccessAt = now
      return
    }
    s.failures++
    const f = result.failures[0]
    s.lastError = f ? (f.rcode ?? f.reason) : result.reason
    if (!s.unhealthy && s.failures >= this.#opts.failures) {
      s.unhealthy = true
      this.#deps.log.warn({ upstream: endpoint.addressPort, failures: s.failures, error: s.lastError }, 'upstream unhealthy')
    }
  }

  /** Probes now and then every interval until stop(). */
  start(): void {
    if (this.#controller) return
    const controller = new AbortController()
    this.#controller = controller
    const signal = controller.signal
    this.#loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.probeOnce(signal)
        } catch (err) {
          // A probe bug must not end the loop; log it and try again next interval.
          this.#deps.log.error({ err }, 'upstream health probe failed')
        }
        try {
          await sleepClamped(this.#opts.intervalSeconds * 1000, signal)
        } catch {
          // Aborted by stop().
          return
        }
      }
    })()
  }

  /** Stops the timer and waits for a running probe round to end (probes are aborted). */
  async stop(): Promise<void> {
    this.#controller?.abort()
    await this.#loop
    this.#controller = undefined
    this.#loop = undefined
  }
}
