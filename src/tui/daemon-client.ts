/**
 * The TUI's only way to the daemon: its HTTP control API, over the UNIX socket `server_socket`
 * (file mode 0600, no token needed) or over TCP to the REST API port with a bearer token.
 * Every response is bounded in size and time; failures become DaemonClientError with a message
 * a person can act on.
 */
import http from 'node:http'
import https from 'node:https'
import { DnsplaneError, type ErrorCode } from '../errors.js'
import { tokenPolicyError, type DaemonTarget } from './daemon-target.js'

export { resolveTarget, tokenPolicyError, isLoopbackHost, DEFAULT_API_PORT, type DaemonTarget } from './daemon-target.js'

/** Largest response body read before the request is aborted. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024
/** Default per-request deadline (connect + response), milliseconds. */
export const REQUEST_TIMEOUT_MS = 15_000
/** Longest error text quoted from a non-JSON error body. */
const MAX_ERROR_TEXT_CHARS = 300

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE'

export interface DaemonRequest {
  method: HttpMethod
  /** Absolute path, e.g. `/dns/records` or `/api/v1/config`; path segments must already be encoded. */
  path: string
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | undefined>
  /** JSON body. */
  body?: unknown
  timeoutMs?: number
  /** Aborts the request (Ctrl-C in the TUI): it rejects with "cancelled" and the connection is closed. */
  signal?: AbortSignal
  /** A body sent as is instead of `body` (bulk import: NDJSON), with its content type. */
  raw?: { data: Buffer; contentType: string }
  /** Told as the body is written (bytes sent, bytes in all), for an upload progress line. */
  onUpload?: (sent: number, total: number) => void
}

/** Bytes written per chunk of a request body (progress granularity). */
const UPLOAD_CHUNK_BYTES = 1024 * 1024

/** What the commands need from a daemon; tests pass a fake. Resolves to the parsed JSON body (null when empty). */
export interface DaemonClient {
  readonly target: DaemonTarget
  request(req: DaemonRequest): Promise<unknown>
}

/** A failed request: unreachable daemon, timeout, oversized body, or an HTTP error status. */
export class DaemonClientError extends DnsplaneError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly details: {
      status?: number
      /** `error.code` of an /api/v1 error body. */
      apiCode?: string
      /** `messages` of an original-style error body. */
      messages?: string[]
      /** How to fix it, shown under the error. */
      hint?: string
      /** The parsed error body, for --json. */
      body?: unknown
    } = {},
    options?: ErrorOptions,
  ) {
    super(code, message, options)
    this.name = 'DaemonClientError'
  }
}

export interface DaemonClientOptions {
  target: DaemonTarget
  token?: string
  timeoutMs?: number
  maxResponseBytes?: number
}

/** Builds the request path with its query string. */
export function buildPath(path: string, query?: Record<string, string | undefined>): string {
  if (!query) return path
  const qs = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, v)
  const s = qs.toString()
  return s === '' ? path : `${path}?${s}`
}

function statusCode(status: number): ErrorCode {
  if (status === 401) return 'ERR_UNAUTHORIZED'
  if (status === 404) return 'ERR_NOT_FOUND'
  if (status >= 500) return 'ERR_INTERNAL'
  return 'ERR_BAD_REQUEST'
}

/**
 * Turns an error response into a DaemonClientError. Understands both error shapes:
 * the original endpoints' `{"error":"…","messages":[…]}` and /api/v1's `{"error":{"code","message"}}`.
 */
export function errorFromResponse(status: number, body: unknown, rawText: string, target: DaemonTarget): DaemonClientError {
  let message = ''
  let apiCode: string | undefined
  let messages: string[] | undefined
  if (body !== null && typeof body === 'object') {
    const b = body as Record<string, unknown>
    if (typeof b.error === 'string') message = b.error
    else if (b.error !== null && typeof b.error === 'object') {
      const e = b.error as Record<string, unknown>
      if (typeof e.message === 'string') message = e.message
      if (typeof e.code === 'string') apiCode = e.code
    }
    if (Array.isArray(b.messages)) messages = b.messages.filter((m): m is string => typeof m === 'string')
  }
  if (message === '') {
    const text = rawText.trim().slice(0, MAX_ERROR_TEXT_CHARS)
    message = text !== '' ? text : `HTTP ${status}`
  }
  let hint: string | undefined
  if (status === 401) {
    hint =
      target.kind === 'tcp'
        ? 'the daemon requires its API token: pass --token <token> or set DNSPLANE_API_TOKEN'
        : 'the daemon rejected the request as unauthorized'
  } else if (status === 429) hint = 'the API rate limit was hit (api_rate_limit_rps); try again shortly'
  const code: ErrorCode = apiCode !== undefined && isKnownCode(apiCode) ? apiCode : statusCode(status)
  return new DaemonClientError(code, `${message} (HTTP ${status})`, { status, apiCode, messages, hint, body })
}

function isKnownCode(code: string): code is ErrorCode {
  return /^ERR_[A-Z_]+$/.test(code)
}

/** Explains a socket-level failure, naming the socket or address and how to fix it. */
export function unreachableError(err: NodeJS.ErrnoException, target: DaemonTarget): DaemonClientError {
  const code = err.code ?? 'ERROR'
  let hint: string
  if (target.kind === 'unix') {
    if (code === 'EACCES' || code === 'EPERM') {
      hint = 'the socket is mode 0600: run the client as the user that runs the daemon'
    } else {
      hint = 'is the server running? start it with `dnsplane server` (or pass the socket path / host:port as the target)'
    }
  } else {
    hint =
      'is the server running with the REST API enabled? start it with `dnsplane server` and set `api: true`; ' +
      `the API listens on apiport (default 8080)`
  }
  const where = target.kind === 'unix' ? `unix socket ${target.display}` : target.display
  return new DaemonClientError('ERR_PEER_UNREACHABLE', `cannot reach the daemon at ${where} (${code}: ${err.message})`, { hint }, { cause: err })
}

/** The request headers: JSON in and out, and the bearer token when there is one. */
function requestHeaders(payload: Buffer | undefined, token: string | undefined, contentType = 'application/json'): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (payload) {
    headers['content-type'] = contentType
    headers['content-length'] = String(payload.length)
  }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  return headers
}

/** Where to connect (UNIX socket or host:port) and over which transport. */
function connectOptions(target: DaemonTarget): { base: http.RequestOptions; transport: typeof http | typeof https } {
  const base: http.RequestOptions =
    target.kind === 'unix'
      ? { socketPath: target.path, host: 'localhost' }
      : { host: target.host, port: target.port }
  const transport = target.kind === 'tcp' && target.tls ? https : http
  return { base, transport }
}

/** Decodes a complete response body: the parsed JSON on success, or throws the DaemonClientError to report. */
function decodeResponse(status: number, text: string, req: DaemonRequest, target: DaemonTarget): unknown {
  let body: unknown = null
  let parsed = true
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text)
    } catch {
      parsed = false
    }
  }
  if (status < 200 || status >= 300) throw errorFromResponse(status, parsed ? body : null, parsed ? '' : text, target)
  if (!parsed) {
    throw new DaemonClientError('ERR_BAD_REQUEST', `${target.display} answered ${req.method} ${req.path} with a body that is not JSON`)
  }
  return body
}

/** The error a request ends with when its deadline passes. */
function timeoutError(req: DaemonRequest, target: DaemonTarget, timeoutMs: number): DaemonClientError {
  return new DaemonClientError('ERR_PEER_UNREACHABLE', `${req.method} ${req.path} to ${target.display} timed out after ${timeoutMs} ms`, {
    hint: 'the daemon did not answer in time; is it overloaded or stopped?',
  })
}

/** Creates the HTTP client. Throws ERR_UNAUTHORIZED when a non-loopback TCP target has no token. */
export function createDaemonClient(options: DaemonClientOptions): DaemonClient {
  const { target } = options
  const token = options.token?.trim() || undefined
  const refusal = tokenPolicyError(target, token)
  if (refusal !== undefined) throw new DaemonClientError('ERR_UNAUTHORIZED', refusal)
  if (token !== undefined && /[\r\n]/.test(token)) throw new DaemonClientError('ERR_BAD_REQUEST', 'the API token must not contain line breaks')
  const defaultTimeout = options.timeoutMs ?? REQUEST_TIMEOUT_MS
  const maxBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES

  function request(req: DaemonRequest): Promise<unknown> {
    const timeoutMs = req.timeoutMs ?? defaultTimeout
    const payload = req.raw?.data ?? (req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body)))
    const headers = requestHeaders(payload, token, req.raw?.contentType)
    const path = buildPath(req.path, req.query)
    const { base, transport } = connectOptions(target)
    return new Promise<unknown>((resolve, reject) => {
      let settled = false
      const finish = (err: Error | undefined, value?: unknown): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        req.signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve(value)
      }
      const r = transport.request({ ...base, method: req.method, path, headers, agent: false }, (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) {
            finish(new DaemonClientError('ERR_FRAME_TOO_LARGE', `response from ${target.display} exceeds ${maxBytes} bytes`))
            r.destroy()
            return
          }
          chunks.push(chunk)
        })
        res.on('error', (err) => finish(unreachableError(err, target)))
        res.on('end', () => {
          if (settled) return
          let value: unknown
          try {
            value = decodeResponse(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'), req, target)
          } catch (err) {
            finish(err as Error)
            return
          }
          finish(undefined, value)
        })
      })
      const timer = setTimeout(() => {
        finish(timeoutError(req, target, timeoutMs))
        r.destroy()
      }, timeoutMs)
      r.on('error', (err: NodeJS.ErrnoException) => finish(unreachableError(err, target)))
      const onAbort = (): void => {
        // No ERR_CANCELLED code yet (errors.ts is shared): the request did not complete, like a timeout.
        finish(new DaemonClientError('ERR_PEER_UNREACHABLE', `${req.method} ${req.path} cancelled`))
        r.destroy()
      }
      if (req.signal?.aborted) onAbort()
      else req.signal?.addEventListener('abort', onAbort, { once: true })
      if (payload && req.onUpload) writeChunked(r, payload, req.onUpload)
      else if (payload) r.end(payload)
      else r.end()
    })
  }

  return { target, request }
}

/** Writes `payload` in chunks, telling `onUpload` after each one is flushed. */
function writeChunked(r: http.ClientRequest, payload: Buffer, onUpload: (sent: number, total: number) => void): void {
  let at = 0
  const next = (): void => {
    if (at >= payload.length || r.destroyed) {
      r.end()
      return
    }
    const chunk = payload.subarray(at, at + UPLOAD_CHUNK_BYTES)
    at += chunk.length
    const sent = at
    r.write(chunk, () => {
      onUpload(sent, payload.length)
      next()
    })
  }
  next()
}
