/**
 * API token checks for the dashboard routes: constant-time comparison of SHA-256 digests,
 * so neither the token length nor a common prefix leaks through timing. Pure.
 */
import { createHash, timingSafeEqual } from 'node:crypto'

/** Longest token accepted from a request before hashing (bounds work per request). */
export const MAX_TOKEN_BYTES = 4096

/** True when `given` equals the configured token (trimmed). An empty configured token means "no token required". */
export function tokenMatches(configured: string, given: string | undefined): boolean {
  const expected = configured.trim()
  if (expected === '') return true
  if (given === undefined || given.length === 0 || Buffer.byteLength(given) > MAX_TOKEN_BYTES) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

/** What a token may do on the dashboard: everything, read only (`api_viewer_token`), or nothing. */
export type DashboardAccess = 'admin' | 'viewer' | 'none'

/**
 * The access `given` grants: 'admin' when the admin token is empty or matches, 'viewer' when a
 * non-empty viewer token matches, else 'none'. Both comparisons always run (constant time).
 */
export function accessOf(admin: string, viewer: string, given: string | undefined): DashboardAccess {
  if (admin.trim() === '') return 'admin'
  const isAdmin = tokenMatches(admin, given)
  const isViewer = viewer.trim() !== '' && tokenMatches(viewer, given)
  return isAdmin ? 'admin' : isViewer ? 'viewer' : 'none'
}

/** The token carried by request headers: `Authorization: Bearer <t>` (scheme case-insensitive) or `X-API-Token`. */
export function headerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = first(headers.authorization)
  if (auth !== undefined) {
    const m = /^bearer\s+(.+)$/i.exec(auth.trim())
    if (m) return m[1].trim()
  }
  return first(headers['x-api-token'])?.trim()
}

/** The token carried by a WebSocket URL: `?access_token=` or `?token=`. */
export function queryToken(query: unknown): string | undefined {
  if (query === null || typeof query !== 'object') return undefined
  const q = query as Record<string, unknown>
  return first(q.access_token) ?? first(q.token)
}

/** True when the Origin header is absent or its host equals the Host header (case-insensitive). */
export function isSameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true
  if (host === undefined) return false
  try {
    const u = new URL(origin)
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return false
    // Parse Host with the Origin's scheme so default ports compare equal (":80" vs none).
    return u.host === new URL(`${u.protocol}//${host.trim()}`).host
  } catch {
    return false // unparsable Origin (including "null"): refuse
  }
}

function first(v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0]
  return undefined
}
