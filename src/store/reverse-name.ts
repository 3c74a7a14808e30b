/** The reverse-mapping name of an IP address (pure): how PTR records named by an address sit in a zone. */
import { canonicalIp, canonicalName } from './record.js'

/** RFC 1035 3.5 / RFC 3596 2.5 reverse name of an IP address, without trailing dot; undefined for a non-IP. */
export function reverseName(ip: string): string | undefined {
  const c = canonicalIp(ip)
  if (c === undefined) return undefined
  if (!c.includes(':')) return `${c.split('.').reverse().join('.')}.in-addr.arpa`
  return `${c.replace(/:/g, '').split('').reverse().join('.')}.ip6.arpa`
}

/** The owner a record has in a zone: a PTR named by an IP address gets its reverse name; others their stored name. */
export function zoneOwner(r: { name: string; type: string }): string {
  if (r.type.toUpperCase() === 'PTR' && canonicalIp(r.name) !== undefined) return reverseName(r.name) as string
  return canonicalName(r.name)
}

/** True when `key` (lower case, no trailing dot) is `zone` or below it; every name is below the root (""). */
export function isAtOrBelow(key: string, zone: string): boolean {
  return zone === '' || key === zone || key.endsWith(`.${zone}`)
}
