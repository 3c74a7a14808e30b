/** Forwarding: the network forwarder, optional upstream health probes, the caching resolver and its cache file. */
import { CachingResolver } from '../dns/forward/resolver.js'
import { NetworkForwarder, type EncryptedExchangeReport } from '../dns/forward/forwarder.js'
import { loadCacheFile, CacheFileSaver } from '../dns/cache/cache-file.js'
import { UpstreamHealth } from '../dns/forward/upstream-health.js'
import { allActiveEndpoints, fallbackFromConfig, type FallbackEndpoint, type UpstreamServerRow } from '../dns/forward/upstream-select.js'
import type { ServersStore } from '../store/servers-file-store.js'
import { upstreamRowFrom } from './adapters.js'
import type { BuildContext } from './options.js'
import { ForwardValidator, loadTrustAnchors } from '../dns/forward/validation.js'

export interface BuiltForwarding {
  forwarder: NetworkForwarder
  resolver: CachingResolver
  /** Present only with upstream_health_check_enabled. */
  health: UpstreamHealth | undefined
  /** The servers file's rows as upstream selection reads them, read live. */
  rows: () => UpstreamServerRow[]
  /** The global fallback from the live config, undefined when none is set. */
  fallbackNow: () => FallbackEndpoint | undefined
  /** Present only with dnssec_validate. */
  validator?: ForwardValidator
}

/**
 * Registers 'forwarder', 'resolver', then (when enabled) 'cache-saver' and 'upstream-health' on the stop
 * stack. Loads dnscache.json into the cache when cache_records is on.
 */
export async function buildForwarding(
  ctx: BuildContext, servers: ServersStore, observe: { onEncryptedExchange?: (e: EncryptedExchangeReport) => void } = {},
): Promise<BuiltForwarding> {
  const { config, cfg, log, stops } = ctx
  const forwarder = new NetworkForwarder({ onEncryptedExchange: observe.onEncryptedExchange })
  stops.push('forwarder', () => forwarder.close())
  const fallbackNow = () => {
    const c = cfg()
    return fallbackFromConfig(c.fallback_server_ip, c.fallback_server_port, c.fallback_server_transport)
  }
  const rows = () => servers.list().map(upstreamRowFrom)
  const health = config.upstream_health_check_enabled
    ? new UpstreamHealth(
        {
          failures: config.upstream_health_check_failures,
          intervalSeconds: config.upstream_health_check_interval_seconds,
          queryName: config.upstream_health_check_query_name,
        },
        { getEndpoints: () => allActiveEndpoints(rows(), fallbackNow()), forwarder, now: Date.now, log: log.child({ component: 'upstream-health' }) },
      )
    : undefined
  let resolver: CachingResolver | undefined
  const timeoutMs = Math.max(1, config.timeout) * 1000
  const validator = config.dnssec_validate
    ? new ForwardValidator(
        { anchors: await loadTrustAnchors(config.dnssec_trust_anchor_file), strict: config.dnssec_validate_strict },
        { forwarder, endpointsFor: (name) => resolver?.endpointsFor(name) ?? [], timeoutMs, now: Date.now, log: log.child({ component: 'dnssec' }) },
      )
    : undefined
  resolver = new CachingResolver(
    {
      timeoutMs,
      cacheEnabled: config.cache_records,
      minCacheTtlSeconds: config.min_cache_ttl_seconds,
      staleWhileRevalidate: config.stale_while_revalidate,
      fallback: fallbackNow(),
    },
    { getServers: rows, forwarder, isHealthy: health?.isHealthy, validator, log: log.child({ component: 'resolver' }) },
  )
  stops.push('resolver', () => resolver.stop())
  if (config.cache_records) {
    await loadCacheFile(config.file_locations.cache, resolver.cache, { now: Date.now, log })
    const saver = new CacheFileSaver({ path: config.file_locations.cache, pretty: config.pretty_json }, { cache: resolver.cache, now: Date.now, log })
    saver.start()
    stops.push('cache-saver', () => saver.stop())
  }
  if (health) {
    health.start()
    stops.push('upstream-health', () => health.stop())
  }
  return { forwarder, resolver, health, rows, fallbackNow, validator }
}
