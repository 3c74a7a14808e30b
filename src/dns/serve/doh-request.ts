/**
 * The HTTP side of DNS over HTTPS (RFC 8484) as pure rules: which requests carry a DNS query, which
 * status answers the others, and how long an answer may be cached. No sockets; the DoH listener
 * does the I/O.
 */
import { DNS_HEADER_BYTES, MAX_DNS_MESSAGE_BYTES, rrTtlOffsets } from '../wire/wire.js'

export const DNS_MESSAGE_TYPE = 'application/dns-message'

/** A DNS message in a request body or `dns` parameter is at most one DNS message (RFC 1035 over TCP). */
export const MAX_DOH_BODY_BYTES = MAX_DNS_MESSAGE_BYTES

/** What to do with a request: answer `msg`, read the body (POST) then call dohPostQuery, or reply `status`. */
export type DohStep =
  | { kind: 'query'; msg: Buffer }
  | { kind: 'read-body' }
  | { kind: 'reject'; status: 400 | 404 | 405 | 413 | 415; reason: string }

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/

function reject(status: 400 | 404 | 405 | 413 | 415, reason: string): DohStep {
  return { kind: 'reject', status, reason }
}

/** A decoded message is worth handing to the responder only if it holds a DNS header. */
function query(msg: Buffer): DohStep {
  if (msg.length < DNS_HEADER_BYTES) return reject(400, 'DNS message shorter than its header')
  if (msg.length > MAX_DOH_BODY_BYTES) return reject(413, 'DNS message larger than 65535 bytes')
  return { kind: 'query', msg }
}

/**
 * First look at a request: `url` is the request target (path and query), `path` the configured
 * endpoint. GET carries the query base64url-encoded without padding in `dns` (RFC 8484 §4.1 and §6);
 * POST carries it as the body with Content-Type application/dns-message (§4.1, else 415).
 */
export function dohRequestStep(method: string, url: string, path: string, contentType: string | undefined, contentLength: string | undefined): DohStep {
  const target = new URL(url, 'https://dnsplane.invalid')
  if (target.pathname !== path) return reject(404, 'not the DNS endpoint')
  if (method === 'GET') {
    const dns = target.searchParams.get('dns')
    if (dns === null || !BASE64URL.test(dns)) return reject(400, 'missing or malformed dns parameter')
    return query(Buffer.from(dns, 'base64url'))
  }
  if (method !== 'POST') return reject(405, 'only GET and POST')
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (type !== DNS_MESSAGE_TYPE) return reject(415, `Content-Type must be ${DNS_MESSAGE_TYPE}`)
  if (contentLength !== undefined && Number(contentLength) > MAX_DOH_BODY_BYTES) return reject(413, 'body larger than 65535 bytes')
  return { kind: 'read-body' }
}

/** The body of a POST, once read (the listener stops reading past MAX_DOH_BODY_BYTES). */
export function dohPostQuery(body: Buffer): DohStep {
  return query(body)
}

/**
 * Cache-Control max-age of a DoH answer: the smallest TTL of its answer and authority records, so an
 * HTTP cache never keeps it longer than a DNS cache would (RFC 8484 §5.1; for a negative answer the
 * SOA's TTL, RFC 2308 §5). 0 when it has no records or does not parse.
 */
export function dohMaxAge(reply: Buffer): number {
  const offsets = rrTtlOffsets(reply)
  if (!offsets || offsets.length === 0) return 0
  let min = Infinity
  for (const off of offsets) min = Math.min(min, reply.readUInt32BE(off))
  return min > 0x7fffffff ? 0 : min // RFC 2181 §8: a TTL with the top bit set counts as 0
}
