/**
 * The content of each zone held locally (a zone = the records at or below an owner of a SOA, minus
 * child zones), as the wire RRs a transfer sends: RRsets deduplicated with one TTL each, exactly as
 * queries are answered (dns/local/zone-data). Pure.
 */
import { createHash } from 'node:crypto'
import { nameKey, recordKey, type DnsRecord } from '../store/record.js'
import { versionSeconds } from './serial.js'
import { TYPE_DS, TYPE_NS, TYPE_SOA, typeNumber } from '../store/rr-types.js'
import { parentKey } from '../dns/local/names.js'
import { reverseKey, ZoneData } from '../dns/local/zone-data.js'
import { rrBody, type WireRR } from '../dns/wire/wire.js'

/** One RR of a zone and its identity (owner, type, TTL, RDATA): a TTL change is a removal plus an addition. */
export interface ZoneRR extends WireRR {
  key: string
}

/**
 * The identity of an RR as one string, which is also all a zone keeps of it: the owner's length as one
 * UTF-16 unit, the owner, then the wire body one byte per unit (latin1). A zone of a million RRs held as
 * objects with their own Buffers took about 300 MiB; as these strings about a third of that.
 */
export function rrKey(name: string, body: Buffer): string {
  return String.fromCharCode(name.length) + name + body.toString('latin1')
}

/** The RR an rrKey stands for. */
export function rrOfKey(key: string): ZoneRR {
  const n = key.charCodeAt(0)
  return { name: key.slice(1, 1 + n), body: Buffer.from(key.slice(1 + n), 'latin1'), key }
}

/** Every RR of a zone but the SOA, in tree order (for AXFR). */
export function* zoneRRs(z: Pick<ZoneContent, 'rrs'>): Generator<ZoneRR> {
  for (const key of z.rrs) yield rrOfKey(key)
}

/** One zone at one moment. */
export interface ZoneContent {
  apex: string
  /** The records that make it up, in file order (compared by identity to skip unchanged zones). */
  members: readonly DnsRecord[]
  /** TTL and RDATA of the apex SOA as stored (its serial is replaced when served). */
  soaTtl: number
  soaRdata: Buffer
  /** Every RR but the SOA, as rrKey strings (zoneRRs gives the RRs). */
  rrs: ReadonlySet<string>
  /** Digest of the content (the stored SOA included): equal digests, equal zones. */
  digest: string
  /** Newest version time (updated_on or added_on) of the members, unix seconds (undefined when none is set). */
  newest: number | undefined
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
  const apexes = new Set<string>()
  for (const r of records) if (r.type.toUpperCase() === 'SOA') apexes.add(nameKey(r.name))
  const out = new Map<string, DnsRecord[]>()
  if (apexes.size === 0) return out
  for (const a of apexes) out.set(a, [])
  for (const r of records) {
    const owner = servedOwner(r)
    const zone = closestApex(apexes, owner)
    if (zone === undefined) continue
    const type = typeNumber(r.type)
    if (zone === owner && (type === TYPE_NS || type === TYPE_DS)) {
      const parent = closestApex(apexes, parentKey(owner))
      if (parent !== undefined) (out.get(parent) as DnsRecord[]).push(r)
      if (type === TYPE_DS && parent !== undefined) continue
    }
    ;(out.get(zone) as DnsRecord[]).push(r)
  }
  return out
}

function closestApex(apexes: ReadonlySet<string>, key: string | undefined): string | undefined {
  for (let k = key; k !== undefined; k = parentKey(k)) if (apexes.has(k)) return k
  return undefined
}

/** Builds one zone from its records; undefined when its SOA does not encode. */
export function buildZoneContent(apex: string, members: readonly DnsRecord[]): ZoneContent | undefined {
  // the tree reads the list only: no name+type index of the zone is built for it
  const data = new ZoneData({ records: members }, { autoBuildPtrFromA: false })
  const soa = data.rrset(apex, TYPE_SOA)
  if (!soa) return undefined
  const rrs = new Set<string>()
  // the digest's text form (owner|hex body) is the one older versions persisted in the serial file
  const keys: string[] = []
  for (const node of data.nodes.values()) {
    for (const set of node.sets()) {
      if (set.type === TYPE_SOA && node.key === apex) continue
      for (const rr of set.rrs) {
        rrs.add(rrKey(rr.name, rr.body))
        keys.push(rr.name + '|' + rr.body.toString('hex'))
      }
    }
  }
  keys.sort()
  const soaRdata = soa.rdatas[0]
  // the stored SOA counts whole: an operator who edits its serial changes the zone (and may raise ours)
  const digest = createHash('sha256').update(soa.ttl + '|' + soaRdata.toString('hex') + '\n' + keys.join('\n')).digest('hex').slice(0, 32)
  let newest: number | undefined
  for (const r of members) {
    const s = versionSeconds(r)
    if (s !== undefined && (newest === undefined || s > newest)) newest = s
  }
  return { apex, members, soaTtl: soa.ttl, soaRdata, rrs, digest, newest }
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
