/**
 * The encrypted DNS listeners: DNS over TLS (dot_*) and DNS over HTTPS (doh_*), each off unless
 * enabled, both answering through the plain DNS server's responder. A missing or bad certificate or
 * key refuses the start (ERR_CONFIG_INVALID naming the key); SIGHUP re-reads both pairs.
 */
import type { AddressInfo } from 'node:net'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import type { DnsServer } from '../dns/serve/server.js'
import { DohListener } from '../dns/serve/doh-listener.js'
import { DotListener } from '../dns/serve/dot-listener.js'
import { readTlsPair, type TlsFileKeys, type TlsPair } from '../dns/serve/tls-files.js'
import { portFrom } from './adapters.js'
import type { BuildContext } from './options.js'

export interface BuiltEncryptedDns {
  dot?: AddressInfo
  doh?: AddressInfo
  /** Re-reads the certificate and key files; a bad pair is logged and the current one kept. */
  reloadCertificates(): Promise<void>
  /** Adds another TLS listener (the REST API) to what reloadCertificates() re-reads. */
  watchCertificate(l: CertificateListener): void
}

/** A TLS listener whose certificate SIGHUP re-reads. */
export interface CertificateListener {
  name: string
  files: TlsFileKeys
  setCertificate(pair: TlsPair): void
}

/** '' binds all addresses: '::' dual-stack, else '0.0.0.0' on hosts without IPv6. */
export async function listenOn<A>(bind: string, listen: (host: string) => Promise<A>): Promise<A> {
  if (bind !== '') return listen(bind)
  try {
    return await listen('::')
  } catch (err) {
    const code = ((err as DnsplaneError).cause as NodeJS.ErrnoException | undefined)?.code
    if (code !== 'EAFNOSUPPORT' && code !== 'EADDRNOTAVAIL') throw err
    return listen('0.0.0.0')
  }
}

/** Starts the enabled encrypted listeners and registers their stops ('dot', 'doh'). */
export async function buildEncryptedDns({ config, log, stops }: BuildContext, deps: { dns: DnsServer; configPath: string }): Promise<BuiltEncryptedDns> {
  const baseDir = dirname(deps.configPath)
  const tcpOpts = {
    tcpIdleTimeoutMs: config.dns_tcp_idle_timeout_seconds * 1000,
    tcpMaxConnections: config.dns_tcp_max_connections,
    tcpMaxConnectionsPerClient: config.dns_tcp_max_connections_per_client,
  }
  const listeners: CertificateListener[] = []
  const out: BuiltEncryptedDns = { reloadCertificates: () => reload(listeners, baseDir, log), watchCertificate: (l) => void listeners.push(l) }
  if (config.dot_enabled) {
    const files = { certKey: 'dot_cert_file', certFile: config.dot_cert_file, keyKey: 'dot_key_file', keyFile: config.dot_key_file }
    const port = portFrom('dot_port', config.dot_port)
    const dot = new DotListener(tcpOpts, await readTlsPair(files, baseDir), deps.dns.responder, log.child({ component: 'dot' }))
    stops.push('dot', () => dot.close())
    out.dot = (await listenOn(config.dot_bind, (host) => dot.listen(host, port))).address() as AddressInfo
    listeners.push({ name: 'dot', files, setCertificate: (p) => dot.setCertificate(p) })
    log.info({ dot: out.dot }, 'dns over tls listening')
  }
  if (config.doh_enabled) {
    const files = { certKey: 'doh_cert_file', certFile: config.doh_cert_file, keyKey: 'doh_key_file', keyFile: config.doh_key_file }
    const port = portFrom('doh_port', config.doh_port)
    if (!config.doh_path.startsWith('/')) throw new DnsplaneError('ERR_CONFIG_INVALID', `doh_path: must start with "/", got ${JSON.stringify(config.doh_path)}`)
    const opts = {
      path: config.doh_path, idleTimeoutMs: tcpOpts.tcpIdleTimeoutMs,
      maxConnections: tcpOpts.tcpMaxConnections, maxConnectionsPerClient: tcpOpts.tcpMaxConnectionsPerClient,
    }
    const doh = new DohListener(opts, await readTlsPair(files, baseDir), deps.dns.responder, log.child({ component: 'doh' }))
    stops.push('doh', () => doh.close())
    out.doh = await listenOn(config.doh_bind, (host) => doh.listen(host, port))
    listeners.push({ name: 'doh', files, setCertificate: (p) => doh.setCertificate(p) })
    log.info({ doh: out.doh, path: config.doh_path }, 'dns over https listening')
  }
  return out
}

async function reload(listeners: CertificateListener[], baseDir: string, log: Logger): Promise<void> {
  for (const l of listeners) {
    try {
      l.setCertificate(await readTlsPair(l.files, baseDir))
      log.info({ listener: l.name }, 'certificate reloaded')
    } catch (err) {
      log.error({ err, listener: l.name }, 'certificate reload failed; keeping the current certificate')
    }
  }
}
