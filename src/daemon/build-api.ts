/** The REST API on apiport (when `api` is on), behind the bind policy of api-bind.ts and the API token. */
import type { AddressInfo } from 'node:net'
import { buildApi } from '../api/server.js'
import type { ApiDeps } from '../api/deps.js'
import type { ConfigManager } from '../config/manager.js'
import { dashboardPlugin, type DashboardDeps } from '../dashboard/routes.js'
import { DnsplaneError } from '../errors.js'
import { portFrom } from './adapters.js'
import { apiBindFor, isLoopbackHost } from './api-bind.js'
import type { BuildContext, UpFlags } from './options.js'

/**
 * With `api` on: listens on the bind host from apiBindFor, sets `up.api`, registers 'api' and returns the
 * bound address; undefined with `api` off. Throws DnsplaneError ERR_BIND_FAILED naming host and port.
 */
export async function startRestApi(
  { config, log, stops }: BuildContext,
  deps: { apiDeps: ApiDeps; dashboardDeps: DashboardDeps; up: UpFlags },
): Promise<AddressInfo | undefined> {
  if (!config.api) return undefined
  const { host, warning } = apiBindFor(config)
  if (warning) log.warn({ host }, warning)
  const api = buildApi(deps.apiDeps, { requireAuth: true, plugins: [dashboardPlugin(deps.dashboardDeps)] })
  const port = portFrom('apiport', config.apiport)
  try {
    await api.listen({ host, port })
  } catch (cause) {
    await api.close()
    const why = (cause as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use' : (cause as Error).message
    throw new DnsplaneError('ERR_BIND_FAILED', `REST API cannot listen on ${host}:${port}: ${why}; set "apiport" in dnsplane.json or pass --apiport`, { cause })
  }
  const address = api.server.address() as AddressInfo
  deps.up.api = true
  stops.push('api', () => api.close())
  log.info({ address: formatAddress(address) }, 'api listening')
  return address
}

/**
 * Live config changes that need no restart: the resolution log cap, and a warning when the API token is
 * cleared while the API listens off loopback (the token is live: clearing it opens an API that start-up
 * would have refused to open).
 */
export function watchLiveConfig(
  { log }: BuildContext,
  configManager: ConfigManager,
  deps: { setResolutionLogCap: (cap: number) => void; apiAddress: AddressInfo | undefined },
): void {
  const apiAddr = deps.apiAddress
  configManager.onChange((next, changed) => {
    if (changed.includes('dashboard_resolution_log_cap')) deps.setResolutionLogCap(next.dashboard_resolution_log_cap)
    if (changed.includes('api_auth_token') && apiAddr && next.api_auth_token.trim() === '' && !isLoopbackHost(apiAddr.address) && !next.api_allow_unauthenticated_remote) {
      log.warn({ address: formatAddress(apiAddr) }, 'api_auth_token was cleared while the REST API listens on a non-loopback address: anyone who reaches it can now change records and settings; set a token again (a restart refuses this api_bind, or binds 127.0.0.1 when api_bind is empty)')
    }
  })
}

function formatAddress(a: AddressInfo): string {
  return a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`
}
