/** The DNS listeners (UDP + TCP) answering from the record index, forwarding the rest to the resolver. */
import type { AddressInfo } from 'node:net'
import { hostname } from 'node:os'
import { VERSION } from '../version.js'
import { DnsServer } from '../dns/serve/server.js'
import { DnsLimiter, dnsLimitSettingsFrom, hasDnsLimits, type DnsLimitCounters } from '../dns/limit/dns-limiter.js'
import type { CachingResolver } from '../dns/forward/resolver.js'
import type { NodeRecordStore } from '../store/record-store.js'
import type { ResolutionSink } from '../stats/resolution.js'
import type { TransferService } from '../dns/xfr/transfer.js'
import { portFrom } from './adapters.js'
import { buildUpdateService } from './build-update.js'
import { buildBlockList } from './build-block.js'
import { buildSigner } from './build-dnssec.js'
import type { BuildContext, UpFlags } from './options.js'

export interface BuiltDns {
  dns: DnsServer
  address: { udp: AddressInfo; tcp: AddressInfo }
  /** What the DNS limits did (metrics); undefined when no limit is configured. */
  limits: () => DnsLimitCounters | undefined
}

/** Binds dns_bind:port and registers 'dns'; throws DnsplaneError ERR_BIND_FAILED when the port is taken. */
export async function buildDns(
  ctx: BuildContext,
  deps: { records: NodeRecordStore; resolver: CachingResolver; sink: ResolutionSink; nodeId?: () => string; xfr?: TransferService },
): Promise<BuiltDns> {
  const { config, log, stops } = ctx
  const update = buildUpdateService(ctx, deps.records)
  const limitSettings = dnsLimitSettingsFrom(config)
  const limiter = hasDnsLimits(limitSettings) ? new DnsLimiter(limitSettings) : undefined
  const blocklist = await buildBlockList(ctx)
  const signer = buildSigner(ctx)
  const dns = new DnsServer(
    {
      bind: config.dns_bind,
      port: portFrom('port', config.port),
      localRecordsEnabled: config.local_records_enabled,
      autoBuildPtrFromA: config.DNSRecordSettings.auto_build_ptr_from_a,
      refuseAny: config.dns_refuse_any,
      minimalAny: config.dns_minimal_any,
      chaosIdentity: config.dns_chaos_identity ? () => deps.nodeId?.() || config.cluster_node_id.trim() || hostname() : undefined,
      chaosVersion: config.dns_chaos_version ? 'dnsplane ' + VERSION : undefined,
      maxEdnsUdpPayload: config.dns_max_edns_udp_payload,
      tcpIdleTimeoutMs: config.dns_tcp_idle_timeout_seconds * 1000,
      tcpMaxConnections: config.dns_tcp_max_connections,
      tcpMaxConnectionsPerClient: config.dns_tcp_max_connections_per_client,
      upstreamTimeoutMs: Math.max(1, config.timeout) * 1000,
    },
    { getIndex: () => deps.records.index, resolver: deps.resolver, sink: deps.sink, log, update, xfr: deps.xfr, limiter, blocklist, signer },
  )
  // the zone tree is built before the node listens, not by the first query: at a million records that
  // build held the event loop for tens of seconds in the middle of the REST API's start (its plugin timed out)
  dns.responder.follow(deps.records.index)
  const address = await dns.start()
  // the zone tree and the fast path follow each change as it is served, so no query waits to catch up
  const unfollow = deps.records.onChange((change) => dns.responder.follow(change.index))
  stops.push('dns', () => {
    unfollow()
    return dns.stop()
  })
  return { dns, address, limits: () => limiter?.counters }
}

/**
 * Registers 'dns-flag': readiness reports DNS down from the moment stopping reaches it. Pushed after the
 * cluster, so it unwinds before it, as it always has.
 */
export function markDnsDownOnStop({ stops }: BuildContext, up: UpFlags): void {
  stops.push('dns-flag', () => void (up.dns = false))
}
