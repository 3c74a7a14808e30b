/**
 * A signed copy of one zone for export (`dnsplane zone export --signed`): the zone's records grouped into
 * RRsets, signed whole with a full NSEC chain by zone-signer.ts, written with RFC 3597 generic RDATA.
 * Pure: keys and times come in as arguments.
 */
import { isAtOrBelow } from '../dns/local/names.js'
import { encodeName, encodeRdata, soaMinimum } from '../dns/wire/rdata.js'
import { nameKey } from '../store/record.js'
import { typeNumber } from '../store/rr-types.js'
import type { SigningKey } from './key-files.js'
import { DNSKEY_TTL_S } from './online-signer.js'
import type { RRsetToSign, SignatureWindow } from './sign.js'
import { signZone, zoneFileText } from './zone-signer.js'

const TYPE_SOA = 6

export interface ExportRecord {
  name: string
  type: string
  value: string
  ttl: number
}

/** The signed zone file of `zone` from `records` (others are ignored), or undefined when the zone has no SOA. */
export function signedZoneText(records: readonly ExportRecord[], zone: string, keys: readonly SigningKey[], window: SignatureWindow): string | undefined {
  const apexKey = nameKey(zone)
  const sets = new Map<string, RRsetToSign & { rdatas: Buffer[] }>()
  for (const r of records) {
    const key = nameKey(r.name)
    const type = typeNumber(r.type.toUpperCase())
    const owner = encodeName(key)
    const rdata = encodeRdata(r.type, r.value)
    if (type === undefined || !owner || !rdata || !isAtOrBelow(key, apexKey)) continue
    const id = `${key}|${type}`
    const set = sets.get(id) ?? { owner, type, ttl: r.ttl, rdatas: [] }
    if (!set.rdatas.some((x) => x.equals(rdata))) set.rdatas.push(rdata)
    sets.set(id, set)
  }
  const soa = sets.get(`${apexKey}|${TYPE_SOA}`)
  if (!soa) return undefined
  // RFC 4034 4 / RFC 9077: the NSEC TTL is the lesser of the SOA TTL and the SOA MINIMUM
  const nsecTtl = Math.min(soa.ttl, soaMinimum(soa.rdatas[0]))
  return zoneFileText(signZone(encodeName(apexKey) as Buffer, [...sets.values()], keys, window, nsecTtl, DNSKEY_TTL_S))
}
