/**
 * The REST API: the original dnsplane's endpoints with their shapes, plus ours under /api/v1.
 * Owns routing, auth, body parsing/validation and error shapes. Imports no other service: the
 * daemon hands it ApiDeps and calls listen() (TCP api_bind:apiport, and a second instance without
 * auth on the 0600 Unix control socket).
 */
import type { Logger } from 'pino'
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify'
import { registerAuth } from './auth.js'
import { registerRateLimit, type ApiRateLimit } from './rate-limit.js'
import type { ApiDeps } from './deps.js'
import { describeError, errorBodyFor } from './error-response.js'
import { registerCacheRoutes } from './routes/cache.js'
import { registerClusterRoutes } from './routes/cluster.js'
import { registerConfigRoutes } from './routes/config.js'
import { registerHealthRoutes } from './routes/health.js'
import { registerRecordRoutes } from './routes/records.js'
import { registerBulkRoutes } from './routes/records-bulk.js'
import { registerZoneRoutes } from './routes/zones.js'
import { registerServerRoutes } from './routes/servers.js'
import { typeboxValidatorCompiler, type ApiApp } from './routes/shared.js'
import { registerStatusRoutes } from './routes/status.js'
import { registerToolRoutes } from './routes/tools.js'

/** Default cap on a request body: 1 MiB. Larger bodies get 413. */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024

/** A plugin registered on the API instance after the built-in routes (dashboard, metrics). */
export type ApiPlugin = FastifyPluginAsync

export interface BuildApiOptions {
  /** Enforce the API token (TCP listener). False for the Unix control socket. */
  requireAuth: boolean
  /** Request body cap in bytes; default DEFAULT_BODY_LIMIT_BYTES. */
  bodyLimit?: number
  /** Logger for fastify's internals; default none (the API logs its own lines through deps.log). */
  logger?: Logger | false
  /** Registered with app.register() in order; they inherit auth, errors and the JSON serializer. */
  plugins?: ApiPlugin[]
  /** Serve HTTPS with this PEM key and certificate (api_tls_key / api_tls_cert); plain HTTP when absent. */
  https?: { key: string | Buffer; cert: string | Buffer }
  /** Per-client request limit (api_rate_limit_*): 429 with Retry-After above it; none when absent. */
  rateLimit?: ApiRateLimit
}

/** Query parameters that may carry a token (dashboard WebSocket); redacted from logged URLs. */
const SECRET_QUERY_KEYS = /([?&](?:access_token|token)=)[^&]*/gi

/** The URL as logged: token-bearing query values replaced. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_KEYS, '$1[redacted]')
}

/**
 * How long a plugin may take to start. Ours only register routes, but a node starting on a large
 * records file shares its event loop with the start-up's slices and its peers' first anti-entropy
 * (3 nodes of 1,000,000 records on 2 vCPUs held it over fastify's default 10 s), and a timeout
 * there stopped the whole node.
 */
export const API_PLUGIN_TIMEOUT_MS = 300_000

/**
 * Builds the API instance (not listening). Routes are ready after `await app.ready()`
 * (inject() and listen() do that). Never throws for a request: every error becomes a JSON answer.
 */
export function buildApi(deps: ApiDeps, opts: BuildApiOptions): FastifyInstance {
  const app = Fastify({
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT_BYTES,
    pluginTimeout: API_PLUGIN_TIMEOUT_MS,
    ...(opts.https ? { https: { key: opts.https.key, cert: opts.https.cert } } : {}),
    // One line per request comes from our onResponse hook (URL redacted, no headers).
    logController: new LogController({ disableRequestLogging: true }),
    ...(opts.logger ? { loggerInstance: opts.logger } : { logger: false }),
    // The original answers /dns/records/ like /dns/records (Go's mux does not); be lenient.
    routerOptions: { ignoreTrailingSlash: true },
  }) as unknown as FastifyInstance
  const log = deps.log.child({ component: 'api' })

  // The original decodes JSON whatever the Content-Type (curl -d sends form encoding): parse every
  // body as JSON, an empty body as none; __proto__/constructor keys are refused.
  const jsonParser = app.getDefaultJsonParser('error', 'error')
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') {
      done(null, undefined)
      return
    }
    jsonParser(request, text, done)
  })

  // JSON with a trailing newline, as the original writes it.
  app.setReplySerializer((payload) => JSON.stringify(payload) + '\n')

  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const described = describeError(err)
    if (described.internal) log.error({ err, method: request.method, url: redactUrl(request.url) }, 'api request failed')
    const r = reply.code(described.status)
    if (described.status === 401) r.header('www-authenticate', 'Bearer realm="dnsplane"')
    return r.send(errorBodyFor(request.url, described))
  })

  app.setNotFoundHandler((request, reply) => {
    const message = `no route for ${request.method} ${request.url.split('?')[0]}`
    const body = errorBodyFor(request.url, { status: 404, code: 'ERR_NOT_FOUND', message })
    // The not-found context does not inherit the reply serializer: serialize here.
    return reply.code(404).type('application/json; charset=utf-8').send(JSON.stringify(body) + '\n')
  })

  // Successful reads (dashboard polling, scrapes) log at debug; writes and failures at info/warn.
  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode
    const isRead = request.method === 'GET' || request.method === 'HEAD'
    // a 429 is logged at debug: a flood that is being limited must not flood the log instead
    const level = status >= 500 ? 'warn' : (isRead && status < 400) || status === 429 ? 'debug' : 'info'
    log[level]({ method: request.method, url: redactUrl(request.url), status, ms: Math.round(reply.elapsedTime) }, 'api request')
  })

  if (opts.rateLimit) registerRateLimit(app, opts.rateLimit)
  if (opts.requireAuth) registerAuth(app, deps.getApiToken, deps.getViewerToken)

  // Our routes validate with TypeBox's compiler (no coercion); plugins keep fastify's default.
  app.register(async (scope) => {
    scope.setValidatorCompiler(typeboxValidatorCompiler)
    const routes = scope as unknown as ApiApp
    registerHealthRoutes(routes, deps)
    registerRecordRoutes(routes, deps)
    registerBulkRoutes(routes, deps, deps.bulkMaxBytes)
    registerZoneRoutes(routes, deps)
    registerServerRoutes(routes, deps)
    registerCacheRoutes(routes, deps)
    registerStatusRoutes(routes, deps)
    registerConfigRoutes(routes, deps)
    registerToolRoutes(routes, deps)
    registerClusterRoutes(routes, deps)
  })
  for (const plugin of opts.plugins ?? []) app.register(plugin)
  return app
}
