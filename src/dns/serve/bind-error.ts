/** The one message for a DNS listener that cannot bind: address, cause and fix. */
import { DnsplaneError } from '../../errors.js'

export function bindError(err: NodeJS.ErrnoException, host: string, port: number, proto: string): DnsplaneError {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  let why = err.message
  if (err.code === 'EACCES') why = `port ${port} needs root or CAP_NET_BIND_SERVICE`
  else if (err.code === 'EADDRINUSE') why = `${where} is already in use`
  else if (err.code === 'EADDRNOTAVAIL') why = `address ${host} is not configured on this machine`
  return new DnsplaneError('ERR_BIND_FAILED', `cannot listen for DNS on ${where} (${proto}): ${why}; set "port" in dnsplane.json or pass --port`, { cause: err })
}
