/**
 * The cluster manager, always built so `cluster status`/`join` answer (and cluster_state.json exists)
 * even when clustering is off, as in the original; start() listens and runs loops only when cluster_enabled.
 * Also owns what hangs off its events: sync tracking for readiness, cluster metrics, replication delay.
 */
import { dirname } from 'node:path'
import { Resolver } from 'node:dns/promises'
import type { SrvRecord } from 'node:dns'
import type { Logger } from 'pino'
import type { Config } from '../config/schema.js'
import type { ConfigManager } from '../config/manager.js'
import { ClusterManager } from '../cluster/manager.js'
import { statePathFor } from '../cluster/state-file.js'
import { replicaPathFor } from '../cluster/sync/replica-store/replica-file.js'
import { loadTlsMaterial, TlsTransport } from '../cluster/transport/tls-transport.js'
import type { Transport } from '../cluster/transport/transport.js'
import { FrameBudget } from '../cluster/transport/frame-budget.js'
import type { Metrics } from '../metrics/registry.js'
import type { RecordStore } from '../store/record-store.js'
import { clusterSettingsFrom } from './adapters.js'
import { clusterEventToMetric, ReplicationDelayTracker } from './cluster-events.js'
import type { ReadinessInput } from './readiness.js'
import { startFirstSyncLoop } from './build-timers.js'
import { keyServer } from './key-server.js'
import type { BuildContext, StartDaemonOptions, UpFlags } from './options.js'

export interface ClusterDeps {
  configPath: string
  configManager: ConfigManager
  records: RecordStore
  metrics: Metrics
  up: UpFlags
  opts: Pick<StartDaemonOptions, 'clusterProbeIntervalMs' | 'srvResolverServers'>
}

export interface BuiltCluster {
  cluster: ClusterManager
  frameBudget: FrameBudget
  /** The facts readiness is judged on, read live (pure verdict in readiness.ts). */
  readinessInput: () => ReadinessInput
}

/**
 * Registers 'replication-delay', then (with cluster_enabled and cluster_ready_requires_sync) 'first-sync',
 * then 'cluster'. Throws DnsplaneError when the TLS material cannot be read or the cluster port is busy.
 */
export async function buildCluster(ctx: BuildContext, deps: ClusterDeps): Promise<BuiltCluster> {
  const { config, cfg, log, stops } = ctx
  const { transport, transportKind } = await clusterTransportFor(config, dirname(deps.configPath), log)
  const frameBudget = new FrameBudget()
  const cluster = new ClusterManager({
    frameBudget,
    transport,
    transportKind,
    replicaPath: replicaPathFor(deps.configPath),
    settings: () => clusterSettingsFrom(cfg()),
    updateSettings: async (patch) => {
      await deps.configManager.update(patch as Partial<Config>)
    },
    store: deps.records,
    statePath: statePathFor(deps.configPath),
    log: log.child({ component: 'cluster' }),
    probeIntervalMs: deps.opts.clusterProbeIntervalMs,
    resolveSrv: deps.opts.srvResolverServers ? srvResolverFor(deps.opts.srvResolverServers) : undefined,
    dnssecKeys: keyServer(config, transportKind, log.child({ component: 'dnssec' })),
  })
  let syncedOnce = false
  // Replication delay: local write -> acknowledged push, per peer (see ReplicationDelayTracker).
  const delays = new ReplicationDelayTracker()
  const unsubscribeDelays = deps.records.onChange((change) => {
    // runningPeers, not status(): that builds the whole status (network interfaces included) on every write
    if (change.source === 'local') delays.onLocalWrite(Date.now(), cluster.runningPeers())
  })
  stops.push('replication-delay', () => unsubscribeDelays())
  cluster.onEvent((e) => {
    if (e.kind === 'sync_ok') syncedOnce = true
    const m = clusterEventToMetric(e, cfg().cluster_peers)
    if (m) deps.metrics.observeClusterEvent(m)
    const delay = delays.onEvent(e, Date.now())
    if (delay) deps.metrics.observeClusterEvent(delay)
  })
  await cluster.start()
  const clusterStartedAt = Date.now()
  const readinessInput = (): ReadinessInput => {
    const c = cfg()
    return {
      dnsUp: deps.up.dns,
      clusterEnabled: c.cluster_enabled,
      requiresSync: c.cluster_ready_requires_sync,
      syncTimeoutSeconds: c.cluster_ready_sync_timeout_seconds,
      syncedOnce,
      // status() builds the whole cluster status: only asked while a first sync is awaited
      peerCount: c.cluster_enabled && c.cluster_ready_requires_sync && !syncedOnce ? (cluster.status().peers ?? []).length : 0,
      clusterStartedAtMs: clusterStartedAt,
      nowMs: Date.now(),
    }
  }
  if (config.cluster_enabled && config.cluster_ready_requires_sync) {
    startFirstSyncLoop(ctx, { isSyncedOnce: () => syncedOnce, readinessInput, pull: () => cluster.pull(), log })
  }
  stops.push('cluster', () => cluster.stop())
  if (config.cluster_enabled) log.info({ listen: cluster.listenAddress(), node_id: cluster.status().node_id }, 'cluster started')
  return { cluster, frameBudget, readinessInput }
}

/** TLS when cluster_enabled and a cert or key is set (mutual TLS with a CA); otherwise the manager's TCP default. */
export async function clusterTransportFor(
  config: Config,
  configDir: string,
  log: Logger,
): Promise<{ transport: Transport | undefined; transportKind: 'tcp' | 'tls' | 'mutual_tls' }> {
  if (!config.cluster_enabled || !(config.cluster_tls_cert.trim() || config.cluster_tls_key.trim())) {
    return { transport: undefined, transportKind: 'tcp' }
  }
  const tls = await loadTlsMaterial(
    { cert: config.cluster_tls_cert, key: config.cluster_tls_key, ca: config.cluster_tls_ca.trim() || undefined },
    configDir,
  )
  for (const w of tls.warnings) log.warn({ component: 'cluster' }, w)
  const transport = new TlsTransport({
    cert: tls.cert,
    key: tls.key,
    ca: tls.ca,
    onHandshakeError: (err, ip) => log.debug({ component: 'cluster', remote_ip: ip, error: err.message }, 'cluster TLS handshake failed'),
  })
  return { transport, transportKind: tls.ca ? 'mutual_tls' : 'tls' }
}

function srvResolverFor(servers: string[]): (name: string) => Promise<SrvRecord[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 })
  resolver.setServers(servers)
  return (name) => resolver.resolveSrv(name)
}
