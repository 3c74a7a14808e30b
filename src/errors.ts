/**
 * DnsplaneError and the closed list of error codes a caller can see.
 * Codes are append-only: never rename or reuse one (docs/errors.md lists them).
 */
export const ERROR_CODES = [
  'ERR_CONFIG_INVALID',
  'ERR_CONFIG_NOT_FOUND',
  'ERR_CONFIG_PARSE',
  'ERR_RECORDS_PARSE',
  'ERR_RECORDS_WRITE',
  'ERR_RECORD_INVALID',
  'ERR_RECORD_NOT_FOUND',
  'ERR_RECORD_CONFLICT',
  'ERR_SERVERS_PARSE',
  'ERR_SERVERS_WRITE',
  'ERR_SERVER_NOT_FOUND',
  'ERR_SERVER_INVALID',
  'ERR_LOCAL_WRITES_DISABLED',
  'ERR_READ_ONLY_SOURCE',
  'ERR_BIND_FAILED',
  'ERR_FRAME_TOO_LARGE',
  'ERR_FRAME_INVALID',
  'ERR_MESSAGE_INVALID',
  'ERR_AUTH_FAILED',
  'ERR_AUTH_TIMEOUT',
  'ERR_AUTH_LEGACY_PEER',
  'ERR_PEER_UNREACHABLE',
  'ERR_CLUSTER_DISABLED',
  'ERR_CLUSTER_REPLICA_ONLY',
  'ERR_CLUSTER_NO_TOKEN',
  'ERR_CLUSTER_ADMIN',
  'ERR_STATE_LOAD',
  'ERR_STATE_WRITE',
  'ERR_CONFIG_WRITE',
  'ERR_UPSTREAM_TIMEOUT',
  'ERR_DNS_FORMAT',
  'ERR_UNAUTHORIZED',
  'ERR_FORBIDDEN',
  'ERR_BAD_REQUEST',
  'ERR_NOT_FOUND',
  'ERR_INTERNAL',
  'ERR_MASS_DELETE_HELD',
  'ERR_RATE_LIMITED',
] as const

export type ErrorCode = (typeof ERROR_CODES)[number]

/** The one error class for failures a caller can act on; `code` is stable, `message` names the value. */
export class DnsplaneError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.name = 'DnsplaneError'
  }
}

/** True when `err` is a DnsplaneError, optionally with the given code. */
export function isDnsplaneError(err: unknown, code?: ErrorCode): err is DnsplaneError {
  return err instanceof DnsplaneError && (code === undefined || err.code === code)
}
