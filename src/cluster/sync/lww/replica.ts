/**
 * The record_lww replica: every record ever written, keyed, with the version of its last write,
 * and tombstones for deletes. Pure (hashing only): replica-store/ persists it and applies its view
 * to the record store.
 *
 * - Identity: a record with an id is keyed by the id (an update that changes its value is a new
 *   version of the same record); a record without one by name+type+value.
 * - Merge: per key, the highest version wins (compareHlc), on every node alike, whatever the
 *   order, duplication or repetition of deliveries.
 * - View: the records to serve are the live entries, one per name+type+value: two nodes that add
 *   the same record concurrently under different ids serve it once (the higher version shows).
 * - Digest: entries fall into buckets by a hash of their key; a bucket's digest is the XOR of its
 *   entries' (key, version) hashes, so two replicas compare cheaply and ship only the buckets
 *   that differ.
 */
import { hash } from 'node:crypto'
import { canonicalName, recordKey, type DnsRecord } from '../../../store/record.js'
import { compareHlc, formatHlc, type Hlc, type HlcClock } from './hlc.js'

/** One record's replicated state: the record, or a tombstone when `record` is absent. */
export interface VersionedEntry {
  key: string
  version: Hlc
  record?: DnsRecord
}

/** Buckets of an anti-entropy digest; a power of two both sides agree on (sent in the message). */
export const DEFAULT_DIGEST_BUCKETS = 1024
export const MAX_DIGEST_BUCKETS = 65_536
/** Digest of an empty bucket. */
export const EMPTY_BUCKET = '0000000000000000'

interface Slot {
  entry: VersionedEntry
  /** First 32 bits of sha256(key): which bucket, for any bucket count. */
  keyHash: number
  /** 64 bits of sha256(key, version) as two words, XORed into the bucket digest. Signed, so they stay small integers (no boxed number per slot). */
  h1: number
  h2: number
  /** False until keyHash, h1 and h2 are computed (adopted entries are hashed when first needed: see hashPending). */
  hashed: boolean
  /** recordDigest of the live record, computed when first asked (snapshot sections). */
  digest?: string
}

/** The replication key of a record: its id, or its name+type+value when it has none. */
export function entryKey(r: Pick<DnsRecord, 'id' | 'name' | 'type' | 'value'>): string {
  return r.id ? 'id:' + r.id : 'rr:' + recordKey(r)
}

/** True when two records are the same write: every field but last_query (a local statistic). */
export function sameRecordContent(a: DnsRecord, b: DnsRecord): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.type === b.type &&
    a.value === b.value &&
    a.ttl === b.ttl &&
    a.added_on === b.added_on &&
    a.updated_on === b.updated_on &&
    (a.mac ?? '') === (b.mac ?? '') &&
    !!a.cache_record === !!b.cache_record
  )
}

export class ReplicaState {
  private readonly slots = new Map<string, Slot>()
  /**
   * Live entry keys per name+type+value, so a write touching one record need not scan them all: the
   * key itself while there is one (nearly always; a Set per record cost ~150 MiB at a million), a Set
   * once concurrent copies share the content.
   */
  private readonly byContent = new Map<string, string | Set<string>>()
  private cachedView: DnsRecord[] | undefined
  private live = 0
  /** Slots put without their hashes (adoption), oldest first; some may have been replaced since. */
  private unhashed: Slot[] = []
  private unhashedAt = 0

  constructor(entries: Iterable<VersionedEntry> = []) {
    for (const e of entries) this.put(e)
  }

  /** Entries held, live and tombstones. */
  get size(): number {
    return this.slots.size
  }

  get liveCount(): number {
    return this.live
  }

  get tombstoneCount(): number {
    return this.slots.size - this.live
  }

  get(key: string): VersionedEntry | undefined {
    return this.slots.get(key)?.entry
  }

  /** The live entry the view shows for a name+type+value (recordKey), the highest version of its copies. */
  shownFor(contentKey: string): VersionedEntry | undefined {
    let best: VersionedEntry | undefined
    for (const key of this.keysWith(contentKey)) {
      const e = this.slots.get(key)?.entry
      if (e && (!best || compareHlc(e.version, best.version) > 0)) best = e
    }
    return best
  }

  /** Every entry (live and tombstones), in insertion order. */
  entries(): VersionedEntry[] {
    return [...this.slots.values()].map((s) => s.entry)
  }

  /** entries() one at a time, without the array (changes while iterating show as a Map's iteration shows them). */
  *eachEntry(): Generator<VersionedEntry> {
    for (const s of this.slots.values()) yield s.entry
  }

  /**
   * The records to serve: live entries, one per name+type+value (highest version wins), in
   * ascending version order. Cached until the next change; treat as read-only.
   */
  view(): readonly DnsRecord[] {
    if (this.cachedView) return this.cachedView
    const best = new Map<string, VersionedEntry>()
    for (const { entry } of this.slots.values()) {
      if (!entry.record) continue
      const ck = recordKey(entry.record)
      const cur = best.get(ck)
      if (!cur || compareHlc(entry.version, cur.version) > 0) best.set(ck, entry)
    }
    const winners = [...best.values()].sort((a, b) => compareHlc(a.version, b.version))
    this.cachedView = winners.map((e) => e.record as DnsRecord)
    return this.cachedView
  }

  /**
   * Records the difference between what the store serves (`served`) and the view as local writes:
   * a new or changed record gets a new version; when a name+type+value shown by the view is no
   * longer served (deleted, or updated to another value), every live entry with it that the store
   * does not hold gets a tombstone (so concurrent copies of the record go too). Returns the new
   * entries (empty when the store already matches).
   */
  recordLocal(served: readonly DnsRecord[], clock: Pick<HlcClock, 'tick'> | 'adopt'): VersionedEntry[] {
    if (clock === 'adopt' && this.slots.size === 0) return this.adoptAll(served)
    const versionOf = (r?: DnsRecord): Hlc => (clock === 'adopt' ? (r ? adoptionVersion(r) : { wall: 1, counter: 0, node: ADOPTED_NODE }) : clock.tick())
    const byKey = new Map<string, DnsRecord>()
    for (const r of served) {
      const k = entryKey(r)
      if (!byKey.has(k)) byKey.set(k, r)
    }
    const changes: VersionedEntry[] = []
    for (const [key, r] of byKey) {
      const cur = this.slots.get(key)?.entry
      if (cur?.record && sameRecordContent(cur.record, r)) continue
      changes.push({ key, version: versionOf(r), record: r })
    }
    // A name+type+value the view shows but the store no longer serves was deleted or updated away:
    // every live copy of it the store does not hold is tombstoned (else a concurrent copy reappears).
    // the view's contents are byContent's keys: no need to build (and sort) the view; none, no set of what is served
    const servedContent = new Set<string>()
    if (this.byContent.size > 0) for (const r of served) servedContent.add(recordKey(r))
    const goneContent = new Set<string>()
    for (const ck of this.byContent.keys()) if (!servedContent.has(ck)) goneContent.add(ck)
    if (goneContent.size > 0) {
      for (const { entry } of this.slots.values()) {
        if (entry.record && !byKey.has(entry.key) && goneContent.has(recordKey(entry.record))) {
          changes.push({ key: entry.key, version: versionOf() })
        }
      }
    }
    for (const c of changes) this.put(c)
    return changes
  }

  /**
   * recordLocal(served, 'adopt') on an empty state (a node's first start under record_lww): every first
   * record of a key is adopted, nothing is tombstoned (the view showed nothing). Without the
   * key map, the content set and the bucket hashes of the general path, which at a million records
   * were most of the start-up's adoption: the hashes are computed when a digest first needs them
   * (hashPending).
   */
  private adoptAll(served: readonly DnsRecord[]): VersionedEntry[] {
    const changes: VersionedEntry[] = []
    for (const r of served) {
      const key = entryKey(r)
      if (this.slots.has(key)) continue // a later record under a key taken in this pass: the first wins, as in recordLocal
      const entry: VersionedEntry = { key, version: adoptionVersion(r), record: r }
      this.link(entry)
      const slot: Slot = { entry, keyHash: 0, h1: 0, h2: 0, hashed: false }
      this.slots.set(key, slot)
      this.unhashed.push(slot)
      changes.push(entry)
    }
    if (changes.length > 0) this.cachedView = undefined
    return changes
  }

  /**
   * Computes the bucket hashes of at most `max` adopted slots that lack them; returns how many are
   * left. A digest computes all that are left; a node can do it in slices beforehand.
   */
  hashPending(max = Infinity): number {
    const list = this.unhashed
    const end = Math.min(list.length, this.unhashedAt + max)
    for (let i = this.unhashedAt; i < end; i++) if (!list[i].hashed) this.hash(list[i], undefined)
    this.unhashedAt = end
    if (end === list.length) {
      this.unhashed = []
      this.unhashedAt = 0
    }
    return this.unhashed.length - this.unhashedAt
  }

  /**
   * Fast path of recordLocal for one store write: `touched` are the records added or updated (in
   * their new form) or removed; `servesContent` tells whether the store, after the write, holds a
   * record with a given name+type+value. Same result as recordLocal on the whole set, in time
   * proportional to the write.
   */
  recordTouched(
    kind: 'add' | 'update' | 'remove',
    touched: readonly DnsRecord[],
    servesContent: (r: DnsRecord) => boolean,
    clock: Pick<HlcClock, 'tick'>,
  ): VersionedEntry[] {
    const changes: VersionedEntry[] = []
    const gone: DnsRecord[] = []
    const written = new Set<string>()
    for (const r of touched) {
      const key = entryKey(r)
      const cur = this.slots.get(key)?.entry
      if (kind === 'remove') {
        if (cur?.record) gone.push(cur.record)
        if (!servesContent(r)) gone.push(r)
        continue
      }
      if (cur?.record && sameRecordContent(cur.record, r)) continue
      if (cur?.record && !servesContent(cur.record)) gone.push(cur.record)
      written.add(key)
      changes.push({ key, version: clock.tick(), record: r })
    }
    const tombstoned = new Set<string>()
    for (const old of gone) {
      if (servesContent(old)) continue
      for (const key of this.keysWith(recordKey(old))) {
        if (written.has(key) || tombstoned.has(key)) continue
        tombstoned.add(key)
        changes.push({ key, version: clock.tick() })
      }
    }
    for (const c of changes) this.put(c)
    return changes
  }

  /**
   * Merges entries from a peer: each wins iff its version is higher than the held one (an equal
   * version is the same write). Returns the entries that won. `clock` observes every version, so
   * later local writes exceed them.
   */
  merge(incoming: readonly VersionedEntry[], clock?: HlcClock): VersionedEntry[] {
    const won: VersionedEntry[] = []
    for (const e of incoming) {
      clock?.observe(e.version)
      const cur = this.slots.get(e.key)?.entry
      if (cur && compareHlc(e.version, cur.version) <= 0) continue
      const entry: VersionedEntry = e.record ? { key: e.key, version: e.version, record: storedForm(e.record) } : { key: e.key, version: e.version }
      this.put(entry)
      won.push(entry)
    }
    return won
  }

  /** Per-bucket digests (16 hex chars each) for `bucketCount` buckets (a power of two). */
  digest(bucketCount = DEFAULT_DIGEST_BUCKETS): string[] {
    assertBucketCount(bucketCount)
    this.hashPending()
    const h1 = new Uint32Array(bucketCount)
    const h2 = new Uint32Array(bucketCount)
    for (const s of this.slots.values()) {
      const b = s.keyHash & (bucketCount - 1)
      h1[b] ^= s.h1
      h2[b] ^= s.h2
    }
    const out = new Array<string>(bucketCount)
    for (let i = 0; i < bucketCount; i++) out[i] = hex8(h1[i]) + hex8(h2[i])
    return out
  }

  /** Indexes of the buckets whose digest differs from `remote` (same bucket count). */
  differingBuckets(remote: readonly string[]): number[] {
    const mine = this.digest(remote.length)
    const out: number[] = []
    for (let i = 0; i < mine.length; i++) if (mine[i] !== remote[i]) out.push(i)
    return out
  }

  /** The entries (live and tombstones) in the given buckets. */
  entriesInBuckets(buckets: readonly number[], bucketCount: number): VersionedEntry[] {
    assertBucketCount(bucketCount)
    this.hashPending()
    const want = new Set(buckets)
    const out: VersionedEntry[] = []
    for (const s of this.slots.values()) if (want.has(s.keyHash & (bucketCount - 1))) out.push(s.entry)
    return out
  }

  /**
   * Forgets tombstones whose delete is older than `horizonMs` before `nowMs`. Returns how many.
   * A peer away for longer than the horizon may bring a deleted record back (docs/clustering.md).
   */
  collectTombstones(nowMs: number, horizonMs: number): number {
    const before = nowMs - horizonMs
    let n = 0
    for (const [key, s] of this.slots) {
      if (!s.entry.record && s.entry.version.wall < before) {
        this.slots.delete(key)
        n++
      }
    }
    if (n > 0) this.cachedView = undefined
    return n
  }

  /** recordDigest of the live record under `key` (cached per entry); undefined for a tombstone or no entry. */
  contentDigest(key: string): string | undefined {
    const s = this.slots.get(key)
    if (!s?.entry.record) return undefined
    return (s.digest ??= recordDigest(s.entry.record))
  }

  /**
   * Puts `entries` as they are, whatever the versions held (replaying this node's own journal, in order).
   * `hashLater`: their bucket hashes are left to hashPending (a start-up's versions section, a million rows).
   */
  replay(entries: Iterable<VersionedEntry>, hashLater = false): void {
    for (const e of entries) this.put(e, hashLater)
  }

  /** Puts back the entries as they were before a change (undefined: no entry), e.g. when its write failed. */
  restore(previous: ReadonlyMap<string, VersionedEntry | undefined>): void {
    for (const [key, entry] of previous) {
      if (entry) this.put(entry)
      else this.drop(key)
    }
  }

  /**
   * `view()` ordered for the store: records already served keep their place, new ones follow
   * in version order. Keeps diffs of dnsrecords.json small across merges.
   */
  viewOrderedLike(served: readonly DnsRecord[]): DnsRecord[] {
    const view = this.view()
    const byKey = new Map(view.map((r) => [entryKey(r), r] as const))
    const out: DnsRecord[] = []
    for (const r of served) {
      const k = entryKey(r)
      const v = byKey.get(k)
      if (v) {
        out.push(sameRecordContent(v, r) ? r : v)
        byKey.delete(k)
      }
    }
    for (const r of byKey.values()) out.push(r)
    return out
  }

  private drop(key: string): void {
    const prev = this.slots.get(key)
    if (!prev) return
    this.unlinkLive(prev)
    this.slots.delete(key)
    this.cachedView = undefined
  }

  private unlinkLive(prev: Slot): void {
    if (!prev.entry.record) return
    this.live--
    const ck = recordKey(prev.entry.record)
    const keys = this.byContent.get(ck)
    if (keys === prev.entry.key) this.byContent.delete(ck)
    else if (typeof keys === 'object') {
      keys.delete(prev.entry.key)
      if (keys.size === 1) this.byContent.set(ck, keys.values().next().value as string)
    }
  }

  /** The live entry keys with content `ck` (see byContent). */
  private keysWith(ck: string): Iterable<string> {
    const keys = this.byContent.get(ck)
    return keys === undefined ? [] : typeof keys === 'string' ? [keys] : keys
  }

  private put(entry: VersionedEntry, hashLater = false): void {
    const prev = this.slots.get(entry.key)
    if (prev) this.unlinkLive(prev)
    this.link(entry)
    const slot: Slot = { entry, keyHash: 0, h1: 0, h2: 0, hashed: false }
    if (hashLater) this.unhashed.push(slot)
    else this.hash(slot, prev)
    this.slots.set(entry.key, slot)
    this.cachedView = undefined
  }

  /** Counts a live entry and files its key under its content (byContent). */
  private link(entry: VersionedEntry): void {
    if (!entry.record) return
    this.live++
    const ck = recordKey(entry.record)
    const keys = this.byContent.get(ck)
    if (keys === undefined) this.byContent.set(ck, entry.key)
    else if (typeof keys === 'object') keys.add(entry.key)
    else if (keys !== entry.key) this.byContent.set(ck, new Set([keys, entry.key]))
  }

  /** Fills a slot's bucket hashes (the key's from `prev` when it has them). */
  private hash(slot: Slot, prev: Slot | undefined): void {
    const { entry } = slot
    slot.keyHash = prev?.hashed ? prev.keyHash : sha256Words(entry.key)[0]
    const [h1, h2] = sha256Words(entry.key + '\u0000' + formatHlc(entry.version) + (entry.record ? '' : '\u0000-'))
    slot.h1 = h1
    slot.h2 = h2
    slot.hashed = true
  }
}

/**
 * Version for a record adopted without history (first start under record_lww, or a rebuilt
 * cluster_replica.json): below any real write (wall 1), so every peer's real write wins over it.
 */
export function adoptionVersion(r: DnsRecord): Hlc {
  // Derived from the content alone: nodes adopting the same record (same files before the upgrade)
  // make equal entries and their digests match; different contents under one key still differ,
  // and the larger version wins on every node alike.
  const [h] = sha256Words(contentText(r))
  return { wall: 1, counter: h & 0x7fffffff, node: ADOPTED_NODE }
}

/** Node id in adoption versions (never a real node's: ids are trimmed, this has a leading '~'). */
export const ADOPTED_NODE = '~adopted'

/** Order-independent hash of a record set (ignoring last_query), to tell which file a save matched. */
export function recordSetHash(records: readonly DnsRecord[]): string {
  return updateRecordSetHash(`0:${EMPTY_BUCKET}`, [], records)
}

/**
 * recordSetHash of a set after `removed` left it and `added` joined it, from the set's previous
 * hash, in time proportional to the change (an invalid `previous` is treated as the empty set).
 */
function contentText(r: DnsRecord): string {
  return [r.id ?? '', r.name, r.type, r.value, r.ttl, r.added_on, r.updated_on, r.mac ?? '', r.cache_record ? 1 : 0].join('\u0000')
}

/** 8 hex digits of a record's content hash (every field but last_query): tells a hand edit from the versioned record. */
export function recordDigest(r: DnsRecord): string {
  return hex8(sha256Words(contentText(r))[0])
}

export function updateRecordSetHash(previous: string, removed: readonly DnsRecord[], added: readonly DnsRecord[]): string {
  const m = /^(\d+):([0-9a-f]{8})([0-9a-f]{8})$/.exec(previous)
  let count = m ? Number(m[1]) : 0
  let h1 = m ? parseInt(m[2], 16) : 0
  let h2 = m ? parseInt(m[3], 16) : 0
  for (const r of [...removed, ...added]) {
    const [a, b] = sha256Words(contentText(r))
    h1 ^= a
    h2 ^= b
  }
  count += added.length - removed.length
  return `${Math.max(0, count)}:${hex8(h1 >>> 0)}${hex8(h2 >>> 0)}`
}

/** A peer's record as the store will hold it (name canonicalised, type upper-cased), so view and file agree. */
function storedForm(r: DnsRecord): DnsRecord {
  const name = canonicalName(r.name)
  const type = r.type.toUpperCase()
  return name === r.name && type === r.type ? r : { ...r, name, type }
}

/** The first two 32-bit words of sha256(text), signed (XOR and bucket masks treat them alike). */
function sha256Words(text: string): [number, number] {
  // one-shot hash: a Hash object per call was a third of the replica's start-up at a million records
  const d = hash('sha256', text, 'buffer')
  return [d.readInt32BE(0), d.readInt32BE(4)]
}

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0')
}

function assertBucketCount(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_DIGEST_BUCKETS || (n & (n - 1)) !== 0) {
    throw new RangeError(`bucket count must be a power of two in 1..${MAX_DIGEST_BUCKETS}: ${n}`)
  }
}
