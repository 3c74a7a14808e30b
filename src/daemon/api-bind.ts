/**
 * Where the REST API listens. The API can change records and settings, so without a token it stays on
 * loopback unless the operator opts in explicitly (`api_allow_unauthenticated_remote`).
 */
import { isIP } from 'node:net'
import { DnsplaneError } from '../errors.js'

export interface ApiBindSettings {
  api_bind: string
  api_auth_token: string
  api_allow_unauthenticated_remote: boolean
}

export interface ApiBind {
  host: string
  /** A line to log at warn level (empty api_bind narrowed to loopback, or an unauthenticated remote API). */
  warning?: string
}

/** True for 127.0.0.0/8, ::1, their IPv4-mapped forms and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')
  if (h === 'localhost') return true
  const v4 = h.startsWith('::ffff:') && isIP(h.slice(7)) === 4 ? h.slice(7) : h
  if (isIP(v4) === 4) return v4.startsWith('127.')
  // new URL normalises IPv6 spellings (0:0:0:0:0:0:0:1, ::0001) to [::1]
  if (isIP(h) === 6) return new URL(`http://[${h}]/`).hostname === '[::1]'
  return false
}

/** Picks the API's listen host; throws ERR_CONFIG_INVALID for an unauthenticated non-loopback address without the opt-in. */
export function apiBindFor(c: ApiBindSettings): ApiBind {
  const tokenSet = c.api_auth_token.trim() !== ''
  const bind = c.api_bind.trim()
  if (bind === '') {
    if (tokenSet) return { host: '0.0.0.0' }
    return { host: '127.0.0.1', warning: 'api_bind is empty and api_auth_token is unset: REST API bound to 127.0.0.1 only; set api_auth_token to listen on all interfaces' }
  }
  if (tokenSet || isLoopbackHost(bind)) return { host: bind }
  if (!c.api_allow_unauthenticated_remote) {
    throw new DnsplaneError(
      'ERR_CONFIG_INVALID',
      `api_bind "${bind}" is not a loopback address and api_auth_token is empty: anyone who reaches ${bind} could change records and settings; set api_auth_token, bind to 127.0.0.1, or set "api_allow_unauthenticated_remote": true to accept this`,
    )
  }
  return { host: bind, warning: `REST API listens on ${bind} without api_auth_token (api_allow_unauthenticated_remote): anyone who reaches it can change records and settings` }
}
