/** The start-up error for a cluster port that cannot be bound, worded like the DNS and API ones. */
import { DnsplaneError } from '../../errors.js'

/** ERR_BIND_FAILED naming the address, the cause and the key to change. */
export function clusterBindError(err: unknown, addr: string): DnsplaneError {
  const e = err as NodeJS.ErrnoException
  let why = e.message
  if (e.code === 'EADDRINUSE') why = `${addr} is already in use`
  else if (e.code === 'EACCES') why = `${addr} needs root or CAP_NET_BIND_SERVICE`
  else if (e.code === 'EADDRNOTAVAIL') why = `the address of ${addr} is not configured on this machine`
  return new DnsplaneError('ERR_BIND_FAILED', `cluster cannot listen on ${addr}: ${why}; set "cluster_listen_addr" in dnsplane.json (or turn "cluster_enabled" off)`, { cause: err })
}
