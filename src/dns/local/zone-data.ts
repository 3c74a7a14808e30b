/**
 * The local records of one RecordIndex generation as a tree of names: RRsets per owner (one TTL,
 * no duplicates), IP-keyed and synthesized PTRs at their reverse names, every ancestor of an owner
 * (empty non-terminals, RFC 8020) and the zone apexes (owners of a SOA). Built once per generation.
 * Pure: no I/O; TTL conflicts are returned, for the caller to log.
 */
import type { RecordIndex } from '../../store/record-index.js'
import { canonicalIp, type DnsRecord } from '../../store/record.js'
import { rrTypeByCode, TYPE_A, TYPE_AAAA, TYPE_PTR, TYPE_SOA, typeNumber } from '../../store/rr-types.js'
import { encodeName, encodeRdata } from '../wire/rdata.js'
import { rrBody, type WireRR } from '../wire/wire.js'
import { keyOfWire, nameKeyOf, parentKey } from './names.js'

/** An RR plus its presentation text (`TYPE value`) for logs and the dashboard. */
export interface LocalRR extends WireRR {
  text: string
}

/** One RRset: every RR has the same owner, type and TTL (RFC 2181 5, 5.2). */
export interface RRset {
  type: number
  ttl: number
  /** RDATA per RR, in file order, without duplicates. */
  rdatas: Buffer[]
  texts: string[]
  /** The RRs as served (built from the above once the set is complete). */
  rrs: LocalRR[]
}

/** One owner name: its RRsets in the order their types first appear. */
export interface ZoneNode {
  rrsets: Map<number, RRset>
}

/** An RRset whose records had different TTLs (served with the last one, as Knot does). */
export interface TtlConflict {
  name: string
  type: string
  ttls: number[]
  served: number
}

export interface ZoneDataOptions {
  /** Synthesize PTRs at the reverse names of A/AAAA values. */
  autoBuildPtrFromA: boolean
}

/** Shapes whose RDATA holds names compared without case (RFC 4034 6.2) when spotting duplicates. */
const NAME_OFFSET: Partial<Record<string, number>> = { name: 0, mx: 2, srv: 6, soa: 0 }

export class ZoneData {
  readonly nodes = new Map<string, ZoneNode>()
  /** Every owner and every ancestor of one (empty non-terminals), root excluded. */
  readonly names = new Set<string>()
  /** Keys of the names that own a SOA. */
  readonly apexes = new Set<string>()
  readonly ttlConflicts: TtlConflict[] = []
  private readonly ttlsSeen = new Map<RRset, { name: string; ttls: number[] }>()

  constructor(index: RecordIndex, opts: ZoneDataOptions) {
    const synthesized: [string, Buffer, string, number][] = []
    for (const r of index.records) {
      const type = typeNumber(r.type)
      if (type === undefined) continue
      const owner = ownerKey(r, type)
      const rdata = owner === undefined ? undefined : encodeRdata(r.type, r.value)
      if (owner === undefined) continue
      // a value that does not encode is skipped, but its name still exists (NODATA, not NXDOMAIN)
      if (!this.nodes.has(owner)) this.nodes.set(owner, { rrsets: new Map() })
      if (!rdata) continue
      this.add(owner, type, rdata, r.type.toUpperCase() + ' ' + r.value.trim(), r.ttl, true)
      if (opts.autoBuildPtrFromA && (type === TYPE_A || type === TYPE_AAAA)) {
        const rev = reverseKey(r.value)
        if (rev !== undefined) synthesized.push([rev, encodeName(owner) as Buffer, 'PTR ' + owner + '.', r.ttl])
      }
    }
    // Synthesized PTRs join an explicit PTR RRset at the same name without changing its TTL.
    for (const [rev, rdata, text, ttl] of synthesized) this.add(rev, TYPE_PTR, rdata, text, ttl, false)
    for (const [key, node] of this.nodes) {
      for (const set of node.rrsets.values()) set.rrs = set.rdatas.map((rd, i) => ({ name: key, body: rrBody(set.type, set.ttl, rd), text: set.texts[i] }))
      if (node.rrsets.has(TYPE_SOA)) this.apexes.add(key)
      for (let k: string | undefined = key; k !== undefined && k !== '' && !this.names.has(k); k = parentKey(k)) this.names.add(k)
    }
    for (const [set, { name, ttls }] of this.ttlsSeen) {
      this.ttlConflicts.push({ name, type: rrTypeByCode(set.type)?.mnemonic ?? 'TYPE' + set.type, ttls, served: set.ttl })
    }
    this.ttlsSeen.clear()
  }

  /** The closest enclosing zone apex of `key` (the name itself counts), or undefined. */
  zoneOf(key: string): string | undefined {
    for (let k: string | undefined = key; k !== undefined; k = parentKey(k)) if (this.apexes.has(k)) return k
    return undefined
  }

  /** True when the name exists: it owns records or has descendants (RFC 8020). */
  exists(key: string): boolean {
    return this.names.has(key)
  }

  rrset(key: string, type: number): RRset | undefined {
    return this.nodes.get(key)?.rrsets.get(type)
  }

  private add(owner: string, type: number, rdata: Buffer, text: string, ttl: number, explicit: boolean): void {
    let node = this.nodes.get(owner)
    if (!node) this.nodes.set(owner, (node = { rrsets: new Map() }))
    let set = node.rrsets.get(type)
    if (!set) {
      node.rrsets.set(type, { type, ttl, rdatas: [rdata], texts: [text], rrs: [] })
      return
    }
    const cmp = comparable(type, rdata)
    // RFC 2181 5: an RRset holds no duplicate RRs (same RDATA, names compared without case)
    if (set.rdatas.some((d) => comparable(type, d).equals(cmp))) return
    set.rdatas.push(rdata)
    set.texts.push(text)
    // RFC 2181 5.2: one TTL per RRset; Knot keeps the last one read, so do we (and report it)
    if (explicit && ttl !== set.ttl) {
      const seen = this.ttlsSeen.get(set) ?? { name: owner, ttls: [set.ttl] }
      seen.ttls.push(ttl)
      this.ttlsSeen.set(set, seen)
      set.ttl = ttl
    }
  }
}

/** The owner key of a record: an IP-form PTR owns its reverse name; undefined when not a valid name. */
function ownerKey(r: DnsRecord, type: number): string | undefined {
  if (type === TYPE_PTR) {
    const rev = reverseKey(r.name)
    if (rev !== undefined) return rev
  }
  return nameKeyOf(r.name.replace(/\.+$/, ''))
}

/** `192.0.2.1` -> `1.2.0.192.in-addr.arpa`, IPv6 -> 32 nibbles under ip6.arpa; undefined for a non-address. */
export function reverseKey(ip: string): string | undefined {
  const canon = canonicalIp(ip)
  if (!canon) return undefined
  if (!canon.includes(':')) return canon.split('.').reverse().join('.') + '.in-addr.arpa'
  return canon.replace(/:/g, '').split('').reverse().join('.') + '.ip6.arpa'
}

function comparable(type: number, rdata: Buffer): Buffer {
  const shape = rrTypeByCode(type)?.shape
  const from = shape === undefined ? undefined : NAME_OFFSET[shape]
  if (from === undefined) return rdata
  const out = Buffer.from(rdata)
  const end = shape === 'soa' ? out.length - 20 : out.length
  for (let i = from; i < end; i++) if (out[i] >= 0x41 && out[i] <= 0x5a) out[i] |= 0x20
  return out
}

export { keyOfWire }
