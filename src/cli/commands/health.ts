/**
 * `dnsplane health [--url URL]`: exit 0 when the node's /ready says ready, 1 otherwise.
 * Meant for keepalived track_script and HAProxy external checks: quiet on success, one line on failure
 * ("connection refused", "timeout after N ms", "HTTP 503: <reasons>").
 * Uses node:http rather than fetch: fetch loads undici on first use, which costs more than the check.
 */
import type { IncomingMessage } from 'node:http'

export const DEFAULT_HEALTH_URL = 'http://127.0.0.1:8080/ready'
export const DEFAULT_HEALTH_TIMEOUT_MS = 2000

export interface HealthOptions {
  url: string
  timeoutMs: number
}

export interface HealthResult {
  ok: boolean
  line: string
}

/** Bytes of a /ready body read for its reasons. */
const MAX_BODY_BYTES = 4096

/** Short words for the connection errors a checker sees; anything else keeps Node's message. */
const ERROR_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found (DNS lookup failed)',
}

/** Asks `url` (a /ready endpoint) and reports whether it answered 200 within the timeout. */
export async function checkHealth(opts: HealthOptions): Promise<HealthResult> {
  const fail = (why: string): HealthResult => ({ ok: false, line: `not ready: ${opts.url}: ${why}` })
  let url: URL
  try {
    url = new URL(opts.url)
  } catch {
    return fail('invalid URL')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`unsupported URL scheme ${url.protocol}`)
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http')
  return new Promise<HealthResult>((resolve) => {
    let settled = false
    const settle = (r: HealthResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      resolve(r)
    }
    const timer = setTimeout(() => settle(fail(`timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs)
    const req = request(url, { method: 'GET', headers: { accept: 'application/json', connection: 'close' } }, (res: IncomingMessage) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c)
        size += c.length
        if (size >= MAX_BODY_BYTES) res.destroy()
      })
      const finish = () => {
        if (res.statusCode === 200) return settle({ ok: true, line: `ready: ${opts.url}` })
        settle(fail(httpReason(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8', 0, MAX_BODY_BYTES))))
      }
      res.on('end', finish)
      res.on('close', finish)
      res.on('error', finish)
    })
    req.on('error', (err: NodeJS.ErrnoException) => settle(fail(ERROR_WORDS[err.code ?? ''] ?? err.message)))
    req.end()
  })
}

/** "HTTP 503: reason; reason" from a /ready body, or "HTTP 503" when it holds no reasons. */
export function httpReason(status: number, body: string): string {
  let reason = `HTTP ${status}`
  try {
    const parsed = JSON.parse(body) as { reasons?: unknown }
    if (Array.isArray(parsed.reasons) && parsed.reasons.length > 0) reason += `: ${parsed.reasons.map(String).join('; ')}`
  } catch {
    // a non-JSON (or cut) body: the status code alone is the reason
  }
  return reason
}
