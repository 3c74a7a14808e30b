/**
 * The content of each zone held locally (a zone = the records at or below an owner of a SOA, minus
 * child zones), as the wire RRs a transfer sends: RRsets deduplicated with one TTL each, exactly as
 * queries are answered (dns/local/zone-data). A zone's content follows record deltas in place at the
 * cost of the delta (LiveZone.apply): the records of each touched owner name are turned into RRs again
 * (a small ZoneData per name), compared with what the name held, and the digest moved by what changed
 * (zone-sum.ts). The zone keeps its records by owner, not a name tree. Pure.
 */
import { createHash } from 'node:crypto'
import { RecordIndex } from '../store/record-index.js'
import type { RecordDelta } from '../store/index-delta.js'
import { nameKey, recordKey, type DnsRecord } from '../store/record.js'
import { versionSeconds } from './serial.js'
import { TYPE_DS, TYPE_NS, TYPE_SOA, typeNumber } from '../store/rr-types.js'
import { parentKey } from '../dns/local/names.js'
import { reverseKey, ZoneData } from '../dns/local/zone-data.js'
import { rrBody, type WireRR } from '../dns/wire/wire.js'
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
  /** Every RR but the SOA, by key. */
  rrs: ReadonlyMap<string, ZoneRR>
  /** Digest of the content (the stored SOA included): equal digests, equal zones (see zone-sum.ts; `2:` + 32 hex digits). */
  digest: string
  /** Newest version time (updated_on or added_on) of the members, unix seconds (undefined when none is set). */
  newest: number | undefined
  /** Whether a member has this identity and time (stampOf), to find the records a change brought. */
  hasStamp(stamp: string): boolean
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
  return new ZoneData(RecordIndex.build(records), { autoBuildPtrFromA: false })
}

/**
 * Builds one zone from its records; undefined when its SOA does not encode. Records are kept by owner
 * (servedOwner); owners with plain names are turned into RRs by one tree over them all, any other by a
 * tree of its own, so a build and a later change of one owner (LiveZone.apply) give the same RRs.
 */
export function buildZoneContent(apex: string, members: readonly DnsRecord[]): LiveZone | undefined {
  const owners = new Map<string, DnsRecord[]>()
  const plain: DnsRecord[] = []
  const odd = new Set<string>()
  for (const r of members) {
    const key = servedOwner(r)
    const list = owners.get(key)
    if (list) list.push(r)
    else owners.set(key, [r])
    if (key.length <= 253 && (PLAIN_NAME.test(r.name) || (r.type.toUpperCase() === 'PTR' && reverseKey(r.name) !== undefined))) plain.push(r)
    else odd.add(key)
  }
  const apexTree = treeOf(owners.get(apex) ?? [])
  const soa = apexTree.rrset(apex, TYPE_SOA)
  if (!soa) return undefined
  const zone = new LiveZone(apex, members, owners, soa.ttl, soa.rdatas[0])
  const tree = treeOf(plain)
  for (const key of owners.keys()) zone.rescan(key, undefined, odd.has(key) ? undefined : tree)
  for (const r of members) zone.stamp(r, 1)
  return zone
}

/** The RRs that changed in one LiveZone.apply. */
export interface ZoneChange {
  removed: ZoneRR[]
  added: ZoneRR[]
}

/** A zone's content that follows deltas of its records in place. */
export class LiveZone implements ZoneContent {
  members: readonly DnsRecord[] | undefined
  private readonly rrMap = new Map<string, ZoneRR>()
  /** RR keys per owner (the apex SOA left out; one key alone, not in an array: most owners have one), to compare a touched owner with what it held. */
  private readonly byNode = new Map<string, string | string[]>()
  private readonly sum = new ContentSum()
  /** Stamp -> how many members carry it; version second -> how many distinct stamps have it. */
  private readonly stamps = new Map<string, number>()
  private readonly seconds = new Map<number, number>()
  private cachedDigest: string | undefined

  constructor(
    readonly apex: string,
    members: readonly DnsRecord[],
    /** The records of each owner (servedOwner), in file order. */
    private readonly owners: Map<string, DnsRecord[]>,
    readonly soaTtl: number,
    readonly soaRdata: Buffer,
  ) {
    this.members = members
  }

  get rrs(): ReadonlyMap<string, ZoneRR> {
    return this.rrMap
  }

  get digest(): string {
    // the stored SOA counts whole: an operator who edits its serial changes the zone (and may raise ours)
    return (this.cachedDigest ??= this.sum.digest(this.soaTtl + '|' + this.soaRdata.toString('hex')))
  }

  /** The digest of the first format (a hash of the sorted keys), to compare with one persisted by an older version: O(zone). */
  legacyDigest(): string {
    const keys = [...this.rrMap.keys()].sort()
    return createHash('sha256').update(this.soaTtl + '|' + this.soaRdata.toString('hex') + '\n' + keys.join('\n')).digest('hex').slice(0, 32)
  }

  get newest(): number | undefined {
    let newest: number | undefined
    for (const s of this.seconds.keys()) if (newest === undefined || s > newest) newest = s
    return newest
  }

  hasStamp(stamp: string): boolean {
    return this.stamps.has(stamp)
  }

  stampsAt(seconds: number): number {
    return this.seconds.get(seconds) ?? 0
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
    const touched = new Set<string>()
    const list = (r: DnsRecord): DnsRecord[] => {
      const key = servedOwner(r)
      touched.add(key)
      let l = this.owners.get(key)
      if (!l) this.owners.set(key, (l = []))
      return l
    }
    for (const r of delta.removed) {
      this.stamp(r, -1)
      const l = list(r)
      const i = l.lastIndexOf(r)
      if (i >= 0) l.splice(i, 1)
    }
    for (const [old, r] of delta.replaced) {
      this.stamp(old, -1)
      this.stamp(r, 1)
      const l = list(old)
      const i = l.lastIndexOf(old)
      if (i >= 0) l[i] = r
    }
    for (const r of delta.added) {
      this.stamp(r, 1)
      list(r).push(r) // added records follow every other record (index-delta.ts)
    }
    const change: ZoneChange = { removed: [], added: [] }
    for (const key of touched) {
      if (this.owners.get(key)?.length === 0) this.owners.delete(key)
      this.rescan(key, change, undefined)
    }
    return change
  }

  /**
   * Compares the RRs of owner `key` (from `tree`, or a tree of its own records) with what it held,
   * moving the map and the sum; noted in `change`.
   */
  rescan(key: string, change: ZoneChange | undefined, tree: ZoneData | undefined): void {
    const records = this.owners.get(key) ?? []
    const nodes = tree ? [tree.nodes.get(key)] : [...treeOf(records).nodes.values()]
    const keys: string[] = []
    const held = this.byNode.get(key)
    const before = new Set(typeof held === 'string' ? [held] : held)
    for (const node of nodes) {
      for (const set of node?.sets() ?? []) {
        if (set.type === TYPE_SOA && node?.key === this.apex) continue
        for (const rr of set.rrs) {
          const k = rr.name + '|' + rr.body.toString('hex')
          keys.push(k)
          if (before.delete(k)) continue
          const zrr = { name: rr.name, body: rr.body, key: k }
          this.rrMap.set(k, zrr)
          this.sum.add(k, 1)
          change?.added.push(zrr)
        }
      }
    }
    for (const k of before) {
      change?.removed.push(this.rrMap.get(k) as ZoneRR)
      this.rrMap.delete(k)
      this.sum.add(k, -1)
    }
    if (keys.length > 0) this.byNode.set(key, keys.length === 1 ? keys[0] : keys)
    else this.byNode.delete(key)
  }

  /** Counts a member's stamp in (1) or out (-1). */
  stamp(r: DnsRecord, by: 1 | -1): void {
    const st = stampOf(r)
    const n = (this.stamps.get(st) ?? 0) + by
    if (n > 0) this.stamps.set(st, n)
    else this.stamps.delete(st)
    // a distinct stamp appeared (0 -> 1) or went (1 -> 0): its version second counts it
    if (!(n === 0 || (n === 1 && by === 1))) return
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
