/**
 * The UDP fast path: complete response bytes for local answers, keyed by the lower-cased question
 * (name + type + class) and an EDNS flag, so a repeated question costs one hash-table probe on the
 * key bytes (KeyTable: no key string per hit) and one copy.
 * Entries are built by the general path (so the bytes are the general path's own). When the records
 * change, advance() drops only the entries whose answer read something the change touched (the tokens
 * the local answerer traced, see ZoneChanges); lookup() with an index it was not advanced to drops
 * everything. Answers from the resolver's cache are kept too, for
 * at most FORWARDED_ENTRY_MS (their TTLs count down by the second) and until the cache changes.
 * Pure: no I/O; the clock comes in as an argument.
 */
import type { RecordIndex } from '../../store/record-index.js'
import { CLASSIC_UDP_BYTES, DNS_HEADER_BYTES, FAST_KEY_MAX_BYTES, rrTtlOffsets, scanFastQuery, type FastScan } from '../wire/wire.js'
import { hashKey, KeyTable } from './key-table.js'

/** Bound on cached responses per generation; past it new questions take the general path. */
export const MAX_FAST_PATH_ENTRIES = 100_000
/** Reuse of a cached answer that has no records whose TTL could be counted down (rare). */
export const FORWARDED_ENTRY_MS = 1000

/** A cached response plus what the resolution log needs, so a hit allocates nothing else. */
export interface FastEntry {
  bytes: Buffer
  qname: string
  qtype: string
  rcode: string
  record?: string
  /** Answers from the resolver's cache: 'cache', and the epoch ms after which the bytes are stale. */
  outcome?: 'local' | 'cache'
  validUntil?: number
  /**
   * Cached answers: where the TTL fields are, the TTL they held at `ttlBase` (epoch ms); on reuse
   * every TTL is rewritten to what the cache would say now (it gives all records one remaining TTL).
   */
  ttlOffsets?: readonly number[]
  ttlBase?: number
  ttl0?: number
  /** Offset just past the question section (set by store()). */
  questionEnd?: number
}

/**
 * The fast-path entry for an answer from the resolver cache: reusable until one second before the
 * cache entry could expire (then the resolver decides: refresh, stale, or evict), with TTLs counted
 * down on every reuse; one second only when the message has no records to count down.
 */
export function cachedEntry(base: Omit<FastEntry, 'outcome' | 'validUntil'>, now: number): FastEntry {
  const offsets = rrTtlOffsets(base.bytes)
  if (!offsets || offsets.length === 0) return { ...base, outcome: 'cache', validUntil: now + FORWARDED_ENTRY_MS }
  const ttl0 = base.bytes.readUInt32BE(offsets[0])
  return { ...base, outcome: 'cache', validUntil: now + Math.max(0, ttl0 - 1) * 1000, ttlOffsets: offsets, ttlBase: now, ttl0 }
}

/**
 * Copies `template` and patches in the query's ID, RD and CD bits and its question bytes
 * (offset 12 to `questionEnd`, which keeps the client's 0x20 letter case). Returns a new buffer.
 */
export function patchResponse(template: Buffer, query: Buffer, questionEnd: number): Buffer {
  const out = Buffer.allocUnsafe(template.length)
  // TypedArray set and a byte loop: Buffer.copy's argument checks cost more than these short copies
  out.set(template)
  return patchQuery(out, query, questionEnd)
}

/** Writes the query's ID, RD and CD bits and question bytes (offset 12 to `questionEnd`) into `out`. */
function patchQuery(out: Buffer, query: Buffer, questionEnd: number): Buffer {
  out[0] = query[0]
  out[1] = query[1]
  out[2] = (out[2] & 0xfe) | (query[2] & 0x01) // RD copied (RFC 1035 4.1.1)
  out[3] = (out[3] & 0xef) | (query[3] & 0x10) // CD copied (RFC 4035 3.2.2)
  for (let i = DNS_HEADER_BYTES; i < questionEnd; i++) out[i] = query[i]
  return out
}

/**
 * What the cache holds: every field of FastEntry present, in one order (one hidden class, so the hit
 * path's property reads stay monomorphic), plus the key bytes and their hash for the KeyTable.
 */
interface StoredEntry extends FastEntry {
  outcome: 'local' | 'cache'
  questionEnd: number
  /** Keyed: the key's name and type are the question in `bytes` (stored lower-cased), its flag byte keyLast. */
  readonly key: Buffer
  readonly keyAt: number
  readonly keyLength: number
  readonly keyLast: number
  readonly hash: number
  /** Hits not yet counted by the stats (their HitBatch). */
  pending: number
}

/** Node's Buffer has latin1Slice (undocumented but stable since v0.x); typed here. */
type LatinSlicer = Buffer & { latin1Slice(start: number, end: number): string }

/**
 * What lookup() found for a query: the entry of a usable hit, the key to store() the general path's
 * response under on a cacheable miss, or undefined (not of the common shape, or too big for the client).
 * A hit is the stored entry itself, so looking up allocates nothing but the key string.
 */
export type FastLookup = FastEntry | string | undefined

export class FastPathCache {
  /** By key string (store, invalidation; misses only) and by key bytes (every lookup). */
  private map = new Map<string, StoredEntry>()
  private table = new KeyTable<StoredEntry>()
  /** Keys of the entries stored with what their answer read, by token; and each such key's tokens. */
  private dependents = new Map<string, Set<string>>()
  private reads = new Map<string, string[]>()
  /** Keys of entries stored without their dependencies: dropped on any change of the records. */
  private blind = new Set<string>()
  private generation = -1
  private cacheGeneration = -1
  private index: RecordIndex | undefined
  private readonly scratch = Buffer.allocUnsafe(FAST_KEY_MAX_BYTES)
  /** Scratch for scanFastQuery (read only inside lookup()). */
  private readonly scan: FastScan = { keyLength: 0, questionEnd: 0, ednsUdpSize: 0 }
  private missKey: string | undefined
  private lastHitEntry: FastEntry | undefined

  /** @param maxUdpPayload the EDNS UDP size we advertise (responses above the client's limit miss). */
  constructor(private readonly maxUdpPayload: number) {}

  get size(): number {
    return this.map.size
  }

  /** Diagnostics for tests: the miss key of the last lookup (the responder uses lookup()'s return value). */
  get pendingKey(): string | undefined {
    return this.missKey
  }

  /** Diagnostics for tests: the entry of the last hit. */
  get lastHit(): FastEntry | undefined {
    return this.lastHitEntry
  }

  /**
   * The entry answering `msg`, the key of a cacheable miss, or undefined when the query is not of the
   * common shape or the cached response does not fit the client's UDP limit (the general path truncates).
   */
  lookup(msg: Buffer, index: RecordIndex, clock: () => number = () => 0, cacheGeneration = -1): FastLookup {
    const found = this.find(msg, index, clock, cacheGeneration)
    if (typeof found === 'object') {
      this.lastHitEntry = found
      this.missKey = undefined
    } else this.missKey = found
    return found
  }

  private find(msg: Buffer, index: RecordIndex, clock: () => number, cacheGeneration: number): FastLookup {
    if (!scanFastQuery(msg, this.scratch, this.scan)) return undefined
    if (index !== this.index || index.generation !== this.generation || cacheGeneration !== this.cacheGeneration) {
      this.index = index
      this.generation = index.generation
      this.cacheGeneration = cacheGeneration
      this.clear()
    }
    const length = this.scan.keyLength
    const entry = this.table.get(hashKey(this.scratch, length), this.scratch, length)
    // Only cached forwarded answers expire, so only they read the clock (local hits stay clock-free).
    // The key string is made for a miss only (store() takes it); latin1Slice skips toString's checks.
    if (entry === undefined || (entry.validUntil !== undefined && clock() >= entry.validUntil)) {
      return (this.scratch as LatinSlicer).latin1Slice(0, length)
    }
    const edns = this.scan.ednsUdpSize
    // RFC 6891 6.2.5: sizes below 512 are treated as 512
    const limit = edns === 0 ? CLASSIC_UDP_BYTES : Math.max(CLASSIC_UDP_BYTES, Math.min(edns, this.maxUdpPayload))
    if (entry.bytes.length > limit) return undefined // the general path truncates
    return entry
  }

  /**
   * The response for `msg` from a hit of lookup(msg): the entry's bytes with the query's ID, flags and
   * question, TTLs of a cached answer counted down to `now` (ignored for local answers).
   */
  render(entry: FastEntry, msg: Buffer, now: number): Buffer {
    // the question is the key's bytes (same length as the query's): header, name, type and class
    const out = patchResponse(entry.bytes, msg, entry.questionEnd ?? questionEndOf(entry.bytes))
    if (entry.ttlOffsets !== undefined) countDown(out, entry, now)
    return out
  }

  /**
   * render() without the copy: patches the entry's own bytes and returns them. The caller must be done
   * with them (sent, or copied by a send that completed at once) before the next render of any entry:
   * the UDP listener uses it only while its socket's send queue is empty (see UdpListener).
   * Patching the question in leaves the client's letter case in the stored key; the table compares names
   * case-insensitively (KeyTable).
   */
  renderInPlace(entry: FastEntry, msg: Buffer, now: number): Buffer {
    const out = patchQuery(entry.bytes, msg, entry.questionEnd ?? questionEndOf(entry.bytes))
    if (entry.ttlOffsets !== undefined) countDown(out, entry, now)
    return out
  }

  /**
   * Remembers the general path's response for `key` (the miss key lookup() returned for the same query).
   * Keeps a copy of `entry` with every field set in one order (see StoredEntry; a spread copy, whose
   * shape varies with the fields present, made every later hit several times slower).
   * `reads`: the tokens its answer read (see advance); without them it is dropped on any record change.
   */
  store(key: string, entry: FastEntry, reads?: Iterable<string>): void {
    if (this.map.size >= MAX_FAST_PATH_ENTRIES && !this.map.has(key)) return
    if (entry.bytes.length < DNS_HEADER_BYTES + key.length + 1) return // not a response to this question
    // key = lower-cased name + type (2) + EDNS flag (1); the question adds class (2) after the header
    const questionEnd = DNS_HEADER_BYTES + key.length + 1
    const keyBytes = Buffer.from(key, 'latin1')
    // A copy (the general path sends `entry.bytes` itself, with the client's case) whose question holds
    // the key: a hit compares the key there and then copies these bytes (its own question patched in).
    const bytes = Buffer.from(entry.bytes)
    bytes.set(keyBytes.subarray(0, keyBytes.length - 1), DNS_HEADER_BYTES)
    // what a hit reads first, so it shares the object's first cache lines; the log's fields (read later) last
    const stored: StoredEntry = {
      hash: hashKey(keyBytes, keyBytes.length), keyLength: keyBytes.length, key: bytes, keyAt: DNS_HEADER_BYTES,
      keyLast: keyBytes[keyBytes.length - 1], validUntil: entry.validUntil, bytes, questionEnd, ttlOffsets: entry.ttlOffsets,
      outcome: entry.outcome ?? 'local', pending: 0,
      qname: entry.qname, qtype: entry.qtype, rcode: entry.rcode, record: entry.record, ttlBase: entry.ttlBase, ttl0: entry.ttl0,
    }
    this.unlink(key)
    this.map.set(key, stored)
    this.table.add(stored)
    if (reads === undefined) {
      this.blind.add(key)
      return
    }
    const tokens = [...reads]
    this.reads.set(key, tokens)
    for (const token of tokens) {
      const keys = this.dependents.get(token)
      if (keys) keys.add(key)
      else this.dependents.set(token, new Set([key]))
    }
  }

  /**
   * Moves to `index`, dropping only the entries whose answer read one of `changed` (what the change
   * from the previous index touched), or every entry when `changed` is undefined (the tree was rebuilt).
   */
  advance(index: RecordIndex, changed: ReadonlySet<string> | undefined): void {
    if (index === this.index) return
    this.index = index
    this.generation = index.generation
    if (changed === undefined) return this.clear()
    for (const key of [...this.blind]) this.drop(key)
    for (const token of changed) {
      const keys = this.dependents.get(token)
      if (!keys) continue
      for (const key of [...keys]) this.drop(key)
    }
  }

  private drop(key: string): void {
    this.unlink(key)
    this.map.delete(key)
  }

  /** Takes the entry under `key` out of the table and forgets what it read (before it is replaced or dropped). */
  private unlink(key: string): void {
    const old = this.map.get(key)
    if (old !== undefined) this.table.delete(old)
    this.blind.delete(key)
    const tokens = this.reads.get(key)
    if (!tokens) return
    this.reads.delete(key)
    for (const token of tokens) {
      const keys = this.dependents.get(token) as Set<string>
      keys.delete(key)
      if (keys.size === 0) this.dependents.delete(token)
    }
  }

  /** Forgets every entry (the tree was rebuilt, or the block list changed). */
  clear(): void {
    this.map = new Map()
    this.table.clear()
    this.dependents = new Map()
    this.reads = new Map()
    this.blind = new Set()
  }
}

/** Rewrites every TTL of a cached answer to what the cache would say at `now`. */
function countDown(out: Buffer, entry: FastEntry, now: number): void {
  const ttl = Math.max(1, (entry.ttl0 as number) - Math.floor((now - (entry.ttlBase as number)) / 1000))
  for (const at of entry.ttlOffsets as readonly number[]) out.writeUInt32BE(ttl, at)
}

/** Offset just past the question of a message we encoded (uncompressed question name). */
function questionEndOf(bytes: Buffer): number {
  let off = DNS_HEADER_BYTES
  while (off < bytes.length && bytes[off] !== 0) off += bytes[off] + 1
  return off + 5
}
