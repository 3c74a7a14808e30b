/** The REST API on apiport (when `api` is on), behind the bind policy of api-bind.ts and the API token. */
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import type { Server as TlsServer } from 'node:tls'
import { buildApi } from '../api/server.js'
import type { ApiDeps } from '../api/deps.js'
import type { ConfigManager } from '../config/manager.js'
import { dashboardPlugin, type DashboardDeps } from '../dashboard/routes.js'
import { DnsplaneError } from '../errors.js'
import { readTlsPair } from '../dns/serve/tls-files.js'
import { portFrom } from './adapters.js'
import type { CertificateListener } from './build-encrypted-dns.js'
import { apiBindFor, isLoopbackHost } from './api-bind.js'
import type { BuildContext, UpFlags } from './options.js'

/**
 * With `api` on: listens on the bind host from apiBindFor (HTTPS when api_tls_cert or api_tls_key is set,
 * its certificate re-read on SIGHUP through `certificates`; per-client 429s with api_rate_limit_rps),
 * sets `up.api`, registers 'api' and returns the bound address; undefined with `api` off. Throws
 * DnsplaneError ERR_BIND_FAILED naming host and port, ERR_CONFIG_INVALID for a bad certificate pair.
 */
export async function startRestApi(
  { config, log, stops }: BuildContext,
  deps: {
    apiDeps: ApiDeps; dashboardDeps: DashboardDeps; up: UpFlags; configPath?: string; certificates?: { watchCertificate(l: CertificateListener): void }
    /** Called for every request answered 429 by api_rate_limit_rps (dnsplane_api_rate_limited_total). */
    onRateLimited?: () => void
  },
): Promise<AddressInfo | undefined> {
  if (!config.api) return undefined
  const { host, warning } = apiBindFor(config)
  if (warning) log.warn({ host }, warning)
  // Either key set means the operator wants HTTPS: a missing other half refuses the start rather than serving plain HTTP.
  const files = { certKey: 'api_tls_cert', certFile: config.api_tls_cert, keyKey: 'api_tls_key', keyFile: config.api_tls_key }
  const baseDir = dirname(deps.configPath ?? '.')
  const https = config.api_tls_cert.trim() !== '' || config.api_tls_key.trim() !== '' ? await readTlsPair(files, baseDir) : undefined
  const rateLimit = config.api_rate_limit_rps > 0
    ? { rps: config.api_rate_limit_rps, burst: config.api_rate_limit_burst, onLimited: deps.onRateLimited }
    : undefined
  const api = buildApi(deps.apiDeps, { requireAuth: true, plugins: [dashboardPlugin(deps.dashboardDeps)], https, rateLimit })
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
  if (https) deps.certificates?.watchCertificate({ name: 'api', files, setCertificate: (p) => (api.server as unknown as TlsServer).setSecureContext(p) })
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
