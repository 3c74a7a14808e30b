/**
 * Every Prometheus metric of dnsplane, defined once on a private prom-client Registry
 * (never the global one). DNS counters are read at scrape time from the Stats counters
 * (`collectFrom`), so the DNS hot path only pays for one histogram observation (a few adds:
 * ResolveHistogram).
 * Labels come from closed sets; peer-supplied strings never become label values.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client'
import { ResolveHistogram } from './resolve-histogram.js'
import type { ClusterStatus } from '../cluster/control.js'
import type { FrameBudgetStats } from '../cluster/transport/frame-budget.js'
import type { ResolutionEvent, ResolutionHit, ResolutionSink } from '../stats/resolution.js'
import type { QueryCounters } from '../stats/dashboard-data.js'
import type { DnsLimitCounters } from '../dns/limit/dns-limiter.js'
import { createEdgeMetrics, type EdgeMetrics } from './edge-metrics.js'

/** `qtype` label values of dnsplane_dns_resolve_duration_seconds; anything else is 'other'. */
export const QTYPE_LABELS = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'PTR', 'SRV', 'SOA', 'CAA', 'ANY', 'other'] as const
export type QtypeLabel = (typeof QTYPE_LABELS)[number]

/** The original's fast-path latency buckets, in seconds. */
export const RESOLVE_BUCKETS_SECONDS = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064] as const
export const CLUSTER_APPLY_BUCKETS_SECONDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const
export const CLUSTER_REPLICATION_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900] as const

/** `reason` label values of dnsplane_cluster_snapshots_rejected_total; an unknown reason counts as 'invalid'. */
export const SNAPSHOT_REJECT_REASONS = [
  'duplicate', 'primary_writer_no_allowlist', 'primary_writer_denied', 'global_lww_stale',
  'empty_from_fresh_node', 'read_only_source', 'invalid',
] as const
export type SnapshotRejectReason = (typeof SNAPSHOT_REJECT_REASONS)[number]

/** `reason` label values of dnsplane_cluster_records_rejected_total (record codec reasons plus the version bound). */
export const RECORD_REJECT_REASONS = ['invalid_name', 'invalid_type', 'invalid_value', 'invalid_time', 'invalid_field', 'future_version'] as const

/** Default cluster message types (the original's catalogue and our record_lww/auth extensions); others count as 'unknown'. */
export const CLUSTER_MESSAGE_TYPES = [
  'auth', 'auth_ok', 'auth_fail', 'error', 'ping', 'pong', 'pull', 'records_full',
  'admin_config_apply', 'admin_config_ok', 'admin_config_fail',
  'auth_challenge', 'auth_response', 'delta', 'delta_ack', 'digest', 'bucket_entries',
] as const

/** Peer indexes above this are not exported (bounds the label set of the last-sync gauge). */
export const MAX_PEER_INDEX_LABELS = 256

/** A cluster happening, as the cluster manager reports it (the lead adapts manager events to this). */
export interface ClusterMetricEvent {
  kind:
    | 'frame_in' | 'frame_out' | 'auth_failure' | 'snapshot_sent' | 'snapshot_applied'
    | 'snapshot_rejected' | 'sync_ok' | 'replication_delay' | 'delta_applied' | 'anti_entropy' | 'records_rejected'
  /** Message type for frame_in/frame_out. */
  type?: string
  /** Frame size in bytes (length prefix included) for frame_in/frame_out. */
  bytes?: number
  /** Rejection reason for snapshot_rejected and records_rejected. */
  reason?: string
  /** records_rejected: how many records were refused for `reason`. */
  count?: number
  /** Apply time (snapshot_applied) or write-to-delivery delay (replication_delay), milliseconds. */
  duration_ms?: number
  /** Position of the peer in the effective peer list, for sync_ok. */
  peer_index?: number
  /** Epoch milliseconds of the event (sync_ok: the sync time). */
  at?: number
  /** anti_entropy: whether the round completed. */
  ok?: boolean
}

/** Values read at scrape time. Each provider is optional; missing ones leave their metrics at 0. */
export interface MetricSources {
  counters?: () => QueryCounters
  /** Server start, epoch milliseconds. */
  serverStartMs?: () => number
  cluster?: () => ClusterStatus | undefined
  /** The node-wide inbound cluster frame budget. */
  frameBudget?: () => FrameBudgetStats | undefined
  /** Records a held-back mass delete would remove (0 when nothing is held). */
  massDeleteHeld?: () => number
  /** Records that load but are never answered (store/unanswerable.ts). */
  recordsUnanswerable?: () => number
  /** What the DNS query rate limit, response limiter and amplification cap did (undefined: no limit set). */
  dnsLimits?: () => DnsLimitCounters | undefined
  /** DNSSEC validation verdicts by outcome (undefined: dnssec_validate off). */
  dnssecValidations?: () => Readonly<Record<string, number>> | undefined
}

/** `action` label values of dnsplane_dns_limited_total (the DnsLimitCounters keys). */
export const DNS_LIMIT_ACTIONS = ['refused_rate', 'refused_window', 'rrl_dropped', 'rrl_slipped', 'amplification_truncated', 'evictions'] as const

export interface CreateMetricsOptions {
  /** The cluster message types accepted as `type` label values (default CLUSTER_MESSAGE_TYPES). */
  messageTypes?: readonly string[]
  /** Runs before every render (counts batched elsewhere, e.g. fast-path hits, are added first). */
  beforeRender?: () => void
}

/** The metric handles plus helpers; also a ResolutionSink feeding the latency histogram. */
export interface Metrics extends ResolutionSink, EdgeMetrics {
  readonly registry: Registry
  /** Content-Type of `render()` output: `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string
  readonly queriesTotal: Counter
  readonly cacheHitsTotal: Counter
  readonly blocksTotal: Counter
  readonly queriesForwardedTotal: Counter
  readonly queriesAnsweredTotal: Counter
  readonly serverStartTimeSeconds: Gauge
  readonly resolveDurationSeconds: ResolveHistogram<QtypeLabel>
  readonly clusterPeersConfigured: Gauge
  readonly clusterPeersReachable: Gauge
  readonly clusterPeerLastSyncTimestampSeconds: Gauge<'peer_index'>
  readonly clusterSnapshotsSentTotal: Counter
  readonly clusterSnapshotsAppliedTotal: Counter
  readonly clusterSnapshotsRejectedTotal: Counter<'reason'>
  readonly clusterFramesTotal: Counter<'direction' | 'type'>
  readonly clusterBytesTotal: Counter<'direction' | 'type'>
  readonly clusterAuthFailuresTotal: Counter
  readonly clusterApplyDurationSeconds: Histogram
  readonly clusterReplicationDelaySeconds: Histogram
  readonly clusterDeltasAppliedTotal: Counter
  readonly clusterAntiEntropyRoundsTotal: Counter<'outcome'>
  readonly clusterReplicaEntries: Gauge<'state'>
  readonly clusterPeerClockSkewSeconds: Gauge<'peer_index'>
  readonly clusterClockSkewExceeded: Gauge
  readonly recordsMassDeleteHeld: Gauge
  readonly dnsUpdatesTotal: Counter<'rcode'>
  /** Record set changes by path (ChangeSource); incremented by the zone service, which follows the store. */
  readonly recordChangesTotal: Counter<'source'>
  /** Observes the resolution latency (O(1), never throws). */
  record(event: ResolutionEvent): void
  /** A fast-path answer: latency 0 under its qtype. */
  recordHit(at: number, clientIp: string | undefined, hit: ResolutionHit): void
  /** `n` fast-path answers of `hit` (latency 0), counted in a batch. */
  countHits(hit: ResolutionHit, n: number): void
  /** Counts one cluster event; unknown kinds and bad numbers are ignored, never thrown. */
  observeClusterEvent(e: ClusterMetricEvent): void
  /** Replaces the scrape-time sources. */
  collectFrom(sources: MetricSources): void
  /** The exposition text of every metric. */
  render(): Promise<string>
}

/** Builds every metric on a new private Registry. */
export function createMetrics(opts: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry()
  const registers = [registry]
  let sources: MetricSources = {}
  const messageTypes = new Set<string>(opts.messageTypes ?? CLUSTER_MESSAGE_TYPES)
  const typeLabels = [...messageTypes, 'unknown']

  const scrapedCounter = (name: string, help: string, key: keyof QueryCounters): Counter =>
    new Counter({
      name, help, registers,
      collect() {
        const counters = safeCall(sources.counters)
        this.reset()
        this.inc(counters ? nonNegative(counters[key]) : 0)
      },
    })

  const queriesTotal = scrapedCounter('dnsplane_queries_total', 'DNS requests received.', 'total_queries')
  const cacheHitsTotal = scrapedCounter('dnsplane_cache_hits_total', 'Questions answered from the cache.', 'total_cache_hits')
  const blocksTotal = scrapedCounter('dnsplane_blocks_total', 'Questions answered by the adblock list.', 'total_blocks')
  const queriesForwardedTotal = scrapedCounter('dnsplane_queries_forwarded_total', 'Questions answered by an upstream server.', 'total_queries_forwarded')
  const queriesAnsweredTotal = scrapedCounter('dnsplane_queries_answered_total', 'Questions handled.', 'total_queries_answered')
  const serverStartTimeSeconds = new Gauge({
    name: 'dnsplane_server_start_time_seconds', help: 'Unix time the server started, in seconds.', registers,
    collect() {
      const ms = safeCall(sources.serverStartMs)
      if (ms !== undefined && Number.isFinite(ms)) this.set(Math.floor(ms / 1000))
    },
  })
  const resolveDurationSeconds = new ResolveHistogram<QtypeLabel>(
    'dnsplane_dns_resolve_duration_seconds', 'Time to resolve one question, in seconds, by query type.',
    'qtype', QTYPE_LABELS, RESOLVE_BUCKETS_SECONDS,
  )
  registry.registerMetric(resolveDurationSeconds as unknown as Metric)
  const otherQtype = resolveDurationSeconds.labelIndex('other')
  const qtypeIndex = (qtype: string): number => {
    let i = resolveDurationSeconds.labelIndex(qtype)
    if (i < 0) i = resolveDurationSeconds.labelIndex(String(qtype).toUpperCase())
    return i < 0 ? otherQtype : i
  }

  const clusterPeersConfigured = new Gauge({
    name: 'dnsplane_cluster_peers_configured', help: 'Peers in the effective peer list (static plus SRV).', registers,
    collect() {
      const st = currentCluster()
      this.set(st?.enabled ? st.effective_peer_count : 0)
    },
  })
  const clusterPeersReachable = new Gauge({
    name: 'dnsplane_cluster_peers_reachable', help: 'Peers whose last probe succeeded.', registers,
    collect() {
      const st = currentCluster()
      this.set(st?.enabled && st.peers ? st.peers.filter((p) => p.reachable).length : 0)
    },
  })
  const clusterPeerLastSyncTimestampSeconds = new Gauge<'peer_index'>({
    name: 'dnsplane_cluster_peer_last_sync_timestamp_seconds',
    help: 'Unix time of the last successful record exchange with a peer; peer_index is its position in the effective peer list.',
    labelNames: ['peer_index'], registers,
    collect() {
      const st = currentCluster()
      if (!st) return // no status source: keep what sync_ok events set
      this.reset()
      if (!st.enabled || !st.peers) return
      st.peers.forEach((p, i) => {
        if (i >= MAX_PEER_INDEX_LABELS || !p.last_sync_ok) return
        const ms = Date.parse(p.last_sync_ok)
        if (Number.isFinite(ms)) this.labels(String(i)).set(ms / 1000)
      })
    },
  })
  const clusterSnapshotsSentTotal = new Counter({
    name: 'dnsplane_cluster_snapshots_sent_total', help: 'records_full snapshots sent (pushes and pull responses).', registers,
  })
  const clusterSnapshotsAppliedTotal = new Counter({
    name: 'dnsplane_cluster_snapshots_applied_total', help: 'Snapshots received and applied.', registers,
  })
  const clusterSnapshotsRejectedTotal = new Counter<'reason'>({
    name: 'dnsplane_cluster_snapshots_rejected_total', help: 'Snapshots received and not applied, by reason.',
    labelNames: ['reason'], registers,
  })
  const clusterFramesTotal = new Counter<'direction' | 'type'>({
    name: 'dnsplane_cluster_frames_total', help: 'Cluster frames by direction (in/out) and message type.',
    labelNames: ['direction', 'type'], registers,
  })
  const clusterBytesTotal = new Counter<'direction' | 'type'>({
    name: 'dnsplane_cluster_bytes_total', help: 'Cluster frame bytes (length prefix included) by direction and message type.',
    labelNames: ['direction', 'type'], registers,
  })
  const clusterAuthFailuresTotal = new Counter({
    name: 'dnsplane_cluster_auth_failures_total', help: 'Cluster connections that failed authentication (either side).', registers,
  })
  const clusterApplyDurationSeconds = new Histogram({
    name: 'dnsplane_cluster_apply_duration_seconds', help: 'Time to apply a received snapshot, in seconds.',
    buckets: [...CLUSTER_APPLY_BUCKETS_SECONDS], registers,
  })
  const clusterReplicationDelaySeconds = new Histogram({
    name: 'dnsplane_cluster_replication_delay_seconds',
    help: 'Time from a local write to its delivery to a peer by an acknowledged push, in seconds.',
    buckets: [...CLUSTER_REPLICATION_BUCKETS_SECONDS], registers,
  })

  const clusterRecordsRejectedTotal = new Counter<'reason'>({
    name: 'dnsplane_cluster_records_rejected_total',
    help: 'Records or entries received from peers and refused (never stored), by reason.',
    labelNames: ['reason'], registers,
  })
  const recordRejectReasons: ReadonlySet<string> = new Set(RECORD_REJECT_REASONS)
  const dnsUpdatesTotal = new Counter<'rcode'>({
    name: 'dnsplane_dns_updates_total', help: 'RFC 2136 UPDATE messages answered, by rcode (NOERROR, REFUSED, NXRRSET, BADSIG, ...).',
    labelNames: ['rcode'], registers,
  })
  const recordChangesTotal = new Counter<'source'>({
    name: 'dnsplane_records_changes_total', labelNames: ['source'], registers,
    help: 'Record set changes applied, by source: local (API, TUI, DNS UPDATE, records/zone import), cluster and replica (peers), file (records file edited), reload (records reload, bind_dir/url refresh).',
  })
  for (const s of ['local', 'cluster', 'replica', 'file', 'reload']) recordChangesTotal.labels(s).inc(0)
  const clusterDeltasAppliedTotal = new Counter({
    name: 'dnsplane_cluster_deltas_applied_total', help: 'record_lww delta frames received and applied (acknowledged).', registers,
  })
  const clusterAntiEntropyRoundsTotal = new Counter<'outcome'>({
    name: 'dnsplane_cluster_anti_entropy_rounds_total', help: 'record_lww anti-entropy rounds this node started, by outcome (ok, failed).',
    labelNames: ['outcome'], registers,
  })
  const clusterReplicaEntries = new Gauge<'state'>({
    name: 'dnsplane_cluster_replica_entries', help: 'record_lww replica entries by state (live, tombstone).',
    labelNames: ['state'], registers,
    collect() {
      const r = currentCluster()?.replica
      this.labels('live').set(r ? r.live : 0)
      this.labels('tombstone').set(r ? r.tombstones : 0)
    },
  })
  const clusterPeerClockSkewSeconds = new Gauge<'peer_index'>({
    name: 'dnsplane_cluster_peer_clock_skew_seconds',
    help: 'Peer clock minus ours from the last handshake, in seconds; peer_index is its position in the effective peer list.',
    labelNames: ['peer_index'], registers,
    collect() {
      this.reset()
      const st = currentCluster()
      if (!st?.enabled || !st.peers) return
      st.peers.forEach((p, i) => {
        if (i < MAX_PEER_INDEX_LABELS && p.clock_skew_ms !== undefined) this.labels(String(i)).set(p.clock_skew_ms / 1000)
      })
    },
  })
  const clusterClockSkewExceeded = new Gauge({
    name: 'dnsplane_cluster_clock_skew_exceeded', help: '1 when some peer clock is further from ours than the bound (see cluster status).', registers,
    collect() {
      this.set(currentCluster()?.replica?.clock_skew_exceeded ? 1 : 0)
    },
  })

  new Gauge({
    name: 'dnsplane_cluster_frame_budget_bytes', help: 'Bytes of inbound cluster frames reserved from the node-wide budget now.', registers,
    collect() {
      this.set(nonNegative(safeCall(sources.frameBudget)?.in_use_bytes ?? 0))
    },
  })
  new Counter<'action'>({
    name: 'dnsplane_cluster_frame_budget_exhausted_total',
    help: 'Inbound cluster frames that did not fit the node-wide budget: paused = reading waited for room, refused = larger than the whole budget (error frame, connection closed).',
    labelNames: ['action'], registers,
    collect() {
      const s = safeCall(sources.frameBudget)
      this.reset()
      this.labels('paused').inc(nonNegative(s?.waits ?? 0))
      this.labels('refused').inc(nonNegative(s?.refusals ?? 0))
    },
  })
  new Counter<'action'>({
    name: 'dnsplane_dns_limited_total',
    help: 'DNS messages the abuse limits acted on: refused_rate (query rate), refused_window (sliding window), rrl_dropped, rrl_slipped (sent TC=1), amplification_truncated (sent TC=1), evictions (client state forgotten for room).',
    labelNames: ['action'], registers,
    collect() {
      const c = safeCall(sources.dnsLimits)
      this.reset()
      for (const a of DNS_LIMIT_ACTIONS) this.labels(a).inc(nonNegative(c?.[a] ?? 0))
    },
  })
  const recordsMassDeleteHeld = new Gauge({
    name: 'dnsplane_records_mass_delete_held',
    help: 'Records a held-back mass delete (file edit, reload or start-up) would remove until confirmed or discarded; 0 = nothing held.',
    registers,
    collect() {
      this.set(nonNegative(safeCall(sources.massDeleteHeld) ?? 0))
    },
  })
  new Gauge({
    name: 'dnsplane_records_unanswerable',
    help: 'Records that load but no question can get (bad encoding, shadowed by a CNAME, below a zone cut or DNAME); each is warned about at load.',
    registers,
    collect() {
      this.set(nonNegative(safeCall(sources.recordsUnanswerable) ?? 0))
    },
  })

  new Counter<'outcome'>({
    name: 'dnsplane_dnssec_validations_total',
    help: 'Forwarded answers judged by the DNSSEC validator, by outcome (secure, insecure, bogus, indeterminate).',
    labelNames: ['outcome'], registers,
    collect() {
      const c = safeCall(sources.dnssecValidations)
      this.reset()
      for (const o of ['secure', 'insecure', 'bogus', 'indeterminate']) this.labels(o).inc(nonNegative(c?.[o] ?? 0))
    },
  })

  // Zero series for every closed-set label value, so rate()/increase() work from the first scrape.
  for (const o of ['ok', 'failed']) clusterAntiEntropyRoundsTotal.labels(o).inc(0)
  for (const r of SNAPSHOT_REJECT_REASONS) clusterSnapshotsRejectedTotal.labels(r).inc(0)
  for (const d of ['in', 'out']) {
    for (const ty of typeLabels) {
      clusterFramesTotal.labels(d, ty).inc(0)
      clusterBytesTotal.labels(d, ty).inc(0)
    }
  }

  function currentCluster(): ClusterStatus | undefined {
    return safeCall(sources.cluster)
  }

  const reasonSet = new Set<string>(SNAPSHOT_REJECT_REASONS)

  return {
    ...createEdgeMetrics(registry),
    registry,
    contentType: registry.contentType,
    queriesTotal, cacheHitsTotal, blocksTotal, queriesForwardedTotal, queriesAnsweredTotal, serverStartTimeSeconds,
    resolveDurationSeconds,
    clusterPeersConfigured, clusterPeersReachable, clusterPeerLastSyncTimestampSeconds,
    clusterSnapshotsSentTotal, clusterSnapshotsAppliedTotal, clusterSnapshotsRejectedTotal,
    clusterFramesTotal, clusterBytesTotal, clusterAuthFailuresTotal,
    clusterApplyDurationSeconds, clusterReplicationDelaySeconds,
    clusterDeltasAppliedTotal, dnsUpdatesTotal, clusterAntiEntropyRoundsTotal, clusterReplicaEntries, clusterPeerClockSkewSeconds, clusterClockSkewExceeded,
    recordsMassDeleteHeld, recordChangesTotal,

    record(event) {
      if (event.outcome === 'update') dnsUpdatesTotal.labels(event.rcode).inc()
      const ms = event.duration_ms
      if (!Number.isFinite(ms) || ms < 0) return
      resolveDurationSeconds.observeAt(qtypeIndex(event.qtype), ms / 1000)
    },

    recordHit(_at, _clientIp, hit) {
      resolveDurationSeconds.observeAt(qtypeIndex(hit.qtype), 0)
    },

    countHits(hit, n) {
      resolveDurationSeconds.observeAt(qtypeIndex(hit.qtype), 0, n)
    },

    observeClusterEvent(e) {
      switch (e.kind) {
        case 'frame_in':
        case 'frame_out': {
          const direction = e.kind === 'frame_in' ? 'in' : 'out'
          const type = e.type !== undefined && messageTypes.has(e.type) ? e.type : 'unknown'
          clusterFramesTotal.labels(direction, type).inc()
          if (e.bytes !== undefined && Number.isFinite(e.bytes) && e.bytes > 0) clusterBytesTotal.labels(direction, type).inc(e.bytes)
          return
        }
        case 'auth_failure':
          clusterAuthFailuresTotal.inc()
          return
        case 'snapshot_sent':
          clusterSnapshotsSentTotal.inc()
          return
        case 'snapshot_applied':
          clusterSnapshotsAppliedTotal.inc()
          if (isDuration(e.duration_ms)) clusterApplyDurationSeconds.observe(e.duration_ms / 1000)
          return
        case 'snapshot_rejected':
          clusterSnapshotsRejectedTotal.labels(e.reason !== undefined && reasonSet.has(e.reason) ? e.reason : 'invalid').inc()
          return
        case 'sync_ok': {
          const i = e.peer_index
          if (i === undefined || !Number.isInteger(i) || i < 0 || i >= MAX_PEER_INDEX_LABELS) return
          if (e.at === undefined || !Number.isFinite(e.at)) return
          clusterPeerLastSyncTimestampSeconds.labels(String(i)).set(e.at / 1000)
          return
        }
        case 'replication_delay':
          if (isDuration(e.duration_ms)) clusterReplicationDelaySeconds.observe(e.duration_ms / 1000)
          return
        case 'delta_applied':
          clusterDeltasAppliedTotal.inc()
          if (isDuration(e.duration_ms)) clusterApplyDurationSeconds.observe(e.duration_ms / 1000)
          return
        case 'anti_entropy':
          clusterAntiEntropyRoundsTotal.labels(e.ok ? 'ok' : 'failed').inc()
          return
        case 'records_rejected': {
          const n = e.count !== undefined && Number.isSafeInteger(e.count) && e.count > 0 ? e.count : 1
          clusterRecordsRejectedTotal.labels(e.reason !== undefined && recordRejectReasons.has(e.reason) ? e.reason : 'invalid_field').inc(n)
          return
        }
        default:
          return // unknown kind: ignore (events come from our own code; never throw into it)
      }
    },

    collectFrom(next) {
      sources = { ...next }
    },

    render() {
      opts.beforeRender?.()
      return registry.metrics()
    },
  }
}

function isDuration(ms: number | undefined): ms is number {
  return ms !== undefined && Number.isFinite(ms) && ms >= 0
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0
}

/** Calls a provider; a throwing provider must not break the whole scrape. */
function safeCall<T>(fn: (() => T) | undefined): T | undefined {
  if (!fn) return undefined
  try {
    return fn()
  } catch {
    return undefined // a broken provider reports as "no data" rather than failing /metrics
  }
}
