/**
 * The daemon: the one place that constructs things. It loads the config, opens the stores, starts the
 * services in order (DNS, cluster, control socket + REST API) through one builder each (build-*.ts) and
 * stops them in reverse through the stop stack. Nothing here is a module-level singleton: two daemons
 * can run in one process (tests do). Imports nothing from cli/.
 */
import type { ConfigManager } from '../config/manager.js'
import type { RecordStore } from '../store/record-store.js'
import { VERSION } from '../version.js'
import type { Logger } from 'pino'
import { prepareSocketPath } from './control-socket.js'
import { apiBindFor } from './api-bind.js'
import { assessReadiness, readinessReport } from './readiness.js'
import { StopStack } from './stop-stack.js'
import { buildConfig } from './build-config.js'
import { buildStores } from './build-store.js'
import { buildStats } from './build-stats.js'
import { buildForwarding } from './build-forwarding.js'
import { startCacheCompaction, startCacheWarmUp } from './build-timers.js'
import { startProfiling } from './build-profiling.js'
import { buildDns, markDnsDownOnStop } from './build-dns.js'
import { buildXfr } from './build-xfr.js'
import { buildEncryptedDns } from './build-encrypted-dns.js'
import { buildCluster } from './build-cluster.js'
import { fetchSharedKeys } from './key-fetch.js'
import { apiDepsFor, type ControlPlaneDeps } from './build-api-deps.js'
import { dashboardDepsFor } from './build-dashboard.js'
import { startControlSocket } from './build-control.js'
import { startRestApi, watchLiveConfig } from './build-api.js'
import type { BuildContext, Daemon, StartDaemonOptions, UpFlags } from './options.js'
import { UnanswerableCounter } from '../store/unanswerable.js'

export type { Daemon, DaemonOverrides, StartDaemonOptions } from './options.js'

/** Builds and starts a node. Throws DnsplaneError (config, records, bind) with a message naming the cause. */
export async function startDaemon(opts: StartDaemonOptions): Promise<Daemon> {
  const { loaded, log, configManager } = await buildConfig(opts)
  const cfg = () => configManager.config
  const startedAtMs = Date.now()
  const stops = new StopStack(log)
  const ctx: BuildContext = { config: cfg(), cfg, log, stops }
  const up: UpFlags = { dns: true, api: false }

  try {
    const { config } = ctx
    // Refuse a busy or foreign control socket path before touching any file or port (checked again at listen).
    await prepareSocketPath(config.server_socket)
    if (config.api) apiBindFor(config) // an unauthenticated remote API is refused here too, before anything starts
    const { records, servers } = await buildStores(ctx)
    const { stats, metrics, sink } = buildStats(config)
    const profiling = await startProfiling(ctx)
    const forwarding = await buildForwarding(ctx, servers, { onEncryptedExchange: (e) => metrics.observeUpstreamExchange(e) })
    const lastCompaction = startCacheCompaction(ctx, forwarding.resolver.cache)
    let nodeId = (): string => '' // the cluster's node id once it is built (CH TXT id.server)
    const xfr = await buildXfr(ctx, { records, metrics, configPath: loaded.path })
    await fetchSharedKeys(ctx, loaded.path) // absent DNSSEC key files from a cluster peer, before the signer reads them
    const { dns, address: dnsAddr, limits: dnsLimits } = await buildDns(ctx, { records, resolver: forwarding.resolver, sink, nodeId: () => nodeId(), xfr: xfr.service })
    startCacheWarmUp(ctx, forwarding.forwarder, dnsAddr.udp.port)
    const encrypted = await buildEncryptedDns(ctx, { dns, configPath: loaded.path })
    const clusterDeps = { configPath: loaded.path, configManager, records, metrics, up, opts }
    const { cluster, frameBudget, readinessInput } = await buildCluster(ctx, clusterDeps)
    nodeId = () => cluster.status().node_id
    const unanswerable = new UnanswerableCounter()
    metrics.collectFrom({
      counters: () => stats.counters(),
      serverStartMs: () => stats.serverStartMs,
      cluster: () => cluster.status(),
      frameBudget: () => frameBudget.stats(),
      massDeleteHeld: () => records.heldMassDelete()?.removed ?? 0,
      recordsUnanswerable: () => unanswerable.count(records.index, () => records.list()),
      dnsLimits,
      dnssecValidations: () => forwarding.validator?.counts,
    })
    markDnsDownOnStop(ctx, up)

    // Control plane: the control socket (always) and the REST API (with `api`) serve the same routes.
    const readiness = () =>
      readinessReport(cfg(), assessReadiness(readinessInput()), up, { version: VERSION, node_version: process.version })
    const plane: ControlPlaneDeps = { configManager, records, servers, forwarding, stats, metrics, cluster, readiness, up, lastCompaction, startedAtMs, dnsLimits, unanswerable }
    const apiDeps = apiDepsFor(ctx, plane)
    const dashboardDeps = dashboardDepsFor(ctx, plane)
    const socketPath = await startControlSocket(ctx, apiDeps, dashboardDeps)
    const onRateLimited = () => metrics.apiRateLimitedTotal.inc()
    const apiAddr = await startRestApi(ctx, { apiDeps, dashboardDeps, up, configPath: loaded.path, certificates: encrypted, onRateLimited })
    watchLiveConfig(ctx, configManager, { setResolutionLogCap: (cap) => stats.setResolutionLogCap(cap), apiAddress: apiAddr })

    log.info({ version: VERSION, records: records.list().length }, 'node ready')
    let stopped = false
    return {
      log,
      configPath: loaded.path,
      config: cfg,
      dnsAddress: () => dnsAddr,
      encryptedDnsAddress: () => ({ dot: encrypted.dot, doh: encrypted.doh }),
      apiAddress: () => apiAddr,
      profilingAddress: () => profiling,
      socketPath,
      clusterAddress: () => cluster.listenAddress(),
      records,
      cluster,
      reload: () => reloadFiles(configManager, records, log).then(() => encrypted.reloadCertificates()),
      async stop() {
        if (stopped) return
        stopped = true
        await stops.unwind()
        log.info('stopped')
      },
    }
  } catch (err) {
    // Already failing: the original error is what the operator needs to see, not a failed stop.
    await stops.unwind(() => {})
    throw err
  }
}

/** SIGHUP: re-reads dnsplane.json (live keys) and the records file; a failure keeps the current state. */
async function reloadFiles(configManager: ConfigManager, records: RecordStore, log: Logger): Promise<void> {
  log.info('reload requested')
  try {
    await configManager.load()
  } catch (err) {
    log.error({ err }, 'config reload failed; keeping the current settings')
  }
  try {
    const n = await records.reload()
    log.info({ records: n }, 'records reloaded')
  } catch (err) {
    log.error({ err }, 'records reload failed; keeping the current records')
  }
}
