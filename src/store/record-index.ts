/**
 * An indexed snapshot of the local records. The store builds a new one for every change and swaps it
 * in one assignment, so a reader never sees half an update. Pure: no I/O.
 *
 * A change costs the change, not the store: successive indexes share one name+type map, updated in
 * place by each new index's delta (buckets are replaced, never mutated, so a bucket handed out stays as
 * it was). An older index still reads its own state: it undoes the deltas between it and the shared
 * map (a few, for the index served while journaled writes are in flight), or, once too far behind,
 * builds a private map from its own record list. The record list itself is a chunked sequence
 * (record-seq.ts): a change copies only the chunks it touches. The other lookups (by owner, address,
 * PTR, zone) are built on first use per index: DNS queries do not use them (a dynamic update's
 * by-name reads do, once per generation).
 */
import { deltasSince, keepDeltas, type IndexDelta, type RecordDelta } from './index-delta.js'
import { canonicalIp, nameKey, type DnsRecord } from './record.js'
import { RecordSeq } from './record-seq.js'

const EMPTY: readonly DnsRecord[] = Object.freeze([])
/** Source of RecordIndex.uid. */
let nextUid = 1

type Buckets = Map<string, readonly DnsRecord[]>

/** The name+type map shared by a line of indexes; it reflects the index with uid `at`. */
interface Shared {
  byNameType: Buckets
  at: number
  /** The deltas of the index it reflects (reaching back to older indexes). */
  log: readonly IndexDelta[]
}

/** The lookups few callers use, built per index on first use. */
interface Extra {
  byOwner: Map<string, DnsRecord[]>
  addressOwners: Map<string, DnsRecord[]>
  ptrByIp: Map<string, DnsRecord[]>
  soaByZone: Map<string, DnsRecord>
}

export class RecordIndex {
  /** Every record in file order, as a persistent sequence (record-seq.ts): a change copies only what it touches. */
  readonly seq: RecordSeq
  /** Monotonic generation, so caches keyed on an index can tell snapshots apart. */
  readonly generation: number
  /** Unique per index object (generations repeat after a refused write), for IndexDelta.from/to. */
  readonly uid = nextUid++
  /**
   * The changes that led here from earlier indexes (newest last, see index-delta.ts); empty when this
   * index was built with no known predecessor.
   */
  deltas: readonly IndexDelta[] = []
  private readonly shared: Shared
  /** This index's own name+type map, once the shared one moved too far past it. */
  private own: Buckets | undefined
  private extra: Extra | undefined

  private constructor(seq: RecordSeq, generation: number, shared?: Shared) {
    this.seq = seq
    this.generation = generation
    if (shared) {
      this.shared = shared
      return
    }
    this.shared = { byNameType: bucketsOf(seq.toArray()), at: this.uid, log: [] }
  }

  /** Builds an index over `records` (which it does not copy: callers must not mutate them later). */
  static build(records: readonly DnsRecord[], generation = 0): RecordIndex {
    return new RecordIndex(RecordSeq.of(records), generation)
  }

  /** Every record, in file order: one array per index, built on first use (O(records), once). */
  get records(): readonly DnsRecord[] {
    return this.seq.toArray()
  }

  /**
   * The index of `records`, which must be this index's records followed by new ones (a local add):
   * the same lookups as build(records), at the cost of the new records. This index is not changed.
   */
  withAppended(records: readonly DnsRecord[], generation: number): RecordIndex {
    return this.withDelta(records, generation, { removed: [], added: records.slice(this.size), replaced: [] })
  }

  /**
   * The index of this index's records changed by `delta` (see IndexDelta; `records`, when the caller
   * has that list already, must equal it), at the cost of the delta when this index is the newest of
   * its line (else its lookups are built anew). The new index records the delta (deltas). This index
   * keeps answering as it did.
   */
  withDelta(records: readonly DnsRecord[] | undefined, generation: number, delta: RecordDelta): RecordIndex {
    const seq = records ? RecordSeq.of(records) : this.seq.apply(delta)
    if (this.shared.at !== this.uid) return new RecordIndex(seq, generation).follows(this, delta)
    const next = new RecordIndex(seq, generation, this.shared).follows(this, delta)
    const map = this.shared.byNameType
    for (const r of delta.removed) without(map, keyOf(r), r)
    for (const [old, r] of delta.replaced) {
      const from = keyOf(old)
      const to = keyOf(r)
      if (from !== to) {
        without(map, from, old)
        withRecord(map, to, r)
        continue
      }
      const list = (map.get(from) ?? EMPTY).slice()
      const i = list.indexOf(old)
      if (i >= 0) list[i] = r
      else list.push(r)
      map.set(from, list)
    }
    for (const r of delta.added) withRecord(map, keyOf(r), r)
    this.shared.at = next.uid
    this.shared.log = next.deltas
    return next
  }

  /** Records `delta` as the change from `base` to this index (called once, by whoever built it). */
  follows(base: RecordIndex, delta: RecordDelta): this {
    this.deltas = keepDeltas(base.deltas, { from: base.uid, to: this.uid, ...delta })
    return this
  }

  get size(): number {
    return this.seq.length
  }

  /** The first record (in file order) with this id: O(1) for a unique id. */
  findById(id: string): DnsRecord | undefined {
    return this.seq.withId(id)[0]
  }

  /** Every record with this id, in file order. */
  withId(id: string): readonly DnsRecord[] {
    return this.seq.withId(id)
  }

  /** True when some record has this id. */
  hasId(id: string): boolean {
    return this.seq.hasId(id)
  }

  /** The position of `r` (this object) in `records`, or -1, without building that array. */
  positionOf(r: DnsRecord): number {
    return this.seq.positionOf(r)
  }

  /** Records with this owner (any case, trailing dot ignored) and type (any case). */
  lookup(name: string, type: string): readonly DnsRecord[] {
    return this.bucket(nameKey(name) + '|' + type.toUpperCase())
  }

  /** Same as lookup, for a key already normalised by nameKey and an upper-case type (hot path). */
  lookupKey(ownerKey: string, upperType: string): readonly DnsRecord[] {
    return this.bucket(ownerKey + '|' + upperType)
  }

  /** Every record owned by `name`, any type. */
  byName(name: string): readonly DnsRecord[] {
    return this.lookups().byOwner.get(nameKey(name)) ?? EMPTY
  }

  hasName(name: string): boolean {
    return this.lookups().byOwner.has(nameKey(name))
  }

  /** A/AAAA records whose value is this address (any spelling), for PTR synthesis. */
  addressRecords(ip: string): readonly DnsRecord[] {
    const key = canonicalIp(ip)
    return key ? (this.lookups().addressOwners.get(key) ?? EMPTY) : EMPTY
  }

  /** Explicit PTR records keyed by IP address as their name (the original's form). */
  ptrRecordsForAddress(ip: string): readonly DnsRecord[] {
    const key = canonicalIp(ip)
    return key ? (this.lookups().ptrByIp.get(key) ?? EMPTY) : EMPTY
  }

  /** The SOA of the closest enclosing zone held locally (the name itself counts), if any. */
  findZone(name: string): { zone: string; soa: DnsRecord } | undefined {
    const soaByZone = this.lookups().soaByZone
    if (soaByZone.size === 0) return undefined
    let key = nameKey(name)
    for (;;) {
      const soa = soaByZone.get(key)
      if (soa) return { zone: key, soa }
      if (key === '') return undefined
      const dot = key.indexOf('.')
      key = dot < 0 ? '' : key.slice(dot + 1)
    }
  }

  /** The name+type bucket as this index sees it (see the file comment). */
  private bucket(key: string): readonly DnsRecord[] {
    const shared = this.shared
    if (shared.at === this.uid) return shared.byNameType.get(key) ?? EMPTY
    const path = this.own ? undefined : deltasSince(shared.log, this.uid)
    if (!path) return (this.own ??= bucketsOf(this.records)).get(key) ?? EMPTY
    let list = shared.byNameType.get(key) ?? EMPTY
    for (let i = path.length - 1; i >= 0; i--) list = undo(list, path[i], key)
    return list
  }

  private lookups(): Extra {
    if (this.extra) return this.extra
    const x: Extra = { byOwner: new Map(), addressOwners: new Map(), ptrByIp: new Map(), soaByZone: new Map() }
    for (const r of this.records) {
      const owner = nameKey(r.name)
      const type = r.type.toUpperCase()
      push(x.byOwner, owner, r)
      if (type === 'A' || type === 'AAAA') {
        const ip = canonicalIp(r.value)
        if (ip) push(x.addressOwners, ip, r)
      } else if (type === 'PTR') {
        const ip = canonicalIp(r.name)
        if (ip) push(x.ptrByIp, ip, r)
      } else if (type === 'SOA' && !x.soaByZone.has(owner)) {
        x.soaByZone.set(owner, r)
      }
    }
    return (this.extra = x)
  }
}

function keyOf(r: DnsRecord): string {
  return nameKey(r.name) + '|' + r.type.toUpperCase()
}

function bucketsOf(records: readonly DnsRecord[]): Buckets {
  const map = new Map<string, DnsRecord[]>()
  for (const r of records) push(map, keyOf(r), r)
  return map
}

/** `list` as it was before `delta` (records of other keys in the delta are ignored). */
function undo(list: readonly DnsRecord[], d: IndexDelta, key: string): readonly DnsRecord[] {
  let out = list
  const drop = (r: DnsRecord): void => {
    if (keyOf(r) === key) out = out.filter((x) => x !== r)
  }
  const restore = (r: DnsRecord): void => {
    if (keyOf(r) === key) out = [...out, r]
  }
  for (const r of d.added) drop(r)
  for (const [old, r] of d.replaced) {
    drop(r)
    restore(old)
  }
  for (const r of d.removed) restore(r)
  return out
}

/** Adds `r` to a shared bucket (replaced, never grown: older readers may hold it). */
function withRecord(map: Buckets, key: string, r: DnsRecord): void {
  const list = map.get(key)
  map.set(key, list ? [...list, r] : [r])
}

function without(map: Buckets, key: string, r: DnsRecord): void {
  const list = map.get(key)
  if (!list) return
  const rest = list.filter((x) => x !== r)
  if (rest.length > 0) map.set(key, rest)
  else map.delete(key)
}

function push<V>(map: Map<string, V[]>, key: string, r: V): void {
  const list = map.get(key)
  if (list) list.push(r)
  else map.set(key, [r])
}
