/**
 * The daemon's own timers: cache compaction, cache warm-up and, with cluster_ready_requires_sync, the
 * first-sync pull loop. All are unref'd and registered on the stop stack.
 */
import type { Logger } from 'pino'
import type { ResponseCache } from '../dns/cache/response-cache.js'
import { setClampedInterval } from '../timers.js'
import { selfEndpoint, startCacheWarm, type CacheWarm } from '../dns/forward/cache-warm.js'
import type { Forwarder } from '../dns/forward/forwarder.js'
import { hasSyncWaitExpired, isAwaitingFirstSync, syncTimeoutNote, type ReadinessInput } from './readiness.js'
import type { BuildContext } from './options.js'

/** With cluster_ready_requires_sync: how often to pull until the first sync succeeds. */
export const FIRST_SYNC_RETRY_MS = 2000

/** The last compaction: when (ms since the epoch, 0 = never) and how many entries it removed. */
export interface CompactionRecord {
  at: number
  removed: number
}

/**
 * With cache_compact_enabled, compacts the cache every cache_compact_interval_seconds (at least 60 s) and
 * registers 'cache-compact'. Returns a reader of the last compaction (the dashboard's cache tile).
 */
export function startCacheCompaction({ config, stops }: BuildContext, cache: ResponseCache): () => CompactionRecord {
  let last: CompactionRecord = { at: 0, removed: 0 }
  if (config.cache_compact_enabled) {
    const timer = setClampedInterval(() => {
      last = { at: Date.now(), removed: cache.compact(Date.now()) }
    }, Math.max(60, config.cache_compact_interval_seconds) * 1000)
    timer.unref()
    stops.push('cache-compact', () => clearInterval(timer))
  }
  return () => last
}

/**
 * With cache_warm_enabled, asks the node's own UDP listener (`udpPort`, the bound port) `localhost. A`
 * every cache_warm_interval_seconds and registers 'cache-warm'. Failures are logged at debug level.
 */
export function startCacheWarmUp({ config, log, stops }: BuildContext, forwarder: Forwarder, udpPort: number): CacheWarm | undefined {
  if (!config.cache_warm_enabled) return undefined
  const warm = startCacheWarm({
    forwarder,
    self: selfEndpoint(config.dns_bind, udpPort),
    intervalMs: config.cache_warm_interval_seconds * 1000,
    timeoutMs: Math.max(1, config.timeout) * 1000,
    onFailure: (reason) => log.debug({ component: 'cache-warm', reason }, 'cache warm query failed'),
    every: (fn, ms) => {
      const timer = setClampedInterval(fn, ms)
      timer.unref()
      return () => clearInterval(timer)
    },
  })
  stops.push('cache-warm', () => warm.stop())
  return warm
}

export interface FirstSyncDeps {
  isSyncedOnce: () => boolean
  readinessInput: () => ReadinessInput
  pull: () => Promise<unknown>
  log: Logger
}

/**
 * /ready waits for a first sync; without a periodic pull a restarted node might never get one, so pull
 * every FIRST_SYNC_RETRY_MS until one succeeds (then stop: pushes and the normal loops take over).
 * Logs once when the wait passes cluster_ready_sync_timeout_seconds. Registers 'first-sync'.
 */
export function startFirstSyncLoop({ stops }: BuildContext, deps: FirstSyncDeps): void {
  let saidTimeout = false
  const firstSync = setInterval(() => {
    if (deps.isSyncedOnce()) return clearInterval(firstSync)
    const r = deps.readinessInput()
    if (!saidTimeout && isAwaitingFirstSync(r) && hasSyncWaitExpired(r)) {
      saidTimeout = true
      deps.log.warn({ component: 'cluster', timeout_seconds: r.syncTimeoutSeconds }, syncTimeoutNote(r.syncTimeoutSeconds))
    }
    deps.pull().catch((err: unknown) => deps.log.debug({ err }, 'first-sync pull failed'))
  }, FIRST_SYNC_RETRY_MS)
  firstSync.unref()
  stops.push('first-sync', () => clearInterval(firstSync))
}
