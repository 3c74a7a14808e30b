/**
 * Zone export (pure): the records of one zone as an RFC 1035 master file that zone tools
 * (kzonecheck, knotd, named-checkzone) read: the SOA first, then owners in canonical order
 * (RFC 4034 6.1), absolute names everywhere, TTL and class on every line.
 */
import { DnsplaneError } from '../errors.js'
import { tokenizePresentation } from '../dns/wire/presentation.js'
import { nameKey, type DnsRecord } from '../store/record.js'
import { isAtOrBelow, zoneOwner } from '../store/reverse-name.js'
import { typeNumber } from '../store/rr-types.js'
import { escapeNonAscii, isAbsolute, nameFields } from './names.js'

export { zoneOwner }

type ZoneRow = Pick<DnsRecord, 'name' | 'type' | 'value' | 'ttl'>

/**
 * The records of `zone` (lower-cased key without trailing dot): owners at or below it, except
 * those at or below a child zone's SOA (a zone held here too); NS at a child apex stay (delegation).
 */
export function selectZoneRecords<T extends Pick<DnsRecord, 'name' | 'type' | 'value'>>(records: readonly T[], zone: string): T[] {
  const z = nameKey(zone)
  const inZone = records.filter((r) => isAtOrBelow(zoneOwner(r).toLowerCase(), z))
  const children = inZone
    .filter((r) => r.type.toUpperCase() === 'SOA' && zoneOwner(r).toLowerCase() !== z)
    .map((r) => zoneOwner(r).toLowerCase())
  if (children.length === 0) return inZone
  const isDelegation = (r: T, key: string): boolean => children.includes(key) && r.type.toUpperCase() === 'NS'
  // RFC 1034 4.2.1: the parent keeps the delegation NS and the glue addresses of name servers inside the child.
  const glue = new Set(
    inZone.filter((r) => isDelegation(r, zoneOwner(r).toLowerCase())).map((r) => nameKey(r.value)),
  )
  return inZone.filter((r) => {
    const key = zoneOwner(r).toLowerCase()
    if (!children.some((c) => isAtOrBelow(key, c))) return true
    const type = r.type.toUpperCase()
    return isDelegation(r, key) || ((type === 'A' || type === 'AAAA') && glue.has(key))
  })
}

/** RFC 4034 6.1 canonical name order: labels compared right to left, lower-cased, byte-wise; a parent sorts first. */
export function compareCanonical(a: string, b: string): number {
  const la = a === '' ? [] : a.toLowerCase().split('.').reverse()
  const lb = b === '' ? [] : b.toLowerCase().split('.').reverse()
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (la[i] === lb[i]) continue
    return Buffer.compare(Buffer.from(la[i], 'utf8'), Buffer.from(lb[i], 'utf8'))
  }
  return la.length - lb.length
}

/** A stored value with its name fields made absolute (stored values are relative to the root) and non-ASCII escaped. */
export function exportValue(type: string, value: string): string {
  const split = tokenizePresentation(value)
  if (!split.ok || split.tokens.length === 0) return value.trim()
  const names = nameFields(type, split.tokens[0].quoted ? undefined : split.tokens[0].text)
  return split.tokens
    .map((t, k) => {
      if (t.quoted) return `"${t.text}"`
      if (!names.includes(k)) return t.text
      const n = escapeNonAscii(t.text)
      return isAbsolute(n) || n === '.' ? n : `${n}.`
    })
    .join(' ')
}

/**
 * The master file of `zone`: throws ERR_NOT_FOUND when it has no SOA at its apex (a zone file
 * without one is not a zone). `records` may hold other zones; only this one's are written.
 */
export function writeZone(records: readonly ZoneRow[], zone: string, opts: { header?: string } = {}): string {
  const z = nameKey(zone)
  const rows = selectZoneRecords(records, z)
  const soa = rows.filter((r) => r.type.toUpperCase() === 'SOA' && zoneOwner(r).toLowerCase() === z)
  if (soa.length === 0) throw new DnsplaneError('ERR_NOT_FOUND', `zone ${z || '.'} has no SOA record at its apex; add one to export it`)
  const rest = rows
    .filter((r) => !soa.includes(r))
    .map((r, i) => ({ r, i, owner: zoneOwner(r) }))
    .sort(
      (x, y) =>
        compareCanonical(x.owner, y.owner) || (typeNumber(x.r.type) ?? 0) - (typeNumber(y.r.type) ?? 0) || x.i - y.i,
    )
  const lines: string[] = []
  if (opts.header) for (const h of opts.header.split('\n')) lines.push(`; ${h}`)
  lines.push(`$ORIGIN ${z === '' ? '.' : `${escapeNonAscii(z)}.`}`)
  // RFC 1035 5.2: exactly one SOA; a second one would be refused by every zone loader.
  for (const { r, owner } of [{ r: soa[0], owner: zoneOwner(soa[0]) }, ...rest]) {
    const name = owner === '' ? '.' : `${escapeNonAscii(owner)}.`
    lines.push(`${name} ${r.ttl} IN ${r.type.toUpperCase()} ${exportValue(r.type, r.value)}`)
  }
  return `${lines.join('\n')}\n`
}
