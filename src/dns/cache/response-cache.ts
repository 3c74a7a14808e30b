/**
 * The response cache: whole answers keyed by (lower-cased name, type). Pure: every call takes `now`
 * (epoch milliseconds); no timers, no I/O.
 *
 * TTL rules: positive answers live for the smallest RR TTL raised to `minTtlSeconds` (0 means 600, as the
 * original) and capped at MAX_CACHE_TTL_SECONDS. Negative answers (NXDOMAIN, NODATA) are cached only with an
 * SOA in the authority section, for min(SOA TTL, SOA MINIMUM) capped at MAX_NEGATIVE_TTL_SECONDS
 * (RFC 2308 5); the floor does not apply to them, so a newly created name is seen again soon.
 */
import type { Answer } from 'dns-packet'
import { formatRdata, toMnemonic, toPacketType } from '../wire/upstream-rr.js'

/** One day: the longest we keep any answer (RFC 8767 4 suggests capping TTLs; we cap at 1 day). */
export const MAX_CACHE_TTL_SECONDS = 86_400
/** RFC 2308 5: negative answers are cached at most a few hours; we use three. */
export const MAX_NEGATIVE_TTL_SECONDS = 10_800
/** How long past expiry an entry may still be served stale (RFC 8767 5 recommends 1-3 days). */
export const MAX_STALE_SECONDS = 86_400
/** What min_cache_ttl_seconds = 0 means (the original's behaviour). */
export const DEFAULT_MIN_CACHE_TTL_SECONDS = 600
export const DEFAULT_MAX_CACHE_ENTRIES = 100_000

/** What the cache stores for one (name, type). */
export interface CachedResponse {
  rcode: 'NOERROR' | 'NXDOMAIN'
  answers: Answer[]
  authorities: Answer[]
  ad?: boolean
}

export interface CacheEntry extends CachedResponse {
  /** Lower-cased, without trailing dot. */
  name: string
  /** Mnemonic, upper-case. */
  type: string
  /** Epoch ms when stored. */
  storedAt: number
  /** Epoch ms when the entry stops being fresh. */
  expiresAt: number
}

export type CacheLookup =
  | { status: 'fresh'; response: CachedResponse; remainingSeconds: number }
  /** Expired, served with TTL 1 while the caller refreshes it (stale_while_revalidate, RFC 8767). */
  | { status: 'stale'; response: CachedResponse; remainingSeconds: 1 }

/** One cached RR for the control plane (one row per answer RR; negative entries give one row with value ''). */
export interface CacheRow {
  /** The cache key's name and type (what remove() takes). */
  qname: string
  qtype: string
  /** The RR's own owner name and type (differ from qname/qtype along a CNAME chain). */
  name: string
  type: string
  /** RDATA in presentation text. */
  value: string
  /** Remaining seconds (0 when expired and kept for stale serving). */
  ttl: number
  /** RFC 3339. */
  expires_at: string
  rcode: 'NOERROR' | 'NXDOMAIN'
}

export interface ResponseCacheOptions {
  /** min_cache_ttl_seconds; 0 means DEFAULT_MIN_CACHE_TTL_SECONDS. */
  minTtlSeconds: number
  staleWhileRevalidate: boolean
  /** Default DEFAULT_MAX_CACHE_ENTRIES; the oldest stored entry is evicted first. */
  maxEntries?: number
}

/** The cache key for a name and type mnemonic. */
export function cacheKey(name: string, type: string): string {
  return `${normalizeCacheName(name)}|${normalizeCacheType(type)}`
}

export function normalizeCacheName(name: string): string {
  return name.trim().replace(/\.+$/, '').toLowerCase()
}

export function normalizeCacheType(type: string): string {
  const t = type.trim().toUpperCase()
  const p = toPacketType(t)
  return p ? toMnemonic(p) : t
}

function ttlOf(rr: Answer): number {
  const t = (rr as { ttl?: number }).ttl
  return typeof t === 'number' && Number.isFinite(t) && t >= 0 ? t : 0
}

function withTtl(rrs: readonly Answer[], ttl: number): Answer[] {
  return rrs.map((rr) => ({ ...rr, ttl }) as Answer)
}

/**
 * Seconds to cache `response` for, or 0 when it must not be cached (no answers and no SOA, RFC 2308 5).
 */
export function cacheTtlSeconds(response: CachedResponse, minTtlSeconds: number): number {
  if (response.rcode === 'NOERROR' && response.answers.length > 0) {
    const floor = minTtlSeconds > 0 ? minTtlSeconds : DEFAULT_MIN_CACHE_TTL_SECONDS
    const min = Math.min(...response.answers.map(ttlOf))
    return Math.min(Math.max(min, floor), MAX_CACHE_TTL_SECONDS)
  }
  const soa = response.authorities.find((rr) => String(rr.type).toUpperCase() === 'SOA')
  if (!soa) return 0
  const minimum = (soa as { data?: { minimum?: number } }).data?.minimum ?? 0
  // RFC 2308 5: the negative TTL is the lesser of the SOA's own TTL and its MINIMUM field.
  return Math.min(ttlOf(soa), minimum, MAX_NEGATIVE_TTL_SECONDS)
}

/** Bounded response cache; see the module comment for TTL rules. */
export class ResponseCache {
  readonly #entries = new Map<string, CacheEntry>()
  readonly #minTtl: number
  readonly #stale: boolean
  readonly #max: number
  #generation = 0

  constructor(opts: ResponseCacheOptions) {
    this.#minTtl = opts.minTtlSeconds
    this.#stale = opts.staleWhileRevalidate
    this.#max = Math.max(1, opts.maxEntries ?? DEFAULT_MAX_CACHE_ENTRIES)
  }

  /** Entry count (fresh and expired-but-kept). */
  get size(): number {
    return this.#entries.size
  }

  /** Increments on every change; the cache-file saver compares it to decide whether to write. */
  get generation(): number {
    return this.#generation
  }

  /** A copy of the answer with TTLs set to the remaining seconds (>= 1), a stale copy with TTL 1, or undefined. */
  get(name: string, type: string, now: number): CacheLookup | undefined {
    const key = cacheKey(name, type)
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (now < entry.expiresAt) {
      const remaining = Math.max(1, Math.ceil((entry.expiresAt - now) / 1000))
      return { status: 'fresh', response: copyWithTtl(entry, remaining), remainingSeconds: remaining }
    }
    if (this.#stale && now < entry.expiresAt + MAX_STALE_SECONDS * 1000) {
      return { status: 'stale', response: copyWithTtl(entry, 1), remainingSeconds: 1 }
    }
    this.#entries.delete(key)
    this.#generation++
    return undefined
  }

  /** Stores `response` for (name, type) if cacheable; returns the TTL used (0 = not stored). */
  set(name: string, type: string, response: CachedResponse, now: number): number {
    const ttl = cacheTtlSeconds(response, this.#minTtl)
    if (ttl <= 0) return 0
    this.restore({
      name: normalizeCacheName(name),
      type: normalizeCacheType(type),
      rcode: response.rcode,
      answers: withTtl(response.answers, ttl),
      authorities: withTtl(response.authorities, ttl),
      ad: response.ad,
      storedAt: now,
      expiresAt: now + ttl * 1000,
    })
    return ttl
  }

  /** Inserts a ready entry (used by set() and the cache-file loader); evicts the oldest beyond maxEntries. */
  restore(entry: CacheEntry): void {
    const key = cacheKey(entry.name, entry.type)
    this.#entries.delete(key)
    this.#entries.set(key, { ...entry, name: normalizeCacheName(entry.name), type: normalizeCacheType(entry.type) })
    while (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value as string
      this.#entries.delete(oldest)
    }
    this.#generation++
  }

  /** Removes (name, type), or every type of `name` when type is omitted; returns how many entries went. */
  remove(name: string, type?: string): number {
    let removed = 0
    if (type !== undefined) {
      removed = this.#entries.delete(cacheKey(name, type)) ? 1 : 0
    } else {
      const n = normalizeCacheName(name)
      for (const [key, e] of this.#entries) {
        if (e.name === n) {
          this.#entries.delete(key)
          removed++
        }
      }
    }
    if (removed > 0) this.#generation++
    return removed
  }

  clear(): void {
    if (this.#entries.size > 0) this.#generation++
    this.#entries.clear()
  }

  /** Drops entries that can no longer be served (expired; with stale serving, expired past MAX_STALE_SECONDS). */
  compact(now: number): number {
    const grace = this.#stale ? MAX_STALE_SECONDS * 1000 : 0
    let removed = 0
    for (const [key, e] of this.#entries) {
      if (now >= e.expiresAt + grace) {
        this.#entries.delete(key)
        removed++
      }
    }
    if (removed > 0) this.#generation++
    return removed
  }

  /** Entries in storage order (oldest first); treat as read-only. */
  entries(): IterableIterator<CacheEntry> {
    return this.#entries.values()
  }

  /** Control-plane rows: one per answer RR, one with value '' for a negative entry. */
  list(now: number): CacheRow[] {
    const rows: CacheRow[] = []
    for (const e of this.#entries.values()) {
      const ttl = Math.max(0, Math.ceil((e.expiresAt - now) / 1000))
      const expires_at = new Date(e.expiresAt).toISOString()
      const base = { qname: e.name, qtype: e.type, ttl, expires_at, rcode: e.rcode }
      if (e.answers.length === 0) {
        rows.push({ ...base, name: e.name, type: e.type, value: '' })
        continue
      }
      for (const rr of e.answers) {
        rows.push({ ...base, name: rr.name, type: toMnemonic(String(rr.type)), value: safeFormat(rr) })
      }
    }
    return rows
  }
}

function copyWithTtl(entry: CacheEntry, ttl: number): CachedResponse {
  const out: CachedResponse = {
    rcode: entry.rcode,
    answers: withTtl(entry.answers, ttl),
    authorities: withTtl(entry.authorities, ttl),
  }
  if (entry.ad !== undefined) out.ad = entry.ad
  return out
}

function safeFormat(rr: Answer): string {
  try {
    return formatRdata(rr)
  } catch {
    // RDATA dns-packet cannot re-encode: show nothing rather than fail the whole listing.
    return ''
  }
}
