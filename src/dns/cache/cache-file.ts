/**
 * dnscache.json in the original's shape:
 * `{"cache":[{"dns_record":{<record>},"expiry":"<time>","timestamp":"<time>","last_query":"<time>"}]}`.
 *
 * Saving writes one row per answer RR (value = RDATA presentation text, ttl = the cached TTL), plus, like the
 * original, one `__RRSET_v1__` row keyed (qname, qtype) holding the whole answer one RR per line when the
 * answer has several RRs or is not a plain RRset of (qname, qtype) (a CNAME chain). Loading prefers the RRSET
 * row for a key and otherwise groups plain rows by (name, type). Negative and expired entries are not saved.
 *
 * parseCacheFile/serializeCache are pure; loadCacheFile/saveCacheFile/CacheFileSaver do the file I/O.
 */
import { readFile, stat } from 'node:fs/promises'
import type { Answer } from 'dns-packet'
import type { Logger } from 'pino'
import { GO_ZERO_TIME } from '../../store/record.js'
import { sleepClamped } from '../../timers.js'
import type { DnsRecord } from '../../store/record.js'
import { writeFileAtomic } from '../../store/atomic-write.js'
import { formatRdata, formatRrLine, parseAnswer, parseRrLine, toMnemonic } from '../wire/upstream-rr.js'
import { cacheKey, normalizeCacheName, normalizeCacheType } from './response-cache.js'
import type { CacheEntry, ResponseCache } from './response-cache.js'
import { isJsonObject, isUint32 } from '../../values.js'

/** Marker the original puts at the start of a whole-answer row's value. */
export const RRSET_PREFIX = '__RRSET_v1__'
/** A larger dnscache.json is not read (warned and ignored). */
export const MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024
/** Lines in one RRSET row beyond this make the row invalid. */
export const MAX_RRSET_LINES = 1000

export interface CacheFileRow {
  dns_record: DnsRecord
  expiry: string
  timestamp: string
  last_query: string
}

export interface ParsedCacheFile {
  entries: CacheEntry[]
  /** Rows dropped: expired, malformed, or RDATA that does not parse. */
  skipped: number
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function isPlainRrset(e: CacheEntry): boolean {
  return e.answers.every((rr) => normalizeCacheName(rr.name) === e.name && toMnemonic(String(rr.type)) === e.type)
}

function ttlSeconds(e: CacheEntry): number {
  return Math.max(0, Math.round((e.expiresAt - e.storedAt) / 1000))
}

/** The file text for the cache's fresh positive entries at `now` (compact unless `pretty`, trailing newline). */
export function serializeCache(entries: Iterable<CacheEntry>, now: number, opts: { pretty?: boolean } = {}): string {
  const rows: CacheFileRow[] = []
  for (const e of entries) {
    if (e.rcode !== 'NOERROR' || e.answers.length === 0 || now >= e.expiresAt) continue
    const ttl = ttlSeconds(e)
    const times = { expiry: iso(e.expiresAt), timestamp: iso(e.storedAt), last_query: iso(e.storedAt) }
    const row = (name: string, type: string, value: string): CacheFileRow => ({
      dns_record: { name, type, value, ttl, added_on: iso(e.storedAt), updated_on: GO_ZERO_TIME, cache_record: true, last_query: GO_ZERO_TIME },
      ...times,
    })
    try {
      for (const rr of e.answers) {
        if (normalizeCacheName(rr.name) !== e.name || toMnemonic(String(rr.type)) !== e.type) continue
        rows.push(row(rr.name, e.type, formatRdata(rr)))
      }
      if (e.answers.length > 1 || !isPlainRrset(e)) {
        const lines = e.answers.map((rr) => formatRrLine({ ...rr, ttl } as Answer))
        rows.push(row(e.name, e.type, `${RRSET_PREFIX}\n${lines.join('\n')}`))
      }
    } catch {
      // RDATA dns-packet cannot re-encode: leave this entry out of the file rather than fail the save.
      continue
    }
  }
  const body = { cache: rows }
  return (opts.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body)) + '\n'
}

/**
 * Rebuilds cache entries from file text. Never throws: a file that is not JSON or not the expected shape
 * gives `error`; bad or expired rows are counted in `skipped`.
 */
export function parseCacheFile(text: string, now: number): ParsedCacheFile & { error?: string } {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    return { entries: [], skipped: 0, error: `not JSON: ${(err as Error).message}` }
  }
  if (!isJsonObject(doc)) return { entries: [], skipped: 0, error: 'top level is not an object' }
  const list = doc.cache ?? []
  if (!Array.isArray(list)) return { entries: [], skipped: 0, error: '"cache" is not an array' }
  const rrsets = new Map<string, CacheEntry>()
  const plain = new Map<string, CacheEntry>()
  let skipped = 0
  for (const row of list) {
    const parsed = parseRow(row, now)
    if (!parsed) {
      skipped++
      continue
    }
    const { name, type, expiresAt, storedAt, answers, isRrset } = parsed
    const key = cacheKey(name, type)
    if (isRrset) {
      rrsets.set(key, { name: normalizeCacheName(name), type: normalizeCacheType(type), rcode: 'NOERROR', answers, authorities: [], storedAt, expiresAt })
      continue
    }
    const existing = plain.get(key)
    if (existing) {
      existing.answers.push(...answers)
      existing.expiresAt = Math.min(existing.expiresAt, expiresAt)
      existing.storedAt = Math.min(existing.storedAt, storedAt)
    } else {
      plain.set(key, { name: normalizeCacheName(name), type: normalizeCacheType(type), rcode: 'NOERROR', answers, authorities: [], storedAt, expiresAt })
    }
  }
  const entries = [...rrsets.values()]
  for (const [key, e] of plain) if (!rrsets.has(key)) entries.push(e)
  entries.sort((a, b) => a.storedAt - b.storedAt)
  return { entries, skipped }
}

function parseRow(
  row: unknown,
  now: number,
): { name: string; type: string; expiresAt: number; storedAt: number; answers: Answer[]; isRrset: boolean } | undefined {
  if (!isJsonObject(row) || !isJsonObject(row.dns_record)) return undefined
  const rec = row.dns_record
  const { name, type, value, ttl } = rec
  if (typeof name !== 'string' || typeof type !== 'string' || typeof value !== 'string') return undefined
  if (!isUint32(ttl)) return undefined
  const expiresAt = typeof row.expiry === 'string' ? Date.parse(row.expiry) : NaN
  if (!Number.isFinite(expiresAt) || expiresAt <= now) return undefined
  const ts = typeof row.timestamp === 'string' ? Date.parse(row.timestamp) : NaN
  const storedAt = Number.isFinite(ts) && ts <= now ? ts : now
  if (normalizeCacheName(name) === '' && name.trim() !== '.') return undefined
  if (value.startsWith(RRSET_PREFIX)) {
    const lines = value.slice(RRSET_PREFIX.length).split('\n').filter((l) => l.trim() !== '')
    if (lines.length === 0 || lines.length > MAX_RRSET_LINES) return undefined
    const answers: Answer[] = []
    for (const line of lines) {
      const rr = parseRrLine(line)
      if (!rr) return undefined
      answers.push(rr)
    }
    return { name, type, expiresAt, storedAt, answers, isRrset: true }
  }
  const rr = parseAnswer(name, type, ttl, value)
  if (!rr) return undefined
  return { name, type, expiresAt, storedAt, answers: [rr], isRrset: false }
}

/**
 * Loads `path` into `cache`; returns the number of entries restored. Never throws: a missing file is
 * silent, an unreadable, oversized or malformed file is one warning.
 */
export async function loadCacheFile(path: string, cache: ResponseCache, deps: { now: () => number; log: Logger }): Promise<number> {
  let text: string
  try {
    const st = await stat(path)
    if (st.size > MAX_CACHE_FILE_BYTES) {
      deps.log.warn({ path, bytes: st.size, max: MAX_CACHE_FILE_BYTES }, 'cache file too large, ignored')
      return 0
    }
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0
    deps.log.warn({ path, err }, 'cache file unreadable, ignored')
    return 0
  }
  if (text.trim() === '') return 0
  const parsed = parseCacheFile(text, deps.now())
  if (parsed.error) {
    deps.log.warn({ path, error: parsed.error }, 'cache file invalid, ignored')
    return 0
  }
  for (const e of parsed.entries) cache.restore(e)
  if (parsed.skipped > 0) deps.log.info({ path, skipped: parsed.skipped }, 'cache file rows skipped')
  return parsed.entries.length
}

/** Writes the cache to `path` atomically (mode 0600). Throws DnsplaneError ERR_RECORDS_WRITE on failure. */
export async function saveCacheFile(path: string, cache: ResponseCache, opts: { now: number; pretty?: boolean }): Promise<void> {
  await writeFileAtomic(path, serializeCache(cache.entries(), opts.now, { pretty: opts.pretty }), { mode: 0o600 })
}

/** Default coalescing period for cache saves. */
export const DEFAULT_CACHE_SAVE_INTERVAL_SECONDS = 30

/**
 * Saves the cache at most once per `intervalSeconds`, only when it changed (ResponseCache.generation),
 * and once more at stop(). Save failures are logged, never thrown.
 */
export class CacheFileSaver {
  readonly #opts: { path: string; intervalSeconds: number; pretty?: boolean }
  readonly #deps: { cache: ResponseCache; now: () => number; log: Logger }
  #controller: AbortController | undefined
  #loop: Promise<void> | undefined
  #savedGeneration: number

  constructor(
    opts: { path: string; intervalSeconds?: number; pretty?: boolean },
    deps: { cache: ResponseCache; now: () => number; log: Logger },
  ) {
    this.#opts = { ...opts, intervalSeconds: opts.intervalSeconds ?? DEFAULT_CACHE_SAVE_INTERVAL_SECONDS }
    this.#deps = deps
    this.#savedGeneration = deps.cache.generation
  }

  start(): void {
    if (this.#controller) return
    const controller = new AbortController()
    this.#controller = controller
    this.#loop = (async () => {
      while (!controller.signal.aborted) {
        try {
          await sleepClamped(Math.max(1, this.#opts.intervalSeconds) * 1000, controller.signal)
        } catch {
          // Aborted by stop(): leave the loop; stop() does the final save.
          return
        }
        await this.flush()
      }
    })()
  }

  /** Saves now if the cache changed since the last save. */
  async flush(): Promise<void> {
    const generation = this.#deps.cache.generation
    if (generation === this.#savedGeneration) return
    try {
      await saveCacheFile(this.#opts.path, this.#deps.cache, { now: this.#deps.now(), pretty: this.#opts.pretty })
      this.#savedGeneration = generation
    } catch (err) {
      this.#deps.log.warn({ path: this.#opts.path, err }, 'cache file save failed')
    }
  }

  /** Stops the timer, waits for a running save, then saves once more if needed. */
  async stop(): Promise<void> {
    this.#controller?.abort()
    await this.#loop
    this.#controller = undefined
    this.#loop = undefined
    await this.flush()
  }
}
