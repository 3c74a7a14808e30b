/**
 * With pprof_enabled: the profiling endpoint (src/profiling/server.ts) on pprof_listen. Loopback only,
 * with no opt-out: a heap snapshot holds every token in memory, and the endpoint has no authentication.
 * Reach it from elsewhere through an SSH tunnel.
 */
import { DnsplaneError } from '../errors.js'
import { splitHostPort } from '../cluster/transport/netinfo.js'
import { startProfilingServer } from '../profiling/server.js'
import type { AddressInfo } from 'node:net'
import { isLoopbackHost } from './api-bind.js'
import type { BuildContext } from './options.js'

/** The loopback host and port of pprof_listen; throws ERR_CONFIG_INVALID for a malformed or non-loopback address. */
export function profilingAddress(listen: string): { host: string; port: number } {
  let addr: { host: string; port: number }
  try {
    addr = splitHostPort(listen)
  } catch (err) {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `pprof_listen: ${(err as Error).message}`)
  }
  if (!isLoopbackHost(addr.host)) {
    throw new DnsplaneError(
      'ERR_CONFIG_INVALID',
      `pprof_listen "${listen}" is not a loopback address: the profiling endpoint has no authentication and a heap snapshot exposes every secret in memory; use 127.0.0.1 or [::1] (and an SSH tunnel)`,
    )
  }
  return addr
}

/** Starts the endpoint when pprof_enabled (registers 'profiling'); returns its address, or undefined when off. */
export async function startProfiling({ config, log, stops }: BuildContext): Promise<AddressInfo | undefined> {
  if (!config.pprof_enabled) return undefined
  const { host, port } = profilingAddress(config.pprof_listen)
  let server
  try {
    server = await startProfilingServer(host, port)
  } catch (cause) {
    throw new DnsplaneError('ERR_BIND_FAILED', `profiling endpoint cannot listen on ${config.pprof_listen}: ${(cause as Error).message}; set "pprof_listen"`, { cause })
  }
  stops.push('profiling', () => server.close())
  const address = server.address()
  log.warn({ address: `${address.address}:${address.port}` }, 'profiling endpoint on (pprof_enabled): /debug/cpu-profile, /debug/heap-snapshot')
  return address
}
