/**
 * The daemon: the one place that constructs things. It loads the config, opens the stores, starts the
 * services in order (DNS, control socket + REST API, cluster) and stops them in reverse.
 * Nothing here is a module-level singleton: two daemons can run in one process (tests do).
 */
import { chmod, mkdir, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { homedir } from 'node:os'
import { Resolver } from 'node:dns/promises'
import type { SrvRecord } from 'node:dns'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { loadConfig, type ConfigOverrides } from '../config/load.js'
import { ConfigManager } from '../config/manager.js'
import { validateContextFor } from '../config/load.js'
import type { Config } from '../config/schema.js'
import { createLogger, logFilePath } from '../log.js'
import { FileRecordStore } from '../store/file-store.js'
import { ServersStore } from '../store/servers-file-store.js'
import { Stats } from '../stats/stats.js'
import { createMetrics } from '../metrics/registry.js'
import { CachingResolver } from '../dns/resolver.js'
import { NetworkForwarder } from '../dns/forwarder.js'
import { loadCacheFile, CacheFileSaver } from '../dns/cache-file.js'
import { UpstreamHealth } from '../dns/upstream-health.js'
import { allActiveEndpoints, fallbackFromConfig } from '../dns/upstream-select.js'
import { DnsServer } from '../dns/server.js'
import { ClusterManager } from '../cluster/manager.js'
import { statePathFor } from '../cluster/state-file.js'
import { replicaPathFor } from '../cluster/replica-file.js'
import { loadTlsMaterial, TlsTransport } from '../cluster/tls-transport.js'
import type { Transport } from '../cluster/transport.js'
import { buildApi } from '../api/server.js'
import type { ApiDeps, Readiness } from '../api/deps.js'
import { dashboardPlugin, type DashboardDeps } from '../dashboard/routes.js'
import type { ResolutionEvent, ResolutionSink } from '../stats/resolution.js'
import { DnsplaneError } from '../errors.js'
import { VERSION } from '../version.js'
import { apiCacheRowFrom, clusterSettingsFrom, portFrom, upstreamRowFrom } from './adapters.js'
import { digAll } from './dig.js'
import { clusterEventToMetric, ReplicationDelayTracker } from './cluster-events.js'

/** With cluster_ready_requires_sync: how often to pull until the first sync succeeds. */
const FIRST_SYNC_RETRY_MS = 2000

/** Command-line flags that override the config file, each only when given. */
export interface DaemonOverrides {
  configPath?: string
  dnsrecords?: string
  dnsservers?: string
  cache?: string
  port?: string
  apiport?: string
  api?: boolean
  serverSocket?: string
}

export interface StartDaemonOptions {
  overrides: DaemonOverrides
  cwd: string
  exeDir: string
  env: NodeJS.ProcessEnv
  homeDir?: string
  isRoot?: boolean
  /** Where logs go when no log file is configured (default stderr). */
  stdout?: NodeJS.WritableStream
  /** Logger to use instead of building one from the config (tests). */
  logger?: Logger
  /** Third config search place (default /etc/dnsplane.json; tests point it elsewhere). */
  systemConfigPath?: string
  /** Cluster probe period (default 30 s; tests use less). */
  clusterProbeIntervalMs?: number
  /** DNS servers (ip:port) for SRV discovery instead of the system resolver (tests point it at a node). */
  srvResolverServers?: string[]
}

export interface Daemon {
  readonly log: Logger
  readonly configPath: string
  config(): Config
  dnsAddress(): { udp: AddressInfo; tcp: AddressInfo }
  apiAddress(): AddressInfo | undefined
  readonly socketPath: string
  clusterAddress(): string | undefined
  readonly records: FileRecordStore
  readonly cluster: ClusterManager
  /** SIGHUP: re-read dnsplane.json (live keys), the records file and the servers file. */
  reload(): Promise<void>
  stop(): Promise<void>
}

/** Builds and starts a node. Throws DnsplaneError (config, records, bind) with a message naming the cause. */
export async function startDaemon(opts: StartDaemonOptions): Promise<Daemon> {
  const home = opts.homeDir ?? homedir()
  const isRoot = opts.isRoot ?? (typeof process.getuid === 'function' && process.getuid() === 0)
  const overrides: ConfigOverrides = {
    port: opts.overrides.port,
    apiport: opts.overrides.apiport,
    api: opts.overrides.api,
    server_socket: opts.overrides.serverSocket,
    dnsservers: opts.overrides.dnsservers,
    cache: opts.overrides.cache,
    dnsrecords: opts.overrides.dnsrecords,
  }
  const loaded = await loadConfig({
    configPath: opts.overrides.configPath,
    cwd: opts.cwd,
    exeDir: opts.exeDir,
    env: opts.env,
    homeDir: home,
    isRoot,
    systemConfigPath: opts.systemConfigPath,
    overrides,
  })
  const log = opts.logger ?? loggerFor(loaded.config, opts.stdout)
  log.info({ path: loaded.path, created: loaded.created }, loaded.created ? 'config created with defaults' : 'config loaded')
  for (const w of loaded.warnings) log.warn(w)

  const configManager = new ConfigManager({
    path: loaded.path,
    config: loaded.config,
    context: validateContextFor(loaded.path, { env: opts.env, homeDir: home, isRoot }),
    logger: log,
  })
  const cfg = () => configManager.config
  const startedAt = Date.now()

  const stops: Array<{ name: string; stop: () => Promise<void> | void }> = []
  const onFailure = async (err: unknown): Promise<never> => {
    for (const s of stops.reverse()) {
      try {
        await s.stop()
      } catch {
        // already failing: the original error is what the operator needs to see
      }
    }
    throw err
  }

  try {
    const config = cfg()
    // Records and upstream servers.
    const records = await FileRecordStore.open({
      path: config.file_locations.records_source.location,
      prettyJson: config.pretty_json,
      log: log.child({ component: 'records' }),
    })
    stops.push({ name: 'records', stop: () => records.stop() })
    await records.start()
    log.info({ path: config.file_locations.records_source.location, records: records.list().length }, 'records loaded')

    const servers = await ServersStore.open({
      path: config.file_locations.dnsservers,
      prettyJson: config.pretty_json,
      log: log.child({ component: 'servers' }),
    })

    // Stats and metrics: one sink for the DNS server feeding both.
    const stats = new Stats({ resolutionLogCap: config.dashboard_resolution_log_cap })
    const metrics = createMetrics()
    const sink: ResolutionSink = {
      record(e: ResolutionEvent) {
        stats.record(e)
        metrics.record(e)
      },
    }

    // Forwarding: cache + upstreams (+ optional health probes).
    const forwarder = new NetworkForwarder({})
    stops.push({ name: 'forwarder', stop: () => forwarder.close() })
    const fallbackNow = () => {
      const c = cfg()
      return fallbackFromConfig(c.fallback_server_ip, c.fallback_server_port, c.fallback_server_transport as 'udp' | 'tcp')?.fallback
    }
    const rows = () => servers.list().map(upstreamRowFrom)
    let health: UpstreamHealth | undefined
    if (config.upstream_health_check_enabled) {
      health = new UpstreamHealth(
        {
          failures: config.upstream_health_check_failures,
          intervalSeconds: config.upstream_health_check_interval_seconds,
          queryName: config.upstream_health_check_query_name,
        },
        { getEndpoints: () => allActiveEndpoints(rows(), fallbackNow()), forwarder, now: Date.now, log: log.child({ component: 'upstream-health' }) },
      )
    }
    const resolver = new CachingResolver(
      {
        timeoutMs: Math.max(1, config.timeout) * 1000,
        cacheEnabled: config.cache_records,
        minCacheTtlSeconds: config.min_cache_ttl_seconds,
        staleWhileRevalidate: config.stale_while_revalidate,
        fallback: fallbackNow(),
      },
      { getServers: rows, forwarder, isHealthy: health?.isHealthy, log: log.child({ component: 'resolver' }) },
    )
    stops.push({ name: 'resolver', stop: () => resolver.stop() })
    if (config.cache_records) {
      await loadCacheFile(config.file_locations.cache, resolver.cache, { now: Date.now, log })
    }
    const saver = new CacheFileSaver({ path: config.file_locations.cache, pretty: config.pretty_json }, { cache: resolver.cache, now: Date.now, log })
    if (config.cache_records) {
      saver.start()
      stops.push({ name: 'cache-saver', stop: () => saver.stop() })
    }
    if (health) {
      health.start()
      const h = health
      stops.push({ name: 'upstream-health', stop: () => h.stop() })
    }
    let lastCompact = { at: 0, removed: 0 }
    let compactTimer: ReturnType<typeof setInterval> | undefined
    if (config.cache_compact_enabled) {
      compactTimer = setInterval(() => {
        lastCompact = { at: Date.now(), removed: resolver.cache.compact(Date.now()) }
      }, Math.max(60, config.cache_compact_interval_seconds) * 1000)
      compactTimer.unref()
      stops.push({ name: 'cache-compact', stop: () => clearInterval(compactTimer) })
    }

    // DNS listeners.
    const dns = new DnsServer(
      {
        bind: config.dns_bind,
        port: portFrom('port', config.port),
        localRecordsEnabled: config.local_records_enabled,
        autoBuildPtrFromA: config.DNSRecordSettings.auto_build_ptr_from_a,
        refuseAny: config.dns_refuse_any,
        maxEdnsUdpPayload: config.dns_max_edns_udp_payload,
        tcpIdleTimeoutMs: config.dns_tcp_idle_timeout_seconds * 1000,
        tcpMaxConnections: config.dns_tcp_max_connections,
        upstreamTimeoutMs: Math.max(1, config.timeout) * 1000,
      },
      { getIndex: () => records.index, resolver, sink, log },
    )
    const dnsAddr = await dns.start()
    stops.push({ name: 'dns', stop: () => dns.stop() })

    // Cluster: always built, so `cluster status`/`join` answer (and cluster_state.json exists) even when
    // clustering is off, as in the original; start() listens and runs loops only when cluster_enabled.
    let syncedOnce = false
    let clusterTransport: Transport | undefined
    let transportKind: 'tcp' | 'tls' | 'mutual_tls' = 'tcp'
    if (config.cluster_enabled && (config.cluster_tls_cert.trim() || config.cluster_tls_key.trim())) {
      const tls = await loadTlsMaterial(
        { cert: config.cluster_tls_cert, key: config.cluster_tls_key, ca: config.cluster_tls_ca.trim() || undefined },
        dirname(loaded.path),
      )
      for (const w of tls.warnings) log.warn({ component: 'cluster' }, w)
      clusterTransport = new TlsTransport({
        cert: tls.cert,
        key: tls.key,
        ca: tls.ca,
        onHandshakeError: (err, ip) => log.debug({ component: 'cluster', remote_ip: ip, error: err.message }, 'cluster TLS handshake failed'),
      })
      transportKind = tls.ca ? 'mutual_tls' : 'tls'
    }
    const cluster = new ClusterManager({
      transport: clusterTransport,
      transportKind,
      replicaPath: replicaPathFor(loaded.path),
      settings: () => clusterSettingsFrom(cfg()),
      updateSettings: async (patch) => {
        await configManager.update(patch as Partial<Config>)
      },
      store: records,
      statePath: statePathFor(loaded.path),
      log: log.child({ component: 'cluster' }),
      probeIntervalMs: opts.clusterProbeIntervalMs,
      resolveSrv: opts.srvResolverServers ? srvResolverFor(opts.srvResolverServers) : undefined,
    })
    // Replication delay: local write -> acknowledged push, per peer (see ReplicationDelayTracker).
    const delays = new ReplicationDelayTracker()
    const unsubscribeDelays = records.onChange((change) => {
      if (change.source === 'local') delays.onLocalWrite(Date.now(), (cluster.status().peers ?? []).map((p) => p.address))
    })
    stops.push({ name: 'replication-delay', stop: () => unsubscribeDelays() })
    cluster.onEvent((e) => {
      if (e.kind === 'sync_ok') syncedOnce = true
      const m = clusterEventToMetric(e, cfg().cluster_peers)
      if (m) metrics.observeClusterEvent(m)
      const delay = delays.onEvent(e, Date.now())
      if (delay) metrics.observeClusterEvent(delay)
    })
    await cluster.start()
    if (config.cluster_enabled && config.cluster_ready_requires_sync) {
      // /ready waits for a first sync; without a periodic pull a restarted node might never get one,
      // so pull every few seconds until one succeeds (then stop: pushes and the normal loops take over).
      const firstSync = setInterval(() => {
        if (syncedOnce) return clearInterval(firstSync)
        cluster.pull().catch((err: unknown) => log.debug({ err }, 'first-sync pull failed'))
      }, FIRST_SYNC_RETRY_MS)
      firstSync.unref()
      stops.push({ name: 'first-sync', stop: () => clearInterval(firstSync) })
    }
    stops.push({ name: 'cluster', stop: () => cluster.stop() })
    if (config.cluster_enabled) log.info({ listen: cluster.listenAddress(), node_id: cluster.status().node_id }, 'cluster started')
    metrics.collectFrom({ counters: () => stats.counters(), serverStartMs: () => stats.serverStartMs, cluster: () => cluster.status() })

    // Control plane.
    let apiUp = false
    const readiness = (): Readiness => {
      const c = cfg()
      const reasons: string[] = []
      if (!dnsUp()) reasons.push('dns not listening')
      if (c.cluster_enabled && c.cluster_ready_requires_sync && !syncedOnce) {
        const peers = cluster.status().peers ?? []
        if (peers.length > 0) reasons.push('not yet synced with a peer (cluster_ready_requires_sync)')
      }
      return {
        ready: reasons.length === 0,
        api: apiUp,
        dns: dnsUp(),
        listeners: {
          dns_port: c.port,
          api_port: c.apiport,
          api_enabled: c.api,
          client_socket_path: c.server_socket,
          client_tcp_address: '',
        },
        build: { version: VERSION, node_version: process.version },
        reasons,
      }
    }
    let dnsStopped = false
    const dnsUp = () => !dnsStopped
    stops.push({ name: 'dns-flag', stop: () => void (dnsStopped = true) })

    const apiDeps: ApiDeps = {
      records,
      servers: {
        list: () => servers.list(),
        add: async (input) => {
          await servers.add(input as never)
          return { messages: [] }
        },
        update: async (address, input) => {
          await servers.update(address, input as never)
          return { messages: [] }
        },
        remove: async (address) => {
          await servers.remove(address)
        },
      },
      upstreamHealth: {
        enabled: config.upstream_health_check_enabled,
        intervalSeconds: config.upstream_health_check_interval_seconds,
        failures: config.upstream_health_check_failures,
        queryName: config.upstream_health_check_query_name,
        snapshot: () => health?.snapshot() ?? [],
      },
      cache: {
        list: () => resolver.cache.list(Date.now()).map((r) => apiCacheRowFrom(r, Date.now())),
        clear: () => resolver.cache.clear(),
        remove: (name, type) => resolver.cache.remove(name, type),
      },
      stats: { resolver: () => stats.counters() },
      readiness,
      version: { version: VERSION, node: process.version, os: process.platform, arch: process.arch },
      getApiToken: () => cfg().api_auth_token,
      localWritesAllowed: () =>
        cfg().cluster_reject_local_writes
          ? { ok: false, reason: 'cluster: local record writes are disabled on this node (cluster_reject_local_writes)' }
          : { ok: true },
      config: configManager,
      cluster,
      tools: {
        dig: (q) => digAll(q, { forwarder, rows, fallback: fallbackNow, timeoutMs: Math.max(1, cfg().timeout) * 1000, now: Date.now }),
      },
      log: log.child({ component: 'api' }),
    }
    const dashboardDeps: DashboardDeps = {
      enabled: () => cfg().stats_dashboard_enabled,
      stats,
      metrics,
      cluster: () => cluster.status(),
      status: () => {
        const r = readiness()
        const c = cfg()
        return {
          ready: r.ready,
          api_up: apiUp,
          dns_up: dnsUp(),
          tui: { connected: false, addr: '', since_rfc3339: '' },
          listeners: { dns_port: c.port, api_port: c.apiport, api_enabled: c.api, client_socket: c.server_socket, client_tcp: '' },
          features: [
            { key: 'cluster', label: 'Cluster sync', value: c.cluster_enabled ? 'On' : 'Off', variant: c.cluster_enabled ? 'ok' : 'neutral' },
            { key: 'api_auth', label: 'API auth', value: c.api_auth_token ? 'On' : 'Off', variant: c.api_auth_token ? 'ok' : 'warn' },
            { key: 'cache', label: 'Cache', value: c.cache_records ? 'On' : 'Off', variant: c.cache_records ? 'ok' : 'neutral' },
            { key: 'local_records', label: 'Local records', value: c.local_records_enabled ? 'On' : 'Off', variant: 'neutral' },
            { key: 'upstream_health', label: 'Upstream health', value: c.upstream_health_check_enabled ? 'On' : 'Off', variant: 'neutral' },
            { key: 'swr', label: 'Stale-while-revalidate', value: c.stale_while_revalidate ? 'On' : 'Off', variant: 'neutral' },
            { key: 'refuse_any', label: 'Refuse ANY', value: c.dns_refuse_any ? 'On' : 'Off', variant: 'neutral' },
          ],
        }
      },
      cacheInfo: () => {
        const c = cfg()
        const interval = Math.max(60, c.cache_compact_interval_seconds)
        return {
          entries_count: resolver.cache.size,
          compact_enabled: c.cache_compact_enabled,
          compact_interval_seconds: interval,
          next_compact_rfc3339: c.cache_compact_enabled ? new Date((lastCompact.at || startedAt) + interval * 1000).toISOString() : '',
          last_compact_rfc3339: lastCompact.at ? new Date(lastCompact.at).toISOString() : '',
          last_compact_removed: lastCompact.removed,
        }
      },
      upstreamSummary: () => {
        const all = servers.list()
        const snap = health?.snapshot() ?? []
        return {
          checks_enabled: !!health,
          active: all.filter((s) => s.active).length,
          configured_rows: all.length,
          healthy: snap.filter((h) => !h.unhealthy).length,
          unhealthy: snap.filter((h) => h.unhealthy).length,
        }
      },
      getApiToken: () => cfg().api_auth_token,
      syncIntervalSeconds: () => cfg().cluster_sync_interval_seconds,
      build: { version: VERSION, node_version: process.version, os: process.platform, arch: process.arch },
      logger: log.child({ component: 'dashboard' }),
    }

    // Control socket: always on, no token (the 0600 file mode guards it).
    const socketPath = config.server_socket
    const control = buildApi(apiDeps, { requireAuth: false, plugins: [dashboardPlugin(dashboardDeps)] })
    await listenOnSocket(control, socketPath, log)
    stops.push({
      name: 'control-socket',
      stop: async () => {
        await control.close()
        await rm(socketPath, { force: true })
      },
    })

    let api: FastifyInstance | undefined
    let apiAddr: AddressInfo | undefined
    if (config.api) {
      const tokenSet = config.api_auth_token.trim() !== ''
      let host = config.api_bind
      if (host === '') {
        host = tokenSet ? '0.0.0.0' : '127.0.0.1'
        if (!tokenSet) log.warn({ host }, 'api_bind is empty and api_auth_token is unset: REST API bound to 127.0.0.1 only; set api_auth_token to listen on all interfaces')
      }
      api = buildApi(apiDeps, { requireAuth: true, plugins: [dashboardPlugin(dashboardDeps)] })
      const port = portFrom('apiport', config.apiport)
      try {
        await api.listen({ host, port })
      } catch (cause) {
        await api.close()
        const why = (cause as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use' : (cause as Error).message
        throw new DnsplaneError('ERR_BIND_FAILED', `REST API cannot listen on ${host}:${port}: ${why}; set "apiport" in dnsplane.json or pass --apiport`, { cause })
      }
      apiAddr = api.server.address() as AddressInfo
      apiUp = true
      const a = api
      stops.push({ name: 'api', stop: () => a.close() })
      log.info({ address: fmt(apiAddr) }, 'api listening')
    }

    // Live config changes that need no restart.
    configManager.onChange((next, changed) => {
      if (changed.includes('dashboard_resolution_log_cap')) stats.setResolutionLogCap(next.dashboard_resolution_log_cap)
    })

    log.info({ version: VERSION, records: records.list().length }, 'node ready')
    let stopped = false
    return {
      log,
      configPath: loaded.path,
      config: cfg,
      dnsAddress: () => dnsAddr,
      apiAddress: () => apiAddr,
      socketPath,
      clusterAddress: () => cluster.listenAddress(),
      records,
      cluster,
      async reload() {
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
      },
      async stop() {
        if (stopped) return
        stopped = true
        for (const s of stops.reverse()) {
          try {
            await s.stop()
          } catch (err) {
            log.error({ err, component: s.name }, 'stop failed')
          }
        }
        log.info('stopped')
      },
    }
  } catch (err) {
    return onFailure(err)
  }
}

function loggerFor(config: Config, stdout?: NodeJS.WritableStream): Logger {
  const severity = config.log.log_severity
  // 'none' (the original's default) means no log files; the foreground console still gets info lines.
  if (severity === 'none') return createLogger({ severity: 'info', destination: stdout ?? process.stderr })
  return createLogger({ severity, destination: logFilePath(config.log.log_dir, 'dns') })
}

async function listenOnSocket(app: FastifyInstance, path: string, log: Logger): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  // A socket left by a killed process would make listen fail with EADDRINUSE: replace it.
  await rm(path, { force: true })
  try {
    await app.listen({ path })
  } catch (cause) {
    throw new DnsplaneError('ERR_BIND_FAILED', `control socket ${path}: ${(cause as Error).message}; set "server_socket" in dnsplane.json or pass --server-socket`, { cause })
  }
  await chmod(path, 0o600)
  log.info({ path }, 'control socket listening')
}

function srvResolverFor(servers: string[]): (name: string) => Promise<SrvRecord[]> {
  const resolver = new Resolver({ timeout: 2000, tries: 1 })
  resolver.setServers(servers)
  return (name) => resolver.resolveSrv(name)
}

function fmt(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`
}
