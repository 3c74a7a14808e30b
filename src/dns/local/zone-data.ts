/**
 * The local records of one RecordIndex generation as a tree of names: the records of each owner
 * grouped by type, IP-form PTRs and synthesized PTRs at their reverse names, every ancestor of an
 * owner (empty non-terminals, RFC 8020) and the zone apexes (owners of a SOA). The tree is built
 * once per generation from names only; an RRset's wire form (one TTL, no duplicates) is built the
 * first time a query needs it. Pure: no I/O; TTL conflicts are returned, for the caller to log.
 */
import type { RecordIndex } from '../../store/record-index.js'
import { canonicalIp, nameKey, type DnsRecord } from '../../store/record.js'
import { rrTypeByCode, TYPE_A, TYPE_AAAA, TYPE_PTR, TYPE_SOA, typeNumber } from '../../store/rr-types.js'
import { encodeName, encodeRdata } from '../wire/rdata.js'
import { rrBody, type WireRR } from '../wire/wire.js'
import { nameKeyOf, parentKey } from './names.js'

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
  /** The RRs as served. */
  rrs: LocalRR[]
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
  /** The serial to serve in the SOA of a zone apex in place of the stored one (src/zones), if any. */
  soaSerial?: (apex: string) => number | undefined
}

/** The records of one owner and type; `set` is built on first use (null: nothing encodes). */
interface Group {
  type: number
  records: DnsRecord[]
  /** A/AAAA records whose address this reverse name stands for (PTRs synthesized from their owners). */
  synthesized?: DnsRecord[]
  set?: RRset | null
}

/** One owner name: its records grouped by type, in the order the types first appear. */
export class ZoneNode {
  readonly groups: Group[] = []
  constructor(readonly key: string) {}

  /** The RRset of `type`, or undefined when there is none (or none of its values encodes). */
  get(type: number): RRset | undefined {
    for (const g of this.groups) if (g.type === type) return materialize(this.key, g) ?? undefined
    return undefined
  }

  has(type: number): boolean {
    return this.get(type) !== undefined
  }

  /** Every RRset of the name that has RRs. */
  sets(): RRset[] {
    const out: RRset[] = []
    for (const g of this.groups) {
      const set = materialize(this.key, g)
      if (set) out.push(set)
    }
    return out
  }

  group(type: number): Group {
    for (const g of this.groups) if (g.type === type) return g
    const g: Group = { type, records: [] }
    this.groups.push(g)
    return g
  }
}

/** Shapes whose RDATA holds names compared without case (RFC 4034 6.2) when spotting duplicates. */
const NAME_OFFSET: Partial<Record<string, number>> = { name: 0, mx: 2, srv: 6, soa: 0 }
/** Owner names that need no escape handling: their key is the lower-cased name. */
const PLAIN_NAME = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\.?$/

export class ZoneData {
  readonly nodes = new Map<string, ZoneNode>()
  /** Every owner and every ancestor of one (empty non-terminals), root excluded. */
  readonly names = new Set<string>()
  /** Keys of the names that own a SOA. */
  readonly apexes = new Set<string>()
  readonly ttlConflicts: TtlConflict[] = []

  constructor(index: RecordIndex, opts: ZoneDataOptions) {
    for (const r of index.records) {
      const type = typeNumber(r.type)
      if (type === undefined) continue
      const owner = ownerKey(r, type)
      if (owner === undefined) continue
      this.node(owner).group(type).records.push(r)
      if (opts.autoBuildPtrFromA && (type === TYPE_A || type === TYPE_AAAA)) {
        const rev = reverseKey(r.value)
        if (rev !== undefined) {
          const g = this.node(rev).group(TYPE_PTR)
          ;(g.synthesized ??= []).push(r)
        }
      }
    }
    for (const [key, node] of this.nodes) {
      for (const g of node.groups) {
        if (g.type === TYPE_SOA) {
          this.apexes.add(key)
          const serial = opts.soaSerial?.(key)
          if (serial !== undefined) patchSerial(key, g, serial)
        }
        const conflict = ttlConflict(key, g)
        if (conflict) this.ttlConflicts.push(conflict)
      }
      for (let k: string | undefined = key; k !== undefined && k !== '' && !this.names.has(k); k = parentKey(k)) this.names.add(k)
    }
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
    return this.nodes.get(key)?.get(type)
  }

  private node(key: string): ZoneNode {
    let node = this.nodes.get(key)
    if (!node) this.nodes.set(key, (node = new ZoneNode(key)))
    return node
  }
}

/**
 * RFC 2181 5.2: one TTL per RRset; Knot keeps the last one read, so do we (reported here). Synthesized
 * PTRs join an explicit PTR RRset without changing its TTL and are never reported.
 */
function ttlConflict(name: string, g: Group): TtlConflict | undefined {
  const ttls: number[] = []
  for (const r of g.records) if (!ttls.includes(r.ttl)) ttls.push(r.ttl)
  if (ttls.length < 2) return undefined
  return { name, type: rrTypeByCode(g.type)?.mnemonic ?? 'TYPE' + g.type, ttls, served: g.records[g.records.length - 1].ttl }
}

/** Serves the zone's serial (RFC 1035 3.3.13: the first of the five trailing 32-bit fields) in its SOA RRset. */
function patchSerial(owner: string, g: Group, serial: number): void {
  const set = materialize(owner, g)
  if (!set) return
  set.rdatas = set.rdatas.map((rd) => {
    const out = Buffer.from(rd)
    out.writeUInt32BE(serial >>> 0, out.length - 20)
    return out
  })
  set.rrs = set.rdatas.map((rd, i) => ({ name: owner, body: rrBody(g.type, set.ttl, rd), text: set.texts[i] }))
}

/** Builds (once) the RRset of a group: values encoded, duplicates dropped (RFC 2181 5), one TTL. */
function materialize(owner: string, g: Group): RRset | null {
  if (g.set !== undefined) return g.set
  const rdatas: Buffer[] = []
  const texts: string[] = []
  const seen: Buffer[] = []
  const add = (rdata: Buffer | undefined, text: string): void => {
    if (!rdata) return
    const cmp = comparable(g.type, rdata)
    if (seen.some((d) => d.equals(cmp))) return
    seen.push(cmp)
    rdatas.push(rdata)
    texts.push(text)
  }
  for (const r of g.records) add(encodeRdata(r.type, r.value), r.type.toUpperCase() + ' ' + r.value.trim())
  for (const a of g.synthesized ?? []) {
    const target = ownerKey(a, TYPE_A) as string
    add(encodeName(target), 'PTR ' + target + '.')
  }
  const last = g.records[g.records.length - 1] ?? (g.synthesized as DnsRecord[])[(g.synthesized as DnsRecord[]).length - 1]
  if (rdatas.length === 0) return (g.set = null)
  const ttl = last.ttl
  g.set = { type: g.type, ttl, rdatas, texts, rrs: rdatas.map((rd, i) => ({ name: owner, body: rrBody(g.type, ttl, rd), text: texts[i] })) }
  return g.set
}

/** The owner key of a record: an IP-form PTR owns its reverse name; undefined when not a valid name. */
function ownerKey(r: DnsRecord, type: number): string | undefined {
  if (type === TYPE_PTR) {
    const rev = reverseKey(r.name)
    if (rev !== undefined) return rev
  }
  if (PLAIN_NAME.test(r.name)) {
    const key = nameKey(r.name)
    return key.length <= 253 ? key : undefined
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

