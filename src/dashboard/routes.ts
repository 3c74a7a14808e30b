/**
 * The web dashboard and /metrics as a fastify plugin. Owns the page and its assets
 * (src/dashboard/public, uPlot from node_modules: nothing is fetched from a CDN), the JSON
 * endpoints, the live WebSocket and the Prometheus endpoint. Imports no other service:
 * everything it shows comes through DashboardDeps.
 *
 * Auth: the page and its assets are `config: { public: true }` (so the login form can load);
 * data, resolutions, purge and /metrics need the API token (checked here too, so the routes are
 * safe even without the API's own hook); the WebSocket checks the token itself.
 */
import type { DnsLimitCounters } from '../dns/limit/dns-limiter.js'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import websocket from '@fastify/websocket'
import type { Logger } from 'pino'
import type { ClusterStatus } from '../cluster/control.js'
import type { Metrics } from '../metrics/registry.js'
import type { Stats } from '../stats/stats.js'
import type { BuildInfo, CacheInfo, DashboardData, DashboardStatus, UpstreamSummary } from '../stats/dashboard-data.js'
import { LiveHub, MAX_CLIENT_MESSAGE_BYTES } from './live.js'
import { accessOf, headerToken, isSameOrigin, queryToken, type DashboardAccess } from './token.js'

export const DASHBOARD_PREFIX = '/stats/dashboard'

export interface DashboardDeps {
  /** `stats_dashboard_enabled`, read per request: dashboard routes answer 404 when false (/metrics stays on). */
  enabled(): boolean
  stats: Stats
  metrics: Metrics
  /** Cluster status; absent or returning undefined hides the Cluster panel. */
  cluster?: () => ClusterStatus | undefined
  status: () => DashboardStatus
  cacheInfo: () => CacheInfo
  upstreamSummary: () => UpstreamSummary
  /** `api_auth_token`, read per request so changes apply live; empty = no token required. */
  getApiToken(): string
  /** `api_viewer_token` (read-only: data, live feed, no purge), read per request; absent or empty = none. */
  getViewerToken?(): string
  /** Records served now; sent as `records_count` for the Cluster panel's header. */
  recordCount?: () => number
  /** What the DNS abuse limits did (sent as `dns_limits`); absent or undefined when no limit is set. */
  dnsLimits?: () => DnsLimitCounters | undefined
  /** `cluster_sync_interval_seconds`: the page marks a peer red after twice this without a sync. */
  syncIntervalSeconds(): number
  build: BuildInfo
  /** `/stats/perf` object, sent to WebSocket clients subscribed to `perf`. */
  perf?: () => unknown
  /** Optional full_stats values (`fullstats`, `fullstats_top` keys). */
  fullstats?: () => { fullstats?: unknown; fullstats_top?: unknown } | undefined
  logger?: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>
  /** WebSocket push interval (default 400 ms), ping interval (54 s) and client cap (32). */
  pushIntervalMs?: number
  pingIntervalMs?: number
  maxWsClients?: number
  /** WebSocket sockets still owing their token (first-message auth), kept apart from maxWsClients (default 8). */
  maxWsPendingClients?: number
}

interface Asset {
  body: Buffer
  type: string
}

const PUBLIC_FILES: Record<string, string> = {
  'app.css': 'text/css; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'cluster.js': 'text/javascript; charset=utf-8',
  'records.js': 'text/javascript; charset=utf-8',
}
const UPLOT_FILES: Record<string, string> = {
  'uPlot.iife.min.js': 'text/javascript; charset=utf-8',
  'uPlot.min.css': 'text/css; charset=utf-8',
}

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

/** Builds the dashboard's `/stats/dashboard/data` object from the deps. */
export function buildDashboardData(deps: DashboardDeps): DashboardData & { records_count?: number; dns_limits?: DnsLimitCounters } {
  let cluster = deps.cluster?.()
  if (cluster && cluster.sync_interval_seconds === undefined) {
    cluster = { ...cluster, sync_interval_seconds: deps.syncIntervalSeconds() }
  }
  const fs = deps.fullstats?.()
  const data: DashboardData & { records_count?: number; dns_limits?: DnsLimitCounters } = deps.stats.dashboardData({
    status: deps.status(),
    cacheInfo: deps.cacheInfo(),
    upstream: deps.upstreamSummary(),
    build: deps.build,
    cluster,
    fullstats: fs?.fullstats,
    fullstats_top: fs?.fullstats_top,
  })
  if (deps.recordCount) data.records_count = deps.recordCount()
  const limits = deps.dnsLimits?.()
  if (limits) data.dns_limits = { ...limits }
  return data
}

/**
 * The fastify plugin. Registers @fastify/websocket inside its own (encapsulated) context unless the
 * app already did. Its onClose hook stops the live hub (closes sockets, clears timers).
 */
export function dashboardPlugin(deps: DashboardDeps): FastifyPluginAsync {
  const plugin: FastifyPluginAsync = async (app) => {
    const assets = await loadAssets(deps.logger)
    const hub = new LiveHub({
      sources: {
        dashboard: () => buildDashboardData(deps),
        resolutions: () => deps.stats.resolutions(),
        perf: deps.perf,
      },
      checkToken: (t) => access(deps, t) !== 'none',
      pushIntervalMs: deps.pushIntervalMs,
      pingIntervalMs: deps.pingIntervalMs,
      maxClients: deps.maxWsClients,
      maxPending: deps.maxWsPendingClients,
      logger: deps.logger,
    })
    app.addHook('onClose', async () => hub.stop())

    if (!app.hasDecorator('websocketServer')) {
      await app.register(websocket, { options: { maxPayload: MAX_CLIENT_MESSAGE_BYTES } })
    }

    // Gate and guard every route of this plugin.
    app.addHook('onRequest', async (req, reply) => {
      const url = req.routeOptions.url ?? ''
      if (url.startsWith(DASHBOARD_PREFIX) && !deps.enabled()) return sendJson(reply, 404, { error: 'not found' })
      const cfg = req.routeOptions.config as { public?: boolean } | undefined
      if (cfg?.public) return
      const level = access(deps, headerToken(req.headers))
      if (level === 'none') {
        reply.header('WWW-Authenticate', 'Bearer realm="dnsplane"')
        return sendJson(reply, 401, { error: 'unauthorized' })
      }
      if (level === 'viewer' && req.method !== 'GET' && req.method !== 'HEAD') return sendJson(reply, 403, { error: 'the viewer token is read-only' })
    })

    app.get(DASHBOARD_PREFIX, { config: { public: true } }, async (_req, reply) => {
      const page = assets.get('index.html')
      if (!page) return reply.code(500).type('text/plain; charset=utf-8').send('dashboard assets are missing from this installation\n')
      reply.header('Content-Security-Policy', PAGE_CSP).header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff')
      return reply.type(page.type).send(page.body)
    })

    app.get(`${DASHBOARD_PREFIX}/assets/:name`, { config: { public: true } }, async (req, reply) => {
      const name = (req.params as { name?: string }).name ?? ''
      const asset = name === 'index.html' ? undefined : assets.get(name)
      if (!asset) return sendJson(reply, 404, { error: 'not found' })
      reply.header('Cache-Control', 'no-cache').header('X-Content-Type-Options', 'nosniff')
      return reply.type(asset.type).send(asset.body)
    })

    // What the presented token may do, so the page shows write buttons only to the admin token.
    app.get(`${DASHBOARD_PREFIX}/session`, async (req, reply) => sendJson(reply, 200, { access: access(deps, headerToken(req.headers)) }))

    app.get(`${DASHBOARD_PREFIX}/data`, async (_req, reply) => sendJson(reply, 200, buildDashboardData(deps)))

    app.get(`${DASHBOARD_PREFIX}/resolutions`, async (_req, reply) => sendJson(reply, 200, deps.stats.resolutions()))

    app.post(`${DASHBOARD_PREFIX}/resolutions/purge`, async (_req, reply) => {
      deps.stats.purgeResolutions()
      return sendJson(reply, 200, { status: 'ok', message: 'Dashboard resolution log cleared' })
    })

    app.get(`${DASHBOARD_PREFIX}/ws`, {
      websocket: true,
      config: { public: true }, // checks the token itself (query, header or first message)
      preHandler: async (req, reply) => checkUpgrade(deps, hub, req, reply),
    }, (socket, req) => {
      hub.add(socket, isUpgradeAuthenticated(deps, req))
    })

    app.get('/metrics', async (_req, reply) => {
      const text = await deps.metrics.render()
      return reply.code(200).header('Content-Type', deps.metrics.contentType).send(text)
    })
  }
  Object.assign(plugin, { [Symbol.for('fastify.display-name')]: 'dnsplane-dashboard' })
  return plugin
}

/** True when the upgrade itself carries the right token (query or header), or no token is configured. */
function isUpgradeAuthenticated(deps: DashboardDeps, req: FastifyRequest): boolean {
  return access(deps, queryToken(req.query) ?? headerToken(req.headers)) !== 'none'
}

/** The access `token` grants under the admin and viewer tokens configured now. */
function access(deps: DashboardDeps, token: string | undefined): DashboardAccess {
  return accessOf(deps.getApiToken(), deps.getViewerToken?.() ?? '', token)
}

/**
 * Refuses an upgrade before it happens: foreign Origin 403, wrong token 401, no slot 503. An upgrade
 * without a token competes only for the small unauthenticated budget, never for authenticated slots.
 */
async function checkUpgrade(deps: DashboardDeps, hub: LiveHub, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const origin = req.headers.origin
  if (!isSameOrigin(typeof origin === 'string' ? origin : undefined, req.headers.host)) {
    deps.logger?.warn({ origin }, 'dashboard websocket origin refused')
    return sendJson(reply, 403, { error: 'origin not allowed' })
  }
  const token = queryToken(req.query) ?? headerToken(req.headers)
  // No token offered: accepted for now; the first message must carry it (LiveHub enforces that).
  if (token !== undefined && access(deps, token) === 'none') {
    reply.header('WWW-Authenticate', 'Bearer realm="dnsplane"')
    return sendJson(reply, 401, { error: 'unauthorized' })
  }
  if (!hub.hasRoom(isUpgradeAuthenticated(deps, req))) return sendJson(reply, 503, { error: 'too many dashboard clients' })
}

/** JSON body with a trailing newline, as the original writes it. */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(`${JSON.stringify(body)}\n`)
}

/** Reads the page and assets once. Missing files are logged and answered with 404/500, never a crash. */
async function loadAssets(logger: DashboardDeps['logger']): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>()
  const dirs = [
    fileURLToPath(new URL('./public/', import.meta.url)),
    // Compiled code in dist/dashboard/ without copied assets: fall back to the sources shipped in the package.
    fileURLToPath(new URL('../../src/dashboard/public/', import.meta.url)),
  ]
  const files: [string, string][] = [['index.html', 'text/html; charset=utf-8'], ...Object.entries(PUBLIC_FILES)]
  for (const dir of dirs) {
    try {
      const loaded = await Promise.all(files.map(async ([n, type]) => [n, { body: await readFile(join(dir, n)), type }] as const))
      for (const [n, a] of loaded) out.set(n, a)
      break
    } catch {
      continue // try the next location
    }
  }
  if (!out.has('index.html')) logger?.error({ dirs }, 'dashboard assets not found')
  const require = createRequire(import.meta.url)
  for (const [n, type] of Object.entries(UPLOT_FILES)) {
    try {
      out.set(n, { body: await readFile(require.resolve(`uplot/dist/${n}`)), type })
    } catch (err) {
      logger?.warn({ err, file: n }, 'uPlot asset not found; charts disabled')
    }
  }
  return out
}
