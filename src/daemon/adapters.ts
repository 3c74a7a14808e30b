/**
 * Small adapters from the daemon's real objects to the narrow interfaces each service declares.
 * Pure mapping, no construction of services here (daemon.ts owns that).
 */
import type { Config } from '../config/schema.js'
import type { ClusterSettings } from '../cluster/settings.js'
import type { UpstreamServerRow } from '../dns/forward/upstream-select.js'
import type { DnsServer as ServerRowModel } from '../store/servers.js'
import type { CacheRow as ApiCacheRow } from '../api/deps.js'
import type { CacheRow as ResolverCacheRow } from '../dns/cache/response-cache.js'
import { GO_ZERO_TIME } from '../store/record.js'

/** The cluster_* keys of the config as the cluster manager reads them. */
/** The schema's default (60) stands for an absent key, which is the original's rule when SRV is set. */
export function clusterSettingsFrom(config: Config): ClusterSettings {
  return {
    cluster_enabled: config.cluster_enabled,
    cluster_listen_addr: config.cluster_listen_addr,
    cluster_advertise_addr: config.cluster_advertise_addr,
    cluster_peers: config.cluster_peers,
    cluster_auth_token: config.cluster_auth_token,
    cluster_node_id: config.cluster_node_id,
    cluster_sync_interval_seconds: config.cluster_sync_interval_seconds,
    cluster_replica_only: config.cluster_replica_only,
    cluster_reject_local_writes: config.cluster_reject_local_writes,
    cluster_admin: config.cluster_admin,
    cluster_admin_token: config.cluster_admin_token,
    cluster_sync_policy: config.cluster_sync_policy,
    cluster_allowed_writer_node_ids: config.cluster_allowed_writer_node_ids,
    cluster_discovery_srv: config.cluster_discovery_srv,
    cluster_discovery_interval_seconds: config.cluster_discovery_interval_seconds,
    cluster_tombstone_ttl_seconds: config.cluster_tombstone_ttl_seconds,
    cluster_allow_plain_token: config.cluster_allow_plain_token,
  }
}

/** A dnsservers.json row as the upstream selection reads it. */
export function upstreamRowFrom(row: ServerRowModel): UpstreamServerRow {
  return {
    address: row.address,
    port: row.port,
    transport: row.transport,
    active: row.active,
    domain_whitelist: row.domain_whitelist,
    fallback_address: row.fallback_address,
    fallback_port: row.fallback_port,
    fallback_transport: row.fallback_transport,
    doh_url: row.doh_url,
    fallback_doh_url: row.fallback_doh_url,
  } as UpstreamServerRow
}

/** A cache row in the original's dnscache.json/REST shape. */
export function apiCacheRowFrom(row: ResolverCacheRow, nowMs: number): ApiCacheRow {
  return {
    dns_record: {
      name: row.name,
      type: row.type,
      value: row.value,
      ttl: row.ttl,
      added_on: GO_ZERO_TIME,
      updated_on: GO_ZERO_TIME,
      cache_record: true,
      last_query: GO_ZERO_TIME,
    },
    expiry: row.expires_at,
    timestamp: new Date(nowMs).toISOString(),
    last_query: GO_ZERO_TIME,
  }
}

/** Parses a config port string ("53") into a number, naming the key on error. */
export function portFrom(key: string, text: string): number {
  const n = Number(text)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${key}: must be a port number 0..65535, got ${JSON.stringify(text)}`)
  return n
}
