/**
 * The content of each zone held locally (a zone = the records at or below an owner of a SOA, minus
 * child zones), as the wire RRs a transfer sends: RRsets deduplicated with one TTL each, exactly as
 * queries are answered (dns/local/zone-data). A zone's content follows record deltas in place at the
 * cost of the delta (LiveZone.apply): the records of each touched owner name are turned into RRs before
 * and after the change (a small ZoneData per name) and the digest moved by what changed (zone-sum.ts).
 * The zone keeps its records by owner, not a name tree, and not the RRs (at a million records they cost
 * ~700 bytes each): a transfer builds them when it is asked. Pure.
 */
import { createHash } from 'node:crypto'
import type { RecordDelta } from '../store/index-delta.js'
import { nameKey, recordKey, type DnsRecord } from '../store/record.js'
import { versionSeconds } from './serial.js'
import { TYPE_DS, TYPE_NS, TYPE_SOA, typeNumber } from '../store/rr-types.js'
import { parentKey } from '../dns/local/names.js'
import { reverseKey, ZoneData } from '../dns/local/zone-data.js'
import { rrBody, type WireRR } from '../dns/wire/wire.js'
import { encodeRdata } from '../dns/wire/rdata.js'
import { ContentSum } from './zone-sum.js'

/** One RR of a zone and its identity (owner, type, TTL, RDATA): a TTL change is a removal plus an addition. */
export interface ZoneRR extends WireRR {
  key: string
}

/** One zone at one moment (a LiveZone changes in place; read it before applying the next delta). */
export interface ZoneContent {
  apex: string
  /** The records that make it up, in file order (compared by identity to skip unchanged zones); undefined once changed by a delta. */
  members: readonly DnsRecord[] | undefined
  /** TTL and RDATA of the apex SOA as stored (its serial is replaced when served). */
  soaTtl: number
  soaRdata: Buffer
  /** Every RR but the SOA, by key (a LiveZone builds it on each read: O(zone)). */
  readonly rrs: ReadonlyMap<string, ZoneRR>
  /** How many RRs `rrs` holds. */
  readonly rrCount: number
  /**
   * Every RR but the SOA, as `rrs` holds them, in slices of about `owners` owners each: a large AXFR is
   * built a slice per event-loop turn. The content is the one of the first call; later changes do not show.
   */
  rrSlices(owners: number): Generator<ZoneRR[]>
  /** Digest of the content (the stored SOA included): equal digests, equal zones (see zone-sum.ts; `2:` + 32 hex digits). */
  digest: string
  /** Newest version time (updated_on or added_on) of the members, unix seconds (undefined when none is set). */
  newest: number | undefined
  /** Whether a member has this record's identity and time (stampOf), to find the records a change brought. */
  hasStamp(r: DnsRecord): boolean
  /** How many distinct stamps of members have version time `seconds`. */
  stampsAt(seconds: number): number
}

/** The owner key a record is served at (IP-form PTRs at their reverse name, as dns/local does). */
export function servedOwner(r: DnsRecord): string {
  if (r.type.toUpperCase() === 'PTR') return reverseKey(r.name) ?? nameKey(r.name)
  return nameKey(r.name)
}

/**
 * The records of every zone by apex. A NS RRset at a child apex also goes to the parent (the
 * delegation), a DS only to the parent (RFC 4034 5: the DS lives on the parent side of the cut).
 */
export function groupByZone(records: readonly DnsRecord[]): Map<string, DnsRecord[]> {
  const apexes = apexesOf(records)
  const out = new Map<string, DnsRecord[]>()
  if (apexes.size === 0) return out
  for (const a of apexes) out.set(a, [])
  for (const r of records) for (const zone of zonesOf(apexes, r)) (out.get(zone) as DnsRecord[]).push(r)
  return out
}

/** Owners of SOA records (lookup keys). */
export function apexesOf(records: readonly DnsRecord[]): Set<string> {
  const apexes = new Set<string>()
  for (const r of records) if (r.type.toUpperCase() === 'SOA') apexes.add(nameKey(r.name))
  return apexes
}

/** The zones (of `apexes`) a record belongs to, parent side first: see groupByZone. */
export function zonesOf(apexes: ReadonlySet<string>, r: DnsRecord): string[] {
  const owner = servedOwner(r)
  const zone = closestApex(apexes, owner)
  if (zone === undefined) return []
  const type = typeNumber(r.type)
  if (zone === owner && (type === TYPE_NS || type === TYPE_DS)) {
    const parent = closestApex(apexes, parentKey(owner))
    if (parent !== undefined) return type === TYPE_DS ? [parent] : [parent, zone]
  }
  return [zone]
}

function closestApex(apexes: ReadonlySet<string>, key: string | undefined): string | undefined {
  for (let k = key; k !== undefined; k = parentKey(k)) if (apexes.has(k)) return k
  return undefined
}

/** Owner names that need no escape handling: the tree's key is the lower-cased name (as in dns/local/zone-data). */
const PLAIN_NAME = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\.?$/

/** The RRsets of `records` by tree node (one tree: RRsets deduplicated, one TTL each, as answered). */
function treeOf(records: readonly DnsRecord[]): ZoneData {
  // the tree reads the list only: no name+type index is built for it
  return new ZoneData({ records }, { autoBuildPtrFromA: false })
}

/** The records of one owner: one record alone, not in an array (most owners have one). */
type OwnerRecords = DnsRecord | DnsRecord[]

function listOf(held: OwnerRecords | undefined): DnsRecord[] {
  return held === undefined ? [] : Array.isArray(held) ? held : [held]
}

/** Whether an owner's records can share one tree with other owners (see eachOwnerRRs). */
function isPlain(key: string, records: readonly DnsRecord[]): boolean {
  if (key.length > 253) return false
  for (const r of records) if (!PLAIN_NAME.test(r.name) && !(r.type.toUpperCase() === 'PTR' && reverseKey(r.name) !== undefined)) return false
  return true
}

/** The RRs of the nodes of `tree` at `key` (every node when key is undefined), the apex SOA left out, by RR key. */
function rrsOf(tree: ZoneData, key: string | undefined, apex: string): Map<string, ZoneRR> {
  const out = new Map<string, ZoneRR>()
  const nodes = key === undefined ? tree.nodes.values() : [tree.nodes.get(key)]
  for (const node of nodes) {
    for (const set of node?.sets() ?? []) {
      if (set.type === TYPE_SOA && node?.key === apex) continue
      for (const rr of set.rrs) {
        const k = rr.name + '|' + rr.body.toString('hex')
        out.set(k, { name: rr.name, body: rr.body, key: k })
      }
    }
  }
  return out
}

/** The RRs one owner's records make (a tree of their own), the apex SOA left out. */
function ownerRRs(records: readonly DnsRecord[], apex: string): Map<string, ZoneRR> {
  return records.length === 0 ? new Map() : rrsOf(treeOf(records), undefined, apex)
}

/**
 * Calls `fn` with the RRs of every owner, in the owners' order: owners with plain names from one tree over
 * them all (cheaper than a tree each), any other from a tree of its own; both give the same RRs.
 */
function eachOwnerRRs(owners: ReadonlyMap<string, OwnerRecords>, apex: string, fn: (rrs: Map<string, ZoneRR>) => void): void {
  const plain: DnsRecord[] = []
  const odd = new Set<string>()
  for (const [key, held] of owners) {
    if (!Array.isArray(held)) {
      if (!isPlain(key, [held])) odd.add(key)
      continue // one record: its RR without a tree (singleRRs)
    }
    if (isPlain(key, held)) for (const r of held) plain.push(r)
    else odd.add(key)
  }
  let tree: ZoneData | undefined = plain.length === 0 ? undefined : treeOf(plain)
  plain.length = 0
  for (const [key, held] of owners) {
    if (odd.has(key)) fn(ownerRRs(listOf(held), apex))
    else if (!Array.isArray(held)) fn(singleRRs(held, key, apex))
    else fn(rrsOf(tree as ZoneData, key, apex))
  }
  tree = undefined
}

/**
 * The RRs of a plain owner holding one record, as its tree gives them (one RRset of one RR: the value
 * encoded, the record's TTL; none when the type is unknown or the value does not encode) without
 * building one: most owners of a large zone hold one record, and a tree over a million of them was
 * most of a start-up's zone tracker.
 */
function singleRRs(r: DnsRecord, key: string, apex: string): Map<string, ZoneRR> {
  const out = new Map<string, ZoneRR>()
  const type = typeNumber(r.type)
  if (type === undefined || (type === TYPE_SOA && key === apex)) return out
  const rdata = encodeRdata(r.type, r.value)
  if (rdata === undefined) return out
  const body = rrBody(type, r.ttl, rdata)
  const k = key + '|' + body.toString('hex')
  out.set(k, { name: key, body, key: k })
  return out
}

/** True when both lists hold records of the same name, type, value and TTL in the same order (the same RRs). */
function sameRecords(a: readonly DnsRecord[], b: readonly DnsRecord[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i]
    const y = b[i]
    if (x !== y && (x.name !== y.name || x.type !== y.type || x.value !== y.value || x.ttl !== y.ttl)) return false
  }
  return true
}

/** Distinct stamps of `records` (stampOf), each with one record that carries it. */
function distinctStamps(records: readonly DnsRecord[]): Map<string, DnsRecord> {
  const out = new Map<string, DnsRecord>()
  for (const r of records) out.set(stampOf(r), r)
  return out
}

/**
 * Builds one zone from its records; undefined when its SOA does not encode. Records are kept by owner
 * (servedOwner) and the RRs are not kept: the digest and the count follow them (see LiveZone).
 */
export function buildZoneContent(apex: string, members: readonly DnsRecord[]): LiveZone | undefined {
  const owners = new Map<string, OwnerRecords>()
  for (const r of members) {
    const key = servedOwner(r)
    const held = owners.get(key)
    if (held === undefined) owners.set(key, r)
    else if (Array.isArray(held)) held.push(r)
    else owners.set(key, [held, r])
  }
  const soa = treeOf(listOf(owners.get(apex))).rrset(apex, TYPE_SOA)
  if (!soa) return undefined
  const zone = new LiveZone(apex, members, owners, soa.ttl, soa.rdatas[0])
  zone.count(owners)
  return zone
}

/** The RRs that changed in one LiveZone.apply. */
export interface ZoneChange {
  removed: ZoneRR[]
  added: ZoneRR[]
}

/**
 * A zone's content that follows deltas of its records in place. It keeps the records by owner, the RR
 * count, the order-independent sum of the RR keys (zone-sum.ts) and the version seconds of the members,
 * not the RRs themselves: a delta turns the touched owners' records into RRs before and after the change
 * (O(delta)), and an AXFR or a full comparison turns all of them into RRs (O(zone), as its answer is).
 */
export class LiveZone implements ZoneContent {
  members: readonly DnsRecord[] | undefined
  private readonly sum = new ContentSum()
  private rrTotal = 0
  /** Version second -> how many distinct stamps (stampOf) of members have it. */
  private readonly seconds = new Map<number, number>()
  private cachedDigest: string | undefined
  private builtRRs: WeakRef<ReadonlyMap<string, ZoneRR>> | undefined

  constructor(
    readonly apex: string,
    members: readonly DnsRecord[],
    /** The records of each owner (servedOwner), in file order. */
    private readonly owners: Map<string, OwnerRecords>,
    readonly soaTtl: number,
    readonly soaRdata: Buffer,
  ) {
    this.members = members
  }

  /**
   * Every RR but the SOA, by key: built from the records (O(zone)) and kept only weakly until the
   * next change, so secondaries transferring the same version after a NOTIFY share one build while
   * an idle zone holds no copy of its RRs.
   */
  get rrs(): ReadonlyMap<string, ZoneRR> {
    const kept = this.builtRRs?.deref()
    if (kept) return kept
    const out = new Map<string, ZoneRR>()
    eachOwnerRRs(this.owners, this.apex, (rrs) => {
      for (const [k, rr] of rrs) out.set(k, rr)
    })
    this.builtRRs = new WeakRef(out)
    return out
  }

  get rrCount(): number {
    return this.rrTotal
  }

  *rrSlices(owners: number): Generator<ZoneRR[]> {
    const kept = this.builtRRs?.deref()
    if (kept) {
      const all = [...kept.values()]
      for (let i = 0; i < all.length; i += owners) yield all.slice(i, i + owners)
      return
    }
    // a delta replaces an owner's list (apply), never edits it: these entries stay the version taken now
    const entries = [...this.owners]
    for (let i = 0; i < entries.length; i += owners) {
      const slice: ZoneRR[] = []
      eachOwnerRRs(new Map(entries.slice(i, i + owners)), this.apex, (rrs) => {
        for (const rr of rrs.values()) slice.push(rr)
      })
      yield slice
    }
  }

  get digest(): string {
    // the stored SOA counts whole: an operator who edits its serial changes the zone (and may raise ours)
    return (this.cachedDigest ??= this.sum.digest(this.soaTtl + '|' + this.soaRdata.toString('hex')))
  }

  /** The digest of the first format (a hash of the sorted keys), to compare with one persisted by an older version: O(zone). */
  legacyDigest(): string {
    const keys = [...this.rrs.keys()].sort()
    return createHash('sha256').update(this.soaTtl + '|' + this.soaRdata.toString('hex') + '\n' + keys.join('\n')).digest('hex').slice(0, 32)
  }

  get newest(): number | undefined {
    let newest: number | undefined
    for (const s of this.seconds.keys()) if (newest === undefined || s > newest) newest = s
    return newest
  }

  /** Whether a member has `r`'s identity and version time (stampOf): stamps are per name, so its owner's records tell. */
  hasStamp(r: DnsRecord): boolean {
    const st = stampOf(r)
    return listOf(this.owners.get(servedOwner(r))).some((m) => stampOf(m) === st)
  }

  stampsAt(seconds: number): number {
    return this.seconds.get(seconds) ?? 0
  }

  /**
   * The RRs `prev` had and this zone has not (removed, in prev's order) and the other way round (added,
   * in this zone's order): only owners whose records differ in name, type, value or TTL (or order)
   * are turned into RRs, so a reload that changed a few names costs the tree of those names.
   */
  changesSince(prev: LiveZone): ZoneChange {
    const change: ZoneChange = { removed: [], added: [] }
    const diff = new Map<string, { was: Map<string, ZoneRR>; is: Map<string, ZoneRR> }>()
    const rrsAt = (key: string) => {
      let d = diff.get(key)
      const a = listOf(prev.owners.get(key))
      const b = listOf(this.owners.get(key))
      if (!d && !sameRecords(a, b)) diff.set(key, (d = { was: ownerRRs(a, prev.apex), is: ownerRRs(b, this.apex) }))
      return d
    }
    for (const key of prev.owners.keys()) for (const [k, rr] of rrsAt(key)?.was ?? []) if (!diff.get(key)?.is.has(k)) change.removed.push(rr)
    for (const key of this.owners.keys()) for (const [k, rr] of rrsAt(key)?.is ?? []) if (!diff.get(key)?.was.has(k)) change.added.push(rr)
    return change
  }

  /** Build: the RR count, the sum and the version seconds of every owner's records. */
  count(owners: ReadonlyMap<string, OwnerRecords>): void {
    eachOwnerRRs(owners, this.apex, (rrs) => {
      for (const k of rrs.keys()) this.sum.add(k, 1)
      this.rrTotal += rrs.size
    })
    for (const held of owners.values()) {
      if (!Array.isArray(held)) this.second(held, 1) // one record: one stamp, without building it
      else for (const r of distinctStamps(held).values()) this.second(r, 1)
    }
  }

  /**
   * Applies a delta of this zone's members and returns the RRs it removed and added. The delta holds no
   * SOA and keeps each replaced record's owner (see ZoneTracker.follow: its place among another owner's
   * records would be its place in the file, which the zone does not keep). Callers read what they need of
   * the old state first.
   */
  apply(delta: RecordDelta): ZoneChange {
    this.members = undefined
    this.cachedDigest = undefined
    this.builtRRs = undefined
    /** Touched owner -> its records before the delta. */
    const before = new Map<string, DnsRecord[]>()
    const lists = new Map<string, DnsRecord[]>()
    const list = (r: DnsRecord): DnsRecord[] => {
      const key = servedOwner(r)
      let l = lists.get(key)
      if (!l) {
        const held = listOf(this.owners.get(key))
        before.set(key, held.slice())
        lists.set(key, (l = held.slice()))
      }
      return l
    }
    for (const r of delta.removed) {
      const l = list(r)
      const i = l.lastIndexOf(r)
      if (i >= 0) l.splice(i, 1)
    }
    for (const [old, r] of delta.replaced) {
      const l = list(old)
      const i = l.lastIndexOf(old)
      if (i >= 0) l[i] = r
    }
    for (const r of delta.added) list(r).push(r) // added records follow every other record (index-delta.ts)
    const change: ZoneChange = { removed: [], added: [] }
    for (const [key, now] of lists) {
      const old = before.get(key) as DnsRecord[]
      if (now.length === 0) this.owners.delete(key)
      else this.owners.set(key, now.length === 1 ? now[0] : now)
      const a = distinctStamps(old)
      const b = distinctStamps(now)
      for (const [st, r] of a) if (!b.has(st)) this.second(r, -1)
      for (const [st, r] of b) if (!a.has(st)) this.second(r, 1)
      const was = ownerRRs(old, this.apex)
      const is = ownerRRs(now, this.apex)
      for (const [k, rr] of is) {
        if (was.delete(k)) continue
        this.sum.add(k, 1)
        change.added.push(rr)
      }
      for (const [k, rr] of was) {
        this.sum.add(k, -1)
        change.removed.push(rr)
      }
    }
    this.rrTotal += change.added.length - change.removed.length
    return change
  }

  /** Counts a distinct stamp's version second in (1) or out (-1). */
  private second(r: DnsRecord, by: 1 | -1): void {
    const s = versionSeconds(r)
    if (s === undefined) return
    const c = (this.seconds.get(s) ?? 0) + by
    if (c > 0) this.seconds.set(s, c)
    else this.seconds.delete(s)
  }
}

/** A record's identity and version: what differs between two record sets when a change lands. */
export function stampOf(r: DnsRecord): string {
  return recordKey(r) + '\u0000' + r.ttl + '\u0000' + r.updated_on + '\u0000' + r.added_on
}

/** The SOA serial field of a SOA RDATA (RFC 1035 3.3.13: the first of the five trailing 32-bit fields). */
export function soaSerialOf(rdata: Buffer): number {
  return rdata.readUInt32BE(rdata.length - 20)
}

/** A copy of a SOA RDATA with `serial` in place of its own. */
export function withSerial(rdata: Buffer, serial: number): Buffer {
  const out = Buffer.from(rdata)
  out.writeUInt32BE(serial >>> 0, out.length - 20)
  return out
}

/** The served SOA RR of a zone: the stored SOA with `serial`. */
export function servedSoa(z: Pick<ZoneContent, 'apex' | 'soaTtl' | 'soaRdata'>, serial: number): WireRR {
  return { name: z.apex, body: rrBody(TYPE_SOA, z.soaTtl, withSerial(z.soaRdata, serial)) }
}
