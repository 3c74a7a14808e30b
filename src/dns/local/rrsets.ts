/**
 * RRsets of the zone tree (zone-data.ts) as served: a group's records encoded once (duplicates dropped,
 * one TTL), PTRs synthesized from A/AAAA records, a SOA with the zone's serial; TTL conflicts; the owner
 * key of a record. Pure.
 */
import { canonicalIp, nameKey, type DnsRecord } from '../../store/record.js'
import { rrTypeByCode, TYPE_A, TYPE_PTR, TYPE_SOA } from '../../store/rr-types.js'
import { encodeName, encodeRdata } from '../wire/rdata.js'
import { rrBody, type WireRR } from '../wire/wire.js'
import { nameKeyOf } from './names.js'

/** An RR plus its presentation text (`TYPE value`) for logs and the dashboard. */
export interface LocalRR extends WireRR {
  text: string
  /** For an RR synthesized from a wildcard (RFC 4592), the wildcard's owner key: DNSSEC signs that owner (RFC 4035 5.3.2). */
  wildcard?: string
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

/** The records of one owner and type; `set` is built on first use (null: nothing encodes). */
export interface Group {
  type: number
  /** In file order. */
  records: DnsRecord[]
  /** A/AAAA records whose address this reverse name stands for (PTRs synthesized from their owners), in file order. */
  synthesized?: DnsRecord[]
  set?: RRset | null
  /** A SOA's set with the zone's served serial (see served()). */
  patched?: { serial: number; set: RRset }
}

/** Shapes whose RDATA holds names compared without case (RFC 4034 6.2) when spotting duplicates. */
const NAME_OFFSET: Partial<Record<string, number>> = { name: 0, mx: 2, srv: 6, soa: 0 }
/** Owner names that need no escape handling: their key is the lower-cased name. */
const PLAIN_NAME = /^[A-Za-z0-9_*-]+(\.[A-Za-z0-9_*-]+)*\.?$/

/**
 * RFC 2181 5.2: one TTL per RRset; Knot keeps the last one read, so do we (reported here). Synthesized
 * PTRs join an explicit PTR RRset without changing its TTL and are never reported.
 */
export function ttlConflict(name: string, g: Group): TtlConflict | undefined {
  const ttls: number[] = []
  for (const r of g.records) if (!ttls.includes(r.ttl)) ttls.push(r.ttl)
  if (ttls.length < 2) return undefined
  return { name, type: rrTypeByCode(g.type)?.mnemonic ?? 'TYPE' + g.type, ttls, served: g.records[g.records.length - 1].ttl }
}

/** The SOA RRset with the zone's serial (RFC 1035 3.3.13: the first of the five trailing 32-bit fields). */
function withSerial(owner: string, set: RRset, serial: number): RRset {
  const rdatas = set.rdatas.map((rd) => {
    const out = Buffer.from(rd)
    out.writeUInt32BE(serial >>> 0, out.length - 20)
    return out
  })
  return { ...set, rdatas, rrs: rdatas.map((rd, i) => ({ name: owner, body: rrBody(set.type, set.ttl, rd), text: set.texts[i] })) }
}

/**
 * The RRset of a group as served: a SOA carries the zone's serial when src/zones gives one (read on
 * every use: it moves with the zone's changes, which the tree does not see), patched once per serial.
 */
export function served(owner: string, g: Group, serialOf: ((apex: string) => number | undefined) | undefined): RRset | null {
  const set = materialize(owner, g)
  if (!set || g.type !== TYPE_SOA || !serialOf) return set
  const serial = serialOf(owner)
  if (serial === undefined) return set
  if (g.patched?.serial !== serial) g.patched = { serial, set: withSerial(owner, set, serial) }
  return g.patched.set
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
export function ownerKey(r: DnsRecord, type: number): string | undefined {
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
  if (DIGITS_AND_DOTS.test(ip)) return reverseIpv4(ip)
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

/** Text of digits and dots only: an IPv4 address needs no trimming, IPv6 handling or canonical form first. */
const DIGITS_AND_DOTS = /^[0-9.]+$/

/** reverseKey of digits and dots (canonicalIp's rules: four parts of 1-3 digits, each at most 255, leading zeros dropped), without the canonical text in between. */
function reverseIpv4(ip: string): string | undefined {
  const parts = ip.split('.')
  if (parts.length !== 4) return undefined
  let out = ''
  for (let i = 3; i >= 0; i--) {
    const p = parts[i]
    if (p.length === 0 || p.length > 3) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out += n + '.'
  }
  return out + 'in-addr.arpa'
}
