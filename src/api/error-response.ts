/**
 * The API's one edge for errors: DnsplaneError code -> HTTP status (one table), and the two body
 * shapes. Endpoints of the original keep its shapes (`{"error":"…"}`, `{"error":"invalid
 * arguments","messages":[…]}`); our /api/v1 endpoints answer `{"error":{"code","message"}}`.
 * Unknown errors become 500 "internal error" without message or stack.
 */
import { isDnsplaneError, type ErrorCode } from '../errors.js'

/** HTTP status for every error code; the compiler insists each code has one. */
export const HTTP_STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  ERR_CONFIG_INVALID: 400,
  ERR_CONFIG_NOT_FOUND: 404,
  ERR_CONFIG_PARSE: 500,
  ERR_RECORDS_PARSE: 500,
  ERR_RECORDS_WRITE: 500,
  ERR_RECORD_INVALID: 400,
  ERR_RECORD_NOT_FOUND: 404,
  ERR_RECORD_CONFLICT: 409,
  ERR_SERVERS_PARSE: 500,
  ERR_SERVERS_WRITE: 500,
  ERR_SERVER_NOT_FOUND: 404,
  ERR_SERVER_INVALID: 400,
  ERR_LOCAL_WRITES_DISABLED: 403,
  ERR_READ_ONLY_SOURCE: 403,
  ERR_BIND_FAILED: 500,
  // Frame/message/auth errors reach the API only from a peer during a cluster operation: a bad gateway.
  ERR_FRAME_TOO_LARGE: 502,
  ERR_FRAME_INVALID: 502,
  ERR_MESSAGE_INVALID: 502,
  ERR_AUTH_FAILED: 502,
  ERR_AUTH_TIMEOUT: 504,
  ERR_AUTH_LEGACY_PEER: 502,
  ERR_PEER_UNREACHABLE: 502,
  ERR_CLUSTER_DISABLED: 409,
  ERR_CLUSTER_REPLICA_ONLY: 409,
  ERR_CLUSTER_NO_TOKEN: 409,
  ERR_CLUSTER_ADMIN: 409,
  ERR_STATE_LOAD: 500,
  ERR_STATE_WRITE: 500,
  ERR_CONFIG_WRITE: 500,
  ERR_UPSTREAM_TIMEOUT: 504,
  ERR_DNS_FORMAT: 400,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN: 403,
  ERR_BAD_REQUEST: 400,
  ERR_NOT_FOUND: 404,
  ERR_INTERNAL: 500,
  ERR_MASS_DELETE_HELD: 409,
  ERR_RATE_LIMITED: 429,
}

/** An error reduced to what may be shown to the caller. */
export interface ErrorReply {
  status: number
  code: ErrorCode
  message: string
  /** Per-field messages of a validation failure (`body/ttl must be integer`). */
  messages?: string[]
  /** The body was not parseable JSON (the original answers `{"error":"invalid input"}`). */
  invalidInput?: boolean
  /** True for unexpected errors: log them, show nothing of them. */
  internal?: boolean
}

interface FastifyLikeError {
  statusCode?: unknown
  code?: unknown
  message?: unknown
  validation?: Array<{ instancePath?: string; message?: string }>
  validationContext?: string
}

/** Codes whose legacy body is `{"error":"invalid arguments","messages":[message]}`. */
const INVALID_ARGUMENT_CODES: ReadonlySet<ErrorCode> = new Set([
  'ERR_RECORD_INVALID',
  'ERR_SERVER_INVALID',
  'ERR_CONFIG_INVALID',
])

/** Reduce any thrown value to status, code and a safe message. */
export function describeError(err: unknown): ErrorReply {
  if (isDnsplaneError(err)) {
    const invalidInput = (err.cause as { invalidInput?: boolean } | undefined)?.invalidInput === true
    return { status: HTTP_STATUS_BY_CODE[err.code] ?? 500, code: err.code, message: err.message, invalidInput }
  }
  const e = (err ?? {}) as FastifyLikeError
  if (Array.isArray(e.validation)) {
    const context = e.validationContext ?? 'body'
    const messages = e.validation.map((v) => `${context}${v.instancePath ?? ''} ${v.message ?? 'is invalid'}`)
    return { status: 400, code: 'ERR_BAD_REQUEST', message: messages.join(', '), messages }
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500 && typeof e.code === 'string' && e.code.startsWith('FST_')) {
    // Fastify's own client errors (body too large, bad media type, bad JSON) have safe messages.
    const message = typeof e.message === 'string' ? e.message : 'bad request'
    const invalidInput = e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
    return { status, code: status === 404 ? 'ERR_NOT_FOUND' : 'ERR_BAD_REQUEST', message, invalidInput }
  }
  return { status: 500, code: 'ERR_INTERNAL', message: 'internal error', internal: true }
}

/** Body for an endpoint of the original. */
export function legacyErrorBody(reply: ErrorReply): Record<string, unknown> {
  if (reply.invalidInput) return { error: 'invalid input' }
  if (reply.messages) return { error: 'invalid arguments', messages: reply.messages }
  if (reply.code === 'ERR_UNAUTHORIZED') return { error: 'unauthorized' }
  if (INVALID_ARGUMENT_CODES.has(reply.code) && reply.status === 400) {
    return { error: 'invalid arguments', messages: [reply.message] }
  }
  return { error: reply.message }
}

/** Body for an /api/v1 endpoint; validation failures also list per-field `messages`. */
export function v1ErrorBody(reply: ErrorReply): Record<string, unknown> {
  const error: Record<string, unknown> = { code: reply.code, message: reply.message }
  if (reply.messages) error.messages = reply.messages
  return { error }
}

/** True for paths that answer in the /api/v1 error shape. */
export function isV1Path(url: string): boolean {
  return url === '/api/v1' || url.startsWith('/api/v1/') || url.startsWith('/api/v1?')
}

/** The body for `reply` in the shape the path `url` uses. */
export function errorBodyFor(url: string, reply: ErrorReply): Record<string, unknown> {
  return isV1Path(url) ? v1ErrorBody(reply) : legacyErrorBody(reply)
}
