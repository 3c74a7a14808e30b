/**
 * The record object shared by dnsrecords.json, the cluster wire and the REST API.
 * Field names and spellings are the original's (snake_case, Go time strings); never rename.
 * Pure: no I/O.
 */

/** Go's zero time as the original writes it; time fields are always present on disk and wire. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z'

export interface DnsRecord {
  /** UUID v4, lowercase and dashed; absent on records loaded from a file that never had one. */
  id?: string
  /** Owner name, stored without trailing dot, case preserved. */
  name: string
  /** RR type mnemonic, upper-case. */
  type: string
  /** RDATA in zone-file presentation format. */
  value: string
  /** Seconds, 0..2^32-1. */
  ttl: number
  /** RFC 3339 strings kept verbatim so a Go peer's values round-trip byte for byte. */
  added_on: string
  updated_on: string
  mac?: string
  cache_record?: boolean
  last_query: string
}

/** Lookup key for an owner name: trimmed, all trailing dots stripped, lower-cased. */
export function nameKey(name: string): string {
  return canonicalName(name).toLowerCase()
}

/** The stored form of an owner name: trimmed and without trailing dots, case preserved. */
export function canonicalName(name: string): string {
  let end = name.length
  let start = 0
  while (start < end && name.charCodeAt(start) <= 32) start++
  while (end > start && name.charCodeAt(end - 1) <= 32) end--
  while (end > start && name.charCodeAt(end - 1) === 46) end--
  return name.slice(start, end)
}

/**
 * Canonical text of an IP address, or undefined when `text` is not one:
 * IPv4 dotted quad without leading zeros, IPv6 as eight lower-case 4-digit groups.
 * Used to match A/AAAA values and PTR names written in different spellings.
 */
export function canonicalIp(text: string): string | undefined {
  const s = text.trim()
  if (s.includes(':')) return canonicalIpv6(s)
  return canonicalIpv4(s)
}

function canonicalIpv4(s: string): string | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  // one to three ASCII digits per part, at most 255, leading zeros dropped (checked by hand: it runs per record at start-up)
  let out = ''
  for (let i = 0; i < 4; i++) {
    const p = parts[i]
    if (p.length === 0 || p.length > 3) return undefined
    for (let j = 0; j < p.length; j++) {
      const c = p.charCodeAt(j)
      if (c < 48 || c > 57) return undefined
    }
    const n = Number(p)
    if (n > 255) return undefined
    out += i === 0 ? String(n) : '.' + n
  }
  return out
}

function canonicalIpv6(s: string): string | undefined {
  let text = s.toLowerCase()
  if (text.includes('%')) return undefined
  const lastColon = text.lastIndexOf(':')
  const maybeV4 = text.slice(lastColon + 1)
  if (maybeV4.includes('.')) {
    // RFC 4291 2.2: a trailing dotted quad stands for the last two 16-bit groups.
    const v4 = canonicalIpv4(maybeV4)
    if (!v4) return undefined
    const [a, b, c, d] = v4.split('.').map(Number)
    text = text.slice(0, lastColon + 1) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16)
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] ? halves[0].split(':') : []
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : []
  const given = head.length + rest.length
  if (halves.length === 1 && given !== 8) return undefined
  if (halves.length === 2 && given > 7) return undefined
  const fill = new Array<string>(8 - given).fill('0')
  const groups = halves.length === 2 ? [...head, ...fill, ...rest] : head
  const out: string[] = []
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined
    out.push(g.padStart(4, '0'))
  }
  return out.join(':')
}

/**
 * Go's RFC 3339 rendering of a time in UTC (time.RFC3339Nano: fraction without trailing zeros,
 * omitted when zero), e.g. `2025-01-01T10:00:00.5Z`. Used for added_on/updated_on.
 */
export function formatGoTime(date: Date): string {
  const iso = date.toISOString()
  const dot = iso.indexOf('.')
  if (dot < 0) return iso
  const frac = iso.slice(dot + 1, -1).replace(/0+$/, '')
  return iso.slice(0, dot) + (frac ? '.' + frac : '') + 'Z'
}

/**
 * The value as compared by the duplicate rule: CNAME/NS/PTR case-insensitive without
 * trailing dots, A/AAAA lower-cased, anything else trimmed but otherwise exact.
 */
export function valueKey(type: string, value: string): string {
  const t = type.toUpperCase()
  if (t === 'CNAME' || t === 'NS' || t === 'PTR') return canonicalName(value).toLowerCase()
  if (t === 'A' || t === 'AAAA') return value.trim().toLowerCase()
  return value.trim()
}

/** Identity of a record for the duplicate rule: name (any case, trailing dot ignored) + type + value. */
export function recordKey(r: Pick<DnsRecord, 'name' | 'type' | 'value'>): string {
  return nameKey(r.name) + '\u0000' + r.type.toUpperCase() + '\u0000' + valueKey(r.type, r.value)
}

/** True when `a` and `b` are duplicates under the rule of recordKey. */
export function isSameRecord(
  a: Pick<DnsRecord, 'name' | 'type' | 'value'>,
  b: Pick<DnsRecord, 'name' | 'type' | 'value'>,
): boolean {
  return recordKey(a) === recordKey(b)
}
