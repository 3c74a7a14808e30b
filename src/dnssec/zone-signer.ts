/**
 * Signing a whole zone at once (for export, RFC 4035 2): the DNSKEY RRset at the apex, a full NSEC
 * chain (RFC 4035 2.3), and an RRSIG over every authoritative RRset: DNSKEY by the KSKs, the rest by
 * the ZSKs (a key set without a KSK signs everything with its ZSKs). The NS RRset of a delegation
 * point and glue below it are not signed (RFC 4035 2.2). Pure.
 */
import { canonicalName, compareCanonicalNames } from './canonical.js'
import { keyOfWire } from '../dns/local/names.js'
import { typeName } from '../store/rr-types.js'
import type { SigningKey } from './key-files.js'
import { nsecChain, TYPE_DNSKEY, TYPE_NSEC, TYPE_RRSIG } from './nsec.js'
import { signRRset, type RRsetToSign, type SignatureWindow } from './sign.js'

const TYPE_NS = 2
const TYPE_SOA = 6
const TYPE_DS = 43

/** One RR of a signed zone. */
export interface ZoneRR {
  owner: Buffer
  type: number
  ttl: number
  rdata: Buffer
}

/** True when `name` is `ancestor` or below it (wire names, any case). */
export function isWireAtOrBelow(name: Buffer, ancestor: Buffer): boolean {
  const n = canonicalName(name)
  const a = canonicalName(ancestor)
  for (let i = 0; i < n.length && n.length - i >= a.length; i += 1 + n[i]) if (n.length - i === a.length) return n.subarray(i).equals(a)
  return false
}

/** The keys that sign `type`: KSKs sign DNSKEY, ZSKs the rest; a one-kind key set signs everything. */
export function signersFor(type: number, keys: readonly SigningKey[]): SigningKey[] {
  const ksks = keys.filter((k) => k.ksk)
  const zsks = keys.filter((k) => !k.ksk)
  if (ksks.length === 0 || zsks.length === 0) return [...keys]
  return type === TYPE_DNSKEY ? ksks : zsks
}

/**
 * The signed zone: `rrsets` (the zone's data, apex SOA included; DNSKEY, NSEC and RRSIG sets are
 * made here and ignored when given) plus DNSKEY, NSEC and RRSIG records, in canonical name order.
 * `nsecTtl` is the SOA minimum (RFC 4035 2.3; RFC 9077 takes min(SOA TTL, MINIMUM)).
 */
export function signZone(apex: Buffer, rrsets: readonly RRsetToSign[], keys: readonly SigningKey[], window: SignatureWindow, nsecTtl: number, dnskeyTtl: number): ZoneRR[] {
  const data = rrsets.filter((s) => s.type !== TYPE_DNSKEY && s.type !== TYPE_NSEC && s.type !== TYPE_RRSIG && isWireAtOrBelow(s.owner, apex))
  const cuts = data.filter((s) => s.type === TYPE_NS && compareCanonicalNames(s.owner, apex) !== 0).map((s) => s.owner)
  const under = (o: Buffer) => cuts.some((c) => compareCanonicalNames(o, c) !== 0 && isWireAtOrBelow(o, c))
  const all: RRsetToSign[] = [...data, { owner: apex, type: TYPE_DNSKEY, ttl: dnskeyTtl, rdatas: keys.map((k) => k.dnskeyRdata) }]
  const byName = new Map<string, { owner: Buffer; types: number[] }>()
  for (const s of all) {
    if (under(s.owner)) continue // glue: not authoritative, not in the chain
    const key = s.owner.toString('latin1').toLowerCase()
    const e = byName.get(key) ?? { owner: s.owner, types: [] }
    e.types.push(s.type)
    byName.set(key, e)
  }
  const chain = nsecChain([...byName.values()])
  const out: ZoneRR[] = []
  const sign = (s: RRsetToSign) => {
    for (const k of signersFor(s.type, keys)) out.push({ owner: s.owner, type: TYPE_RRSIG, ttl: s.ttl, rdata: signRRset(s, k, window) })
  }
  for (const s of all) {
    for (const rdata of s.rdatas) out.push({ owner: s.owner, type: s.type, ttl: s.ttl, rdata })
    const isCut = cuts.some((c) => compareCanonicalNames(c, s.owner) === 0)
    if (under(s.owner) || (isCut && s.type !== TYPE_DS)) continue
    sign(s)
  }
  for (const n of chain) {
    out.push({ owner: n.owner, type: TYPE_NSEC, ttl: nsecTtl, rdata: n.rdata })
    sign({ owner: n.owner, type: TYPE_NSEC, ttl: nsecTtl, rdatas: [n.rdata] })
  }
  // SOA first, then canonical order: what zone-file readers expect at the top
  return out.sort((a, b) => compareCanonicalNames(a.owner, b.owner) || rank(a.type) - rank(b.type))
}

function rank(type: number): number {
  return type === TYPE_SOA ? -1 : type
}

/** A zone file of `rrs` with every RDATA in RFC 3597 generic form (`\# len hex`), which every zone reader accepts. */
export function zoneFileText(rrs: readonly ZoneRR[]): string {
  return rrs.map((r) => `${keyOfWire(r.owner)}. ${r.ttl} IN ${typeName(r.type)} \\# ${r.rdata.length}${r.rdata.length > 0 ? ' ' + r.rdata.toString('hex') : ''}\n`).join('')
}
