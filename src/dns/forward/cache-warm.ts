/**
 * Cache warm-up (`cache_warm_enabled`, `cache_warm_interval_seconds`), with the original's meaning: every
 * interval the node asks itself `localhost. A` through its own UDP listener, so the receive, answer and
 * send path stays exercised (JIT-compiled, caches hot) on an idle node. RFC 6761 §6.3: localhost is
 * answered locally and never forwarded, so a warm query never leaves the host and costs one small
 * loopback datagram per interval.
 */
import { isIP } from 'node:net'
import type { Forwarder } from './forwarder.js'
import type { UpstreamEndpoint } from './upstream-select.js'

export const CACHE_WARM_NAME = 'localhost.'

export interface CacheWarmCounters {
  sent: number
  answered: number
  failed: number
}

export interface CacheWarmOptions {
  forwarder: Forwarder
  /** The node's own DNS listener. */
  self: UpstreamEndpoint
  intervalMs: number
  timeoutMs: number
  /** Called with a reason when a warm query gets no answer (the listener is wedged or gone). */
  onFailure?: (reason: string) => void
  /** Interval scheduler (tests pass a manual one); default setInterval, unref'd. */
  every?: (fn: () => void, ms: number) => () => void
}

export interface CacheWarm {
  counters(): CacheWarmCounters
  /** One warm query now (what each tick does); resolves when it is answered or has failed. */
  tick(): Promise<void>
  stop(): void
}

/** The address to ask: the listener's own address when it is bound to one, else loopback of its family. */
export function selfEndpoint(bind: string, port: number): UpstreamEndpoint {
  const b = bind.trim()
  const address = b === '' || b === '0.0.0.0' ? '127.0.0.1' : b === '::' ? '::1' : b
  const addressPort = isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`
  return { address, port, transport: 'udp', addressPort }
}

const defaultEvery = (fn: () => void, ms: number): (() => void) => {
  const timer = setInterval(fn, ms)
  timer.unref()
  return () => clearInterval(timer)
}

/** Starts the warm-up loop; at most one warm query is in flight, so a slow listener never piles them up. */
export function startCacheWarm(opts: CacheWarmOptions): CacheWarm {
  const counters: CacheWarmCounters = { sent: 0, answered: 0, failed: 0 }
  let inFlight: Promise<void> | undefined
  const tick = (): Promise<void> => {
    if (inFlight) return inFlight
    counters.sent++
    inFlight = opts.forwarder
      .forward({ name: CACHE_WARM_NAME, type: 'A', endpoints: [opts.self], timeoutMs: opts.timeoutMs })
      .then((r) => {
        if (r.kind === 'answer') counters.answered++
        else fail(r.reason)
      }, (err: unknown) => fail(err instanceof Error ? err.message : String(err)))
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }
  const fail = (reason: string): void => {
    counters.failed++
    opts.onFailure?.(reason)
  }
  const cancel = (opts.every ?? defaultEvery)(() => void tick(), opts.intervalMs)
  return { counters: () => ({ ...counters }), tick, stop: cancel }
}
