/**
 * An immutable, indexed snapshot of the local records. The store builds a new one for every
 * change and swaps it in one assignment, so a DNS query never sees half an update.
 * Pure: no I/O. Lookups are O(1) Map reads.
 */
import { keepDeltas, type IndexDelta, type RecordDelta } from './index-delta.js'
import { canonicalIp, nameKey, type DnsRecord } from './record.js'

const EMPTY: readonly DnsRecord[] = Object.freeze([])
/** Source of RecordIndex.uid. */
let nextUid = 1

export class RecordIndex {
  /** Every record, in file order. */
  readonly records: readonly DnsRecord[]
  /** Monotonic generation, so caches keyed on an index can tell snapshots apart. */
  readonly generation: number
  /** Unique per index object (generations repeat after a refused write), for IndexDelta.from/to. */
  readonly uid = nextUid++
  /**
   * The changes that led here from earlier indexes (newest last, see index-delta.ts); empty when this
   * index was built with no known predecessor.
   */
  deltas: readonly IndexDelta[] = []
  private readonly byNameType = new Map<string, DnsRecord[]>()
  private readonly byOwner = new Map<string, DnsRecord[]>()
  private readonly addressOwners = new Map<string, DnsRecord[]>()
  private readonly ptrByIp = new Map<string, DnsRecord[]>()
  private readonly soaByZone = new Map<string, DnsRecord>()

  private constructor(records: readonly DnsRecord[], generation: number, base?: RecordIndex) {
    this.records = records
    this.generation = generation
    let add = push
    let from = records
    if (base) {
      // Copies of the maps; a touched bucket is copied before it grows, so `base` stays as it was.
      this.byNameType = new Map(base.byNameType)
      this.byOwner = new Map(base.byOwner)
      this.addressOwners = new Map(base.addressOwners)
      this.ptrByIp = new Map(base.ptrByIp)
      this.soaByZone = new Map(base.soaByZone)
      add = pushCopy
      from = records.slice(base.records.length)
    }
    for (const r of from) {
      const owner = nameKey(r.name)
      const type = r.type.toUpperCase()
      add(this.byNameType, owner + '|' + type, r)
      add(this.byOwner, owner, r)
      if (type === 'A' || type === 'AAAA') {
        const ip = canonicalIp(r.value)
        if (ip) add(this.addressOwners, ip, r)
      } else if (type === 'PTR') {
        const ip = canonicalIp(r.name)
        if (ip) add(this.ptrByIp, ip, r)
      } else if (type === 'SOA' && !this.soaByZone.has(owner)) {
        this.soaByZone.set(owner, r)
      }
    }
  }

  /** Builds an index over `records` (which it does not copy: callers must not mutate them later). */
  static build(records: readonly DnsRecord[], generation = 0): RecordIndex {
    return new RecordIndex(records, generation)
  }

  /**
   * The index of `records`, which must be this index's records followed by new ones (a local add):
   * the same lookups and order as build(records), made by copying the maps and indexing only the
   * new records, without parsing every name and address again. This index is not changed.
   */
  withAppended(records: readonly DnsRecord[], generation: number): RecordIndex {
    return new RecordIndex(records, generation, this)
  }

  /** Records `delta` as the change from `base` to this index (called once, by whoever built it). */
  follows(base: RecordIndex, delta: RecordDelta): this {
    this.deltas = keepDeltas(base.deltas, { from: base.uid, to: this.uid, ...delta })
    return this
  }

  get size(): number {
    return this.records.length
  }

  /** Records with this owner (any case, trailing dot ignored) and type (any case). */
  lookup(name: string, type: string): readonly DnsRecord[] {
    return this.byNameType.get(nameKey(name) + '|' + type.toUpperCase()) ?? EMPTY
  }

  /** Same as lookup, for a key already normalised by nameKey and an upper-case type (hot path). */
  lookupKey(ownerKey: string, upperType: string): readonly DnsRecord[] {
    return this.byNameType.get(ownerKey + '|' + upperType) ?? EMPTY
  }

  /** Every record owned by `name`, any type. */
  byName(name: string): readonly DnsRecord[] {
    return this.byOwner.get(nameKey(name)) ?? EMPTY
  }

  hasName(name: string): boolean {
    return this.byOwner.has(nameKey(name))
  }

  /** A/AAAA records whose value is this address (any spelling), for PTR synthesis. */
  addressRecords(ip: string): readonly DnsRecord[] {
    const key = canonicalIp(ip)
    return key ? (this.addressOwners.get(key) ?? EMPTY) : EMPTY
  }

  /** Explicit PTR records keyed by IP address as their name (the original's form). */
  ptrRecordsForAddress(ip: string): readonly DnsRecord[] {
    const key = canonicalIp(ip)
    return key ? (this.ptrByIp.get(key) ?? EMPTY) : EMPTY
  }

  /** The SOA of the closest enclosing zone held locally (the name itself counts), if any. */
  findZone(name: string): { zone: string; soa: DnsRecord } | undefined {
    if (this.soaByZone.size === 0) return undefined
    let key = nameKey(name)
    for (;;) {
      const soa = this.soaByZone.get(key)
      if (soa) return { zone: key, soa }
      if (key === '') return undefined
      const dot = key.indexOf('.')
      key = dot < 0 ? '' : key.slice(dot + 1)
    }
  }
}

/** push on a bucket that may be shared with an older index: the bucket is replaced, never grown. */
function pushCopy(map: Map<string, DnsRecord[]>, key: string, r: DnsRecord): void {
  const list = map.get(key)
  map.set(key, list ? [...list, r] : [r])
}

function push(map: Map<string, DnsRecord[]>, key: string, r: DnsRecord): void {
  const list = map.get(key)
  if (list) list.push(r)
  else map.set(key, [r])
}
