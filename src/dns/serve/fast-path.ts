/**
 * The UDP fast path: complete response bytes for local answers, keyed by the lower-cased question
 * (name + type + class) and an EDNS flag, so a repeated question costs one hash-table probe on the
 * key bytes (AnswerSlab: no key string per hit) and one copy (none in place).
 * Entries are built by the general path (so the bytes are the general path's own). When the records
 * change, advance() drops only the entries whose answer read something the change touched (the tokens
 * the local answerer traced, see ZoneChanges); lookup() with an index it was not advanced to drops
 * everything. Answers from the resolver's cache are kept too, for
 * at most FORWARDED_ENTRY_MS (their TTLs count down by the second) and until the cache changes.
 * Pure: no I/O; the clock comes in as an argument.
 */
import type { RecordIndex } from '../../store/record-index.js'
import { CLASSIC_UDP_BYTES, DNS_HEADER_BYTES, FAST_KEY_MAX_BYTES, rrTtlOffsets, scanFastQuery, type FastScan } from '../wire/wire.js'
import { AnswerSlab, hashKey, MIN_SLAB_BYTES } from './answer-slab.js'

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
  return patchQuery(out, 0, query, questionEnd)
}

/** Writes the query's ID, RD and CD bits and question bytes (offset 12 to `questionEnd`) into the message at `out[base]`. */
function patchQuery(out: Buffer, base: number, query: Buffer, questionEnd: number): Buffer {
  out[base] = query[0]
  out[base + 1] = query[1]
  out[base + 2] = (out[base + 2] & 0xfe) | (query[2] & 0x01) // RD copied (RFC 1035 4.1.1)
  out[base + 3] = (out[base + 3] & 0xef) | (query[3] & 0x10) // CD copied (RFC 4035 3.2.2)
  for (let i = DNS_HEADER_BYTES; i < questionEnd; i++) out[base + i] = query[i]
  return out
}

/** Slab flag bits of an entry (AnswerSlab flags). */
const FLAG_CACHE = 1 // outcome 'cache' (else 'local')
const FLAG_EXPIRES = 2 // has validUntil
const FLAG_TTLS = 4 // has ttlOffsets (TTLs counted down on reuse)

/**
 * What the cache keeps besides the bytes: the entry's facts for the resolution log and the stats
 * (a hit hands this object to the sink), every field present in one order (one hidden class).
 */
export interface StoredEntry {
  qname: string
  qtype: string
  rcode: string
  record: string | undefined
  outcome: 'local' | 'cache'
  validUntil: number | undefined
  ttlOffsets: readonly number[] | undefined
  ttlBase: number | undefined
  ttl0: number | undefined
  /** Hits not yet counted by the stats (their HitBatch). */
  pending: number
  /** Its index in the entries array (kept in the slab header), and its offset in the slab. */
  readonly id: number
  at: number
}

/** Node's Buffer has latin1Slice (undocumented but stable since v0.x); typed here. */
type LatinSlicer = Buffer & { latin1Slice(start: number, end: number): string }

/**
 * What lookup() found for a query: the slab offset of a usable hit (a number: render it, or read its
 * facts with entryAt), the key to store() the general path's response under on a cacheable miss, or
 * undefined (not of the common shape, or too big for the client). Looking up allocates nothing but
 * the key string of a miss.
 */
export type FastLookup = number | string | undefined

export class FastPathCache {
  /** By key string (store, invalidation; misses only); the slab and its table serve every lookup. */
  private map = new Map<string, StoredEntry>()
  private slab = new AnswerSlab()
  /** By id (the slab header's): what a hit hands to the sink; ids of dropped entries are reused. */
  private entries: (StoredEntry | undefined)[] = []
  private freeIds: number[] = []
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
  private lastHitAt = -1

  /** @param maxUdpPayload the EDNS UDP size we advertise (responses above the client's limit miss). */
  constructor(private readonly maxUdpPayload: number) {}

  get size(): number {
    return this.map.size
  }

  /** Diagnostics for tests: the miss key of the last lookup (the responder uses lookup()'s return value). */
  get pendingKey(): string | undefined {
    return this.missKey
  }

  /** Diagnostics for tests: the entry of the last hit (until the next store or drop). */
  get lastHit(): StoredEntry | undefined {
    return this.lastHitAt < 0 ? undefined : this.entryAt(this.lastHitAt)
  }

  /** Diagnostics for tests: slab bytes in use, and those of dropped entries. */
  get slabBytes(): { used: number; dead: number } {
    return { used: this.slab.usedBytes, dead: this.slab.dead }
  }

  /**
   * The slab offset of the entry answering `msg`, the key of a cacheable miss, or undefined when the
   * query is not of the common shape or the cached response does not fit the client's UDP limit
   * (the general path truncates).
   */
  lookup(msg: Buffer, index: RecordIndex, clock: () => number = () => 0, cacheGeneration = -1): FastLookup {
    const found = this.find(msg, index, clock, cacheGeneration)
    // the offset, not the entry: reading the entry here would cost a cache miss per hit
    if (typeof found === 'number') {
      this.lastHitAt = found
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
    const slab = this.slab
    const at = slab.find(hashKey(this.scratch, length), this.scratch, length)
    // Only entries that expire (cached forwarded answers, signed ones) read the clock and their object.
    // The key string is made for a miss only (store() takes it); latin1Slice skips toString's checks.
    if (at < 0 || ((slab.flags(at) & FLAG_EXPIRES) !== 0 && clock() >= (this.entryAt(at).validUntil as number))) {
      return (this.scratch as LatinSlicer).latin1Slice(0, length)
    }
    const edns = this.scan.ednsUdpSize
    // RFC 6891 6.2.5: sizes below 512 are treated as 512
    const limit = edns === 0 ? CLASSIC_UDP_BYTES : Math.max(CLASSIC_UDP_BYTES, Math.min(edns, this.maxUdpPayload))
    if (slab.length(at) > limit) return undefined // the general path truncates
    return at
  }

  /** The facts of the hit at `at` (a lookup() result): for the resolution log and the stats. */
  entryAt(at: number): StoredEntry {
    return this.entries[this.slab.id(at)] as StoredEntry
  }

  /** Whether the hit at `at` is an answer from the resolver's cache (else a local one). */
  isCached(at: number): boolean {
    return (this.slab.flags(at) & FLAG_CACHE) !== 0
  }

  /**
   * The response for `msg` from the hit at `at` (lookup(msg)'s result) in a new buffer: the entry's
   * bytes with the query's ID, flags and question, TTLs of a cached answer counted down to `now`
   * (ignored for local answers).
   */
  render(at: number, msg: Buffer, now: number): Buffer {
    const slab = this.slab
    const body = slab.bodyAt(at)
    const out = Buffer.allocUnsafe(slab.length(at))
    // TypedArray set and a byte loop: Buffer.copy's argument checks cost more than these short copies
    out.set(slab.bytes.subarray(body, body + out.length))
    return this.patch(at, out, 0, msg, now)
  }

  /**
   * render() without the copy: patches the slab's own bytes and returns a view of them. The caller
   * must be done with them (sent, or copied by a send that completed at once) before the next render
   * of any entry: the UDP listener uses it only while its socket's send queue is empty (see UdpListener).
   * Patching the question in leaves the client's letter case in the stored key; the table compares
   * names case-insensitively (AnswerSlab).
   */
  renderInPlace(at: number, msg: Buffer, now: number): Buffer {
    const bytes = this.slab.bytes
    const body = this.slab.bodyAt(at)
    this.patch(at, bytes, body, msg, now)
    return Buffer.from(bytes.buffer, bytes.byteOffset + body, this.slab.length(at))
  }

  private patch(at: number, out: Buffer, base: number, msg: Buffer, now: number): Buffer {
    // the question is the key's bytes (same length as the query's): header, name, type and class
    patchQuery(out, base, msg, DNS_HEADER_BYTES + this.slab.keyLength(at) + 1)
    if ((this.slab.flags(at) & FLAG_TTLS) !== 0) countDown(out, base, this.entryAt(at), now)
    return out
  }

  /**
   * Remembers the general path's response for `key` (the miss key lookup() returned for the same query).
   * `reads`: the tokens its answer read (see advance); without them it is dropped on any record change.
   */
  store(key: string, entry: FastEntry, reads?: Iterable<string>): void {
    if (this.map.size >= MAX_FAST_PATH_ENTRIES && !this.map.has(key)) return
    if (entry.bytes.length < DNS_HEADER_BYTES + key.length + 1) return // not a response to this question
    // key = lower-cased name + type (2) + EDNS flag (1); the question adds class (2) after the header
    const keyBytes = Buffer.from(key, 'latin1')
    // A copy (the general path sends `entry.bytes` itself, with the client's case) whose question holds
    // the key: a hit compares the key there and then sends these bytes (its own question patched in).
    const bytes = Buffer.from(entry.bytes)
    bytes.set(keyBytes.subarray(0, keyBytes.length - 1), DNS_HEADER_BYTES)
    this.unlink(key)
    if (this.slab.dead > MIN_SLAB_BYTES && this.slab.dead * 2 >= this.slab.usedBytes) this.compact()
    const id = this.freeIds.length > 0 ? (this.freeIds.pop() as number) : this.entries.length
    const outcome = entry.outcome ?? 'local'
    const flags = (outcome === 'cache' ? FLAG_CACHE : 0) | (entry.validUntil !== undefined ? FLAG_EXPIRES : 0) | (entry.ttlOffsets !== undefined ? FLAG_TTLS : 0)
    const stored: StoredEntry = {
      qname: entry.qname, qtype: entry.qtype, rcode: entry.rcode, record: entry.record, outcome,
      validUntil: entry.validUntil, ttlOffsets: entry.ttlOffsets, ttlBase: entry.ttlBase, ttl0: entry.ttl0, pending: 0, id, at: -1,
    }
    stored.at = this.slab.add(hashKey(keyBytes, keyBytes.length), keyBytes, bytes, id, flags)
    this.entries[id] = stored
    this.map.set(key, stored)
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

  /** Moves the live entries into a new slab without the bytes of dropped ones. */
  private compact(): void {
    this.lastHitAt = -1
    const entries = this.entries
    this.slab = this.slab.compact(this.map.values(), (id, at) => {
      const e = entries[id] as StoredEntry
      e.at = at
    })
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
    if (old !== undefined) {
      this.slab.remove(old.at)
      this.entries[old.id] = undefined
      this.freeIds.push(old.id)
    }
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
    this.lastHitAt = -1
    this.map = new Map()
    this.slab = new AnswerSlab()
    this.entries = []
    this.freeIds = []
    this.dependents = new Map()
    this.reads = new Map()
    this.blind = new Set()
  }
}

/** Rewrites every TTL of a cached answer to what the cache would say at `now`. */
function countDown(out: Buffer, base: number, entry: StoredEntry, now: number): void {
  const ttl = Math.max(1, (entry.ttl0 as number) - Math.floor((now - (entry.ttlBase as number)) / 1000))
  for (const at of entry.ttlOffsets as readonly number[]) out.writeUInt32BE(ttl, base + at)
}
