/**
 * The original's probes and info endpoints: GET /health, /ready, /version, /stats.
 * /health and /ready are public (no token), as in the original.
 */
import type { ApiDeps, VersionInfo } from '../deps.js'
import type { ApiApp } from './shared.js'

/** The original's `build` object: `go_version` is kept for its users' scripts and holds the Node.js version. */
export function buildInfo(version: VersionInfo): Record<string, string> {
  return { version: version.version, go_version: version.node, node_version: version.node, os: version.os, arch: version.arch }
}

export function registerHealthRoutes(app: ApiApp, deps: ApiDeps): void {
  app.get('/health', { config: { public: true } }, async (_request, reply) => {
    return reply.code(200).send()
  })

  app.get('/ready', { config: { public: true } }, async (_request, reply) => {
    const r = deps.readiness()
    const body = { ...r, build: r.build ?? buildInfo(deps.version) }
    return reply.code(r.ready ? 200 : 503).send(body)
  })

  app.get('/version', async () => buildInfo(deps.version))

  app.get('/stats', async () => {
    const session = deps.stats.resolver()
    const total = deps.stats.total ? deps.stats.total() : session
    return { session: { resolver: session }, total: { resolver: total }, build: buildInfo(deps.version) }
  })
}
