/**
 * REST API token auth as the original does it: when the token (trimmed) is non-empty, every
 * request needs `Authorization: Bearer <t>` (scheme case-insensitive) or `X-API-Token: <t>`.
 * Tokens are compared in constant time over SHA-256 digests and never logged.
 * Routes marked `config: { public: true }` (GET/HEAD /health, /ready, and whatever the dashboard
 * plugin marks) skip the check; such routes may call `isTokenAccepted` themselves.
 * Ours: `api_viewer_token` (only meaningful while `api_auth_token` is set) grants read-only access:
 * GET and HEAD proceed, every other method answers 403 ERR_FORBIDDEN.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { describeError, errorBodyFor } from './error-response.js'
import { DnsplaneError } from '../errors.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Skip API token auth for this route (it must then check access itself if it needs to). */
    public?: boolean
  }
}

/** Value of the WWW-Authenticate header on every 401. */
export const WWW_AUTHENTICATE = 'Bearer realm="dnsplane"'

/** Longest header value we hash; anything longer cannot be a token we issued. */
const MAX_TOKEN_CHARS = 4096

type HeaderBag = Record<string, string | string[] | undefined>

/** The token a request presents (Bearer first, then X-API-Token), trimmed; undefined when none. */
export function presentedToken(headers: HeaderBag): string | undefined {
  const auth = firstHeader(headers.authorization)
  if (auth !== undefined) {
    const m = /^\s*bearer\s+(.*)$/i.exec(auth)
    if (m) {
      const t = m[1].trim()
      if (t !== '') return t
    }
  }
  const x = firstHeader(headers['x-api-token'])
  if (x !== undefined && x.trim() !== '') return x.trim()
  return undefined
}

/** Constant-time comparison of a presented token with the expected one (SHA-256 digests). */
export function tokensMatch(presented: string, expected: string): boolean {
  if (presented.length > MAX_TOKEN_CHARS) return false
  const a = createHash('sha256').update(presented, 'utf8').digest()
  const b = createHash('sha256').update(expected, 'utf8').digest()
  return timingSafeEqual(a, b)
}

/**
 * True when `expectedRaw` (trimmed) is empty, or `candidate` matches it.
 * For code paths that get the token elsewhere (the dashboard WebSocket's `?access_token=`).
 */
export function isTokenAccepted(candidate: string | undefined, expectedRaw: string): boolean {
  const expected = expectedRaw.trim()
  if (expected === '') return true
  return candidate !== undefined && tokensMatch(candidate, expected)
}

/** True when the request may proceed under the token returned by `getApiToken` now. */
export function isRequestAuthorized(headers: HeaderBag, getApiToken: () => string): boolean {
  return isTokenAccepted(presentedToken(headers), getApiToken())
}

/** What a presented token may do: everything, read only, or nothing. */
export type AccessLevel = 'admin' | 'viewer' | 'none'

/**
 * The access `candidate` grants: 'admin' when the admin token (trimmed) is empty or matches, 'viewer'
 * when a non-empty viewer token matches, else 'none'. Both comparisons always run (constant time).
 */
export function accessLevelOf(candidate: string | undefined, adminRaw: string, viewerRaw: string): AccessLevel {
  const admin = adminRaw.trim()
  if (admin === '') return 'admin'
  if (candidate === undefined) return 'none'
  const viewer = viewerRaw.trim()
  const isAdmin = tokensMatch(candidate, admin)
  const isViewer = viewer !== '' && tokensMatch(candidate, viewer)
  return isAdmin ? 'admin' : isViewer ? 'viewer' : 'none'
}

/** True for the methods a viewer token may use (RFC 9110 9.2.1 safe methods we serve). */
export function isReadOnlyMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD'
}

/**
 * Registers the onRequest auth hook on `app` (root, so every plugin's routes are covered).
 * `getViewerToken` (optional) returns `api_viewer_token` now.
 */
export function registerAuth(app: FastifyInstance, getApiToken: () => string, getViewerToken: () => string = () => ''): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.routeOptions.config?.public === true) return
    const level = accessLevelOf(presentedToken(request.headers), getApiToken(), getViewerToken())
    if (level === 'admin' || (level === 'viewer' && isReadOnlyMethod(request.method))) return
    if (level === 'viewer') {
      const err = new DnsplaneError('ERR_FORBIDDEN', 'the viewer token is read-only')
      return reply.code(403).send(errorBodyFor(request.url, describeError(err)))
    }
    const body = errorBodyFor(request.url, describeError(new DnsplaneError('ERR_UNAUTHORIZED', 'unauthorized')))
    return reply.code(401).header('www-authenticate', WWW_AUTHENTICATE).send(body)
  })
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}
