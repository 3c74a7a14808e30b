/**
 * Upstream endpoint selection for one query name (spec records-and-config.md 2.4, steps 1-5).
 * Pure: rows, the global fallback and a health predicate come in; endpoints come out.
 */
import { canonicalIp } from '../../store/record.js'

/** Transports we forward over (dot: RFC 7858, doh: RFC 8484). */
export type UpstreamTransport = 'udp' | 'tcp' | 'dot' | 'doh'

/** The fields of a dnsservers.json row the forwarder needs (snake_case as on disk); the daemon maps rows to it. */
export interface UpstreamServerRow {
  address: string
  /** Port as text, default "53". */
  port?: string
  /** `udp` (default), `tcp`, `dot`, `doh`. */
  transport?: string
  active: boolean
  domain_whitelist?: readonly string[]
  fallback_address?: string
  /** Default "53". */
  fallback_port?: string
  /** Default: the row's transport. */
  fallback_transport?: string
  /** https URL for a `doh` row (else a URL in `address`, else `https://<ip>:<port>/dns-query`). */
  doh_url?: string
  fallback_doh_url?: string
}

/** One upstream to query. */
export interface UpstreamEndpoint {
  address: string
  port: number
  transport: UpstreamTransport
  /** https URL for `doh` endpoints. */
  url?: string
  /** `ip:port` (IPv6 as `[ip]:port`), the key used for dedupe, health and logs; the URL for `doh`. */
  addressPort: string
}

/** The global fallback (`fallback_server_ip:fallback_server_port`, `fallback_server_transport`). */
export interface FallbackEndpoint {
  address: string
  port: number
  transport: UpstreamTransport
  url?: string
}

export interface UpstreamSelection {
  endpoints: UpstreamEndpoint[]
  /** addressPort (or address) of rows skipped: unsupported transport, bad port; for a one-time warning. */
  skipped: { addressPort: string; reason: 'unsupported_transport' | 'invalid_endpoint' }[]
  /** True when an active server's domain_whitelist matched the name (exclusive routing). */
  whitelistMatched: boolean
}

/** `ip:port`, bracketing IPv6 as net.JoinHostPort does. */
export function formatAddressPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

/** Lower-cased, trimmed, without trailing dots. */
function normalizeName(name: string): string {
  return name.trim().replace(/\.+$/, '').toLowerCase()
}

/** True when `name` equals `entry` or ends with `.entry` (label boundary). Both already normalized. */
export function matchesWhitelist(name: string, entry: string): boolean {
  if (entry === '') return false
  return name === entry || name.endsWith('.' + entry)
}

function hasWhitelist(row: UpstreamServerRow): boolean {
  return (row.domain_whitelist ?? []).some((e) => normalizeName(e) !== '')
}

function rowMatches(row: UpstreamServerRow, name: string): boolean {
  return (row.domain_whitelist ?? []).some((e) => matchesWhitelist(name, normalizeName(e)))
}

function parsePort(text: string | undefined): number | undefined {
  const t = (text ?? '').trim() || '53'
  if (!/^\d{1,5}$/.test(t)) return undefined
  const n = Number(t)
  return n >= 1 && n <= 65535 ? n : undefined
}

type EndpointResult = { endpoint: UpstreamEndpoint } | { skipped: UpstreamSelection['skipped'][number] }

function toEndpoint(address: string, portText: string | undefined, transportText: string | undefined, dohUrl?: string): EndpointResult {
  const addr = address.trim()
  const transport = (transportText ?? '').trim().toLowerCase() || 'udp'
  if (transport === 'doh') return dohEndpoint((dohUrl ?? '').trim() || addr, portText)
  const port = parsePort(portText)
  const label = port === undefined ? addr : formatAddressPort(addr, port)
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'dot') return { skipped: { addressPort: label, reason: 'unsupported_transport' } }
  // The forwarder needs a literal IP: it checks the reply's source address against it (RFC 5452 9.1).
  if (port === undefined || canonicalIp(addr) === undefined) return { skipped: { addressPort: label, reason: 'invalid_endpoint' } }
  const p = transport === 'dot' ? encryptedPort(port, transport) : port
  return { endpoint: { address: addr, port: p, transport, addressPort: formatAddressPort(addr, p) } }
}

/** A DoH endpoint from an https URL (its port, else 443), or from an IP at `https://<ip>:<port>/dns-query`. */
function dohEndpoint(target: string, portText: string | undefined): EndpointResult {
  if (/^https:\/\//i.test(target)) {
    let u: URL
    try {
      u = new URL(target)
    } catch {
      return { skipped: { addressPort: target, reason: 'invalid_endpoint' } }
    }
    const address = u.hostname.replace(/^\[|\]$/g, '')
    return { endpoint: { address, port: Number(u.port || '443'), transport: 'doh', url: u.href, addressPort: u.href } }
  }
  const port = parsePort(portText)
  if (port === undefined || canonicalIp(target) === undefined) return { skipped: { addressPort: target, reason: 'invalid_endpoint' } }
  const p = encryptedPort(port, 'doh')
  const url = `https://${formatAddressPort(target, p)}/dns-query`
  return { endpoint: { address: target, port: p, transport: 'doh', url, addressPort: url } }
}

/**
 * Endpoints for `qname`, in order, deduplicated by addressPort:
 * 1. active rows whose domain_whitelist matches (exact or label-boundary suffix) -> only those;
 *    a match on inactive rows only -> no configured rows;
 * 2. otherwise all active rows without a whitelist;
 * 3. each selected row's fallback_address endpoint;
 * 4. the global `fallback` unless an active whitelist matched (or it is already listed);
 * 5. drop endpoints `isHealthy` rejects, unless that would drop all.
 */
export function selectUpstreams(
  qname: string,
  rows: readonly UpstreamServerRow[],
  opts: { fallback?: FallbackEndpoint; isHealthy?: (addressPort: string) => boolean } = {},
): UpstreamSelection {
  const name = normalizeName(qname)
  const activeMatches = rows.filter((r) => r.active && rowMatches(r, name))
  const anyMatch = activeMatches.length > 0 || rows.some((r) => !r.active && rowMatches(r, name))
  const selected = activeMatches.length > 0 ? activeMatches : anyMatch ? [] : rows.filter((r) => r.active && !hasWhitelist(r))

  const endpoints: UpstreamEndpoint[] = []
  const skipped: UpstreamSelection['skipped'] = []
  const seen = new Set<string>()
  const add = (res: EndpointResult): void => {
    if ('skipped' in res) {
      skipped.push(res.skipped)
      return
    }
    if (seen.has(res.endpoint.addressPort)) return
    seen.add(res.endpoint.addressPort)
    endpoints.push(res.endpoint)
  }
  for (const row of selected) add(toEndpoint(row.address, row.port, row.transport, row.doh_url))
  for (const row of selected) {
    const fa = (row.fallback_address ?? '').trim()
    if (fa !== '') add(toEndpoint(fa, row.fallback_port, row.fallback_transport ?? row.transport, row.fallback_doh_url))
  }
  const whitelistMatched = activeMatches.length > 0
  if (!whitelistMatched && opts.fallback) {
    const f = opts.fallback
    add({ endpoint: { ...f, addressPort: f.url ?? formatAddressPort(f.address, f.port) } })
  }
  let result = endpoints
  if (opts.isHealthy) {
    const healthy = endpoints.filter((e) => opts.isHealthy!(e.addressPort))
    if (healthy.length > 0) result = healthy
  }
  return { endpoints: result, skipped, whitelistMatched }
}

/**
 * Every endpoint that could be queried (active rows, their fallbacks, the global fallback), deduplicated:
 * the set the health checker probes.
 */
export function allActiveEndpoints(rows: readonly UpstreamServerRow[], fallback?: FallbackEndpoint): UpstreamEndpoint[] {
  const out: UpstreamEndpoint[] = []
  const seen = new Set<string>()
  const push = (res: EndpointResult): void => {
    if ('endpoint' in res && !seen.has(res.endpoint.addressPort)) {
      seen.add(res.endpoint.addressPort)
      out.push(res.endpoint)
    }
  }
  for (const row of rows) {
    if (!row.active) continue
    push(toEndpoint(row.address, row.port, row.transport, row.doh_url))
    const fa = (row.fallback_address ?? '').trim()
    if (fa !== '') push(toEndpoint(fa, row.fallback_port, row.fallback_transport ?? row.transport, row.fallback_doh_url))
  }
  if (fallback) push({ endpoint: { ...fallback, addressPort: fallback.url ?? formatAddressPort(fallback.address, fallback.port) } })
  return out
}

/** Port 53 in config means "the transport's default": 853 for DoT (RFC 7858 3.1), 443 for DoH. */
function encryptedPort(port: number, transport: string): number {
  if (port !== 53) return port
  return transport === 'dot' ? 853 : 443
}

/**
 * The global fallback from config text (`fallback_server_ip`, `fallback_server_port`, `fallback_server_transport`).
 * `dot`: TLS to the IP (port 53 means 853). `doh`: `fallback_server_ip` is an https URL (its port, else 443),
 * or an IP, queried at `https://<ip>:<port>/dns-query` (port 53 means 443). Undefined when the address is
 * empty, not an IP (or URL), or the port is invalid.
 */
export function fallbackFromConfig(ip: string, port: string, transport?: string): FallbackEndpoint | undefined {
  const res = toEndpoint(ip, port, transport)
  if (!('endpoint' in res)) return undefined
  const { addressPort: _, ...fallback } = res.endpoint
  return fallback
}
