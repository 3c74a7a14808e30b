/**
 * The original's `url` records source: an HTTP(S) GET of our JSON format (dnsrecords.json), with a
 * timeout and a size limit, decoded by THE record codec (records-file.ts). Read-only.
 */
import { DnsplaneError } from '../errors.js'
import type { DnsRecord } from './record.js'
import { MAX_RECORDS_FILE_BYTES, parseRecordsFile } from './records-file.js'

/** The original's GET timeout. */
export const URL_SOURCE_TIMEOUT_MS = 30_000

export interface UrlSourceOptions {
  timeoutMs?: number
  maxBytes?: number
  /** Tests: the fetch implementation; default global fetch. */
  fetch?: typeof fetch
}

/** Throws ERR_CONFIG_INVALID unless `location` is an http or https URL. */
export function checkSourceUrl(location: string): URL {
  let url: URL
  try {
    url = new URL(location)
  } catch {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `file_locations.records_source.location: "${location}" is not a URL (records source type url)`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DnsplaneError('ERR_CONFIG_INVALID', `file_locations.records_source.location: ${url.protocol} URLs are not supported (http or https)`)
  }
  return url
}

/** GETs the records; throws with the HTTP status, a timeout, an oversized body or the first invalid record. */
export async function fetchRecords(location: string, opts: UrlSourceOptions = {}): Promise<DnsRecord[]> {
  const url = checkSourceUrl(location)
  const timeoutMs = opts.timeoutMs ?? URL_SOURCE_TIMEOUT_MS
  const maxBytes = opts.maxBytes ?? MAX_RECORDS_FILE_BYTES
  const signal = AbortSignal.timeout(timeoutMs)
  let res: Response
  try {
    res = await (opts.fetch ?? fetch)(url, { signal, headers: { accept: 'application/json' }, redirect: 'follow' })
  } catch (err) {
    throw new Error(signal.aborted ? `no answer within ${timeoutMs} ms` : `GET failed: ${(err as Error).message}`, { cause: err })
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined)
    throw new Error(`GET answered HTTP ${res.status}`)
  }
  const declared = Number(res.headers.get('content-length') ?? NaN)
  if (declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined)
    throw new Error(`body of ${declared} bytes is larger than the limit of ${maxBytes}`)
  }
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of res.body ?? []) {
      size += chunk.length
      if (size > maxBytes) throw new Error(`body is larger than the limit of ${maxBytes} bytes`)
      chunks.push(chunk)
    }
  } catch (err) {
    if (signal.aborted) throw new Error(`no complete answer within ${timeoutMs} ms`, { cause: err })
    throw err
  }
  return parseRecordsFile(Buffer.concat(chunks))
}
