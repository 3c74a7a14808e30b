/**
 * Where the TUI client connects (pure): resolves the `dnsplane client [target]` argument and
 * decides whether a token is required. Rules follow the original (api-tui-dashboard spec §4.1),
 * except that TCP targets mean the daemon's REST API port (default 8080), not the TUI port 8053.
 */
import { DnsplaneError } from '../errors.js'

/** The REST API port used when a TCP target names no port (config `apiport` default). */
export const DEFAULT_API_PORT = 8080

export type DaemonTarget =
  | { kind: 'unix'; path: string; display: string }
  | { kind: 'tcp'; host: string; port: number; tls: boolean; loopback: boolean; display: string }

function parsePort(text: string, target: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new DnsplaneError('ERR_BAD_REQUEST', `invalid port "${text}" in target "${target}" (1-65535)`)
  }
  return Number(text)
}

/** True for localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4)
}

function tcpTarget(host: string, port: number, tls: boolean): DaemonTarget {
  const shown = host.includes(':') ? `[${host}]` : host
  return {
    kind: 'tcp',
    host,
    port,
    tls,
    loopback: isLoopbackHost(host),
    display: `${tls ? 'https://' : ''}${shown}:${port}`,
  }
}

function unixTarget(path: string): DaemonTarget {
  // A leading '@' names a Linux abstract socket, which node spells with a NUL byte.
  const real = path.startsWith('@') ? `\0${path.slice(1)}` : path
  return { kind: 'unix', path: real, display: path }
}

/**
 * Resolves a client target: empty → `defaultSocket`; `unix://path`, anything containing '/' or '\'
 * or starting with '@' → UNIX socket; optional `tcp://` (or `https://` for a TLS API) prefix;
 * `host:port`, `[v6]:port` → TCP (empty host → 127.0.0.1); bare host or IPv6 → TCP port 8080.
 * Throws ERR_BAD_REQUEST on a malformed port or empty socket path.
 */
export function resolveTarget(target: string | undefined, defaultSocket: string): DaemonTarget {
  const t = (target ?? '').trim()
  if (t === '') {
    if (defaultSocket.trim() === '') throw new DnsplaneError('ERR_BAD_REQUEST', 'no target given and no default socket path')
    return unixTarget(defaultSocket)
  }
  if (t.startsWith('unix://')) {
    const p = t.slice('unix://'.length)
    if (p === '') throw new DnsplaneError('ERR_BAD_REQUEST', `empty socket path in target "${t}"`)
    return unixTarget(p)
  }
  let rest = t
  let tls = false
  if (/^tcp:\/\//i.test(rest)) rest = rest.slice(6)
  else if (/^https:\/\//i.test(rest)) {
    rest = rest.slice(8)
    tls = true
  } else if (/^http:\/\//i.test(rest)) rest = rest.slice(7)
  else if (t.includes('/') || t.includes('\\') || t.startsWith('@')) return unixTarget(t)
  rest = rest.replace(/\/+$/, '')
  if (rest.includes('/')) throw new DnsplaneError('ERR_BAD_REQUEST', `invalid target "${t}": expected host[:port]`)
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(rest)
  if (bracket) {
    const host = bracket[1] === '' ? '::1' : bracket[1]
    return tcpTarget(host, bracket[2] === undefined ? DEFAULT_API_PORT : parsePort(bracket[2], t), tls)
  }
  const colons = rest.split(':').length - 1
  if (colons === 0) return tcpTarget(rest, DEFAULT_API_PORT, tls)
  if (colons > 1) return tcpTarget(rest, DEFAULT_API_PORT, tls) // bare IPv6 address
  const idx = rest.indexOf(':')
  const host = rest.slice(0, idx) === '' ? '127.0.0.1' : rest.slice(0, idx)
  return tcpTarget(host, parsePort(rest.slice(idx + 1), t), tls)
}

/**
 * Remote control is never unauthenticated: a TCP target that is not loopback needs a token.
 * Returns an error message when the connection must be refused, else undefined.
 */
export function tokenPolicyError(target: DaemonTarget, token: string | undefined): string | undefined {
  if (target.kind === 'unix' || target.loopback) return undefined
  if (token !== undefined && token.trim() !== '') return undefined
  return (
    `refusing to connect to ${target.display} over TCP without an API token: ` +
    'pass --token <token> or set DNSPLANE_API_TOKEN (the daemon\'s api_auth_token)'
  )
}
