/**
 * Resource records on the forwarding side: RR type mnemonics <-> dns-packet type names, and
 * RDATA <-> zone-file presentation text (RFC 1035 5.1) for the cache file and the cache listing.
 * Pure: no I/O, no clock.
 *
 * Types dns-packet decodes into objects get their usual text form when we know it (A, AAAA, CNAME,
 * DNAME, NS, PTR, MX, TXT, SPF, SRV, SOA, CAA); every other type is written in the RFC 3597 generic
 * form `\# <length> <hex>`, which round-trips through dns-packet's own RDATA codec.
 */
import packet from 'dns-packet'
import type { Answer } from 'dns-packet'

/** Mnemonics dns-packet 5.6 knows by name; anything else travels as `UNKNOWN_<n>`. */
const PACKET_TYPE_NAMES = new Set([
  'A', 'NULL', 'AAAA', 'AFSDB', 'APL', 'CAA', 'CDNSKEY', 'CDS', 'CERT', 'CNAME', 'DHCID', 'DLV', 'DNAME',
  'DNSKEY', 'DS', 'HIP', 'HINFO', 'IPSECKEY', 'KEY', 'KX', 'LOC', 'MX', 'NAPTR', 'NS', 'NSEC', 'NSEC3',
  'NSEC3PARAM', 'PTR', 'RRSIG', 'RP', 'SIG', 'SOA', 'SPF', 'SRV', 'SSHFP', 'TA', 'TKEY', 'TLSA', 'TSIG',
  'TXT', 'AXFR', 'IXFR', 'OPT', 'ANY',
])

/** IANA type codes for common mnemonics dns-packet does not name (RFC 9460 SVCB/HTTPS, RFC 7553 URI, ...). */
const EXTRA_TYPE_CODES: Record<string, number> = {
  SVCB: 64,
  HTTPS: 65,
  URI: 256,
  ZONEMD: 63,
  CSYNC: 62,
  OPENPGPKEY: 61,
  SMIMEA: 53,
  EUI48: 108,
  EUI64: 109,
}
const EXTRA_TYPE_NAMES = new Map(Object.entries(EXTRA_TYPE_CODES).map(([k, v]) => [v, k]))

/**
 * The dns-packet type name for a mnemonic (`HTTPS` -> `UNKNOWN_65`, `TYPE65` -> `UNKNOWN_65`,
 * `mx` -> `MX`), or undefined when the mnemonic is unknown.
 */
export function toPacketType(mnemonic: string): string | undefined {
  const t = mnemonic.trim().toUpperCase()
  if (PACKET_TYPE_NAMES.has(t)) return t
  const extra = EXTRA_TYPE_CODES[t]
  if (extra !== undefined) return `UNKNOWN_${extra}`
  // RFC 3597 5: TYPEnnn; dns-packet's own spelling is UNKNOWN_nnn.
  const m = /^(?:TYPE|UNKNOWN_)(\d{1,5})$/.exec(t)
  if (m) {
    const n = Number(m[1])
    if (n >= 1 && n <= 65535) return typeNameForCode(n)
  }
  return undefined
}

/** The mnemonic for a dns-packet type name (`UNKNOWN_65` -> `HTTPS`, unknown codes -> `TYPE<n>`). */
export function toMnemonic(packetType: string): string {
  const t = packetType.toUpperCase()
  const m = /^UNKNOWN_(\d{1,5})$/.exec(t)
  if (!m) return t
  const n = Number(m[1])
  return EXTRA_TYPE_NAMES.get(n) ?? `TYPE${n}`
}

function typeNameForCode(n: number): string {
  for (const name of PACKET_TYPE_NAMES) {
    if (packetTypeCode(name) === n) return name
  }
  return `UNKNOWN_${n}`
}

const KNOWN_CODES: Record<string, number> = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, NULL: 10, PTR: 12, HINFO: 13, MX: 15, TXT: 16, RP: 17, AFSDB: 18,
  SIG: 24, KEY: 25, AAAA: 28, LOC: 29, SRV: 33, NAPTR: 35, KX: 36, CERT: 37, DNAME: 39, OPT: 41, APL: 42,
  DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51,
  TLSA: 52, HIP: 55, CDS: 59, CDNSKEY: 60, SPF: 99, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, ANY: 255,
  CAA: 257, TA: 32768, DLV: 32769,
}

function packetTypeCode(name: string): number | undefined {
  return KNOWN_CODES[name]
}

/** Max RDATA text we parse (a 64 KiB RDATA in hex is ~128 KiB); longer values are rejected. */
export const MAX_RDATA_TEXT_CHARS = 140_000

interface RdataCodec {
  encode(data: unknown): Buffer
  decode(buf: Buffer, offset?: number): unknown
}

function rdataCodec(packetType: string): RdataCodec {
  return (packet as unknown as { record(type: string): RdataCodec }).record(packetType)
}

/** Owner/target names: dns-packet gives them without the trailing dot; text uses the absolute form. */
function fqdn(name: string): string {
  return name === '' || name === '.' ? '.' : `${name}.`
}

function stripDot(name: string): string {
  return name.endsWith('.') && name !== '.' ? name.slice(0, -1) : name === '.' ? '' : name
}

/** RFC 1035 5.1 character-string: quoted, `"` and `\` escaped, non-printable bytes as \DDD. */
function quoteBytes(bytes: Buffer): string {
  let out = '"'
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) out += '\\' + String.fromCharCode(b)
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b)
    else out += '\\' + String(b).padStart(3, '0')
  }
  return out + '"'
}

function asBuffer(v: unknown): Buffer {
  if (Buffer.isBuffer(v)) return v
  return Buffer.from(String(v), 'utf8')
}

/**
 * RDATA of `rr` in presentation text (no owner/TTL/class/type), e.g. `10 mail.example.com.`.
 * Unknown or object-valued types use RFC 3597 `\# len hex`. Throws only on RDATA dns-packet cannot encode.
 */
export function formatRdata(rr: Answer): string {
  const type = String(rr.type).toUpperCase()
  const data = (rr as { data?: unknown }).data
  switch (type) {
    case 'A':
    case 'AAAA':
      return String(data)
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return fqdn(String(data))
    case 'MX': {
      const d = data as { preference?: number; exchange: string }
      return `${d.preference ?? 0} ${fqdn(d.exchange)}`
    }
    case 'SRV': {
      const d = data as { priority?: number; weight?: number; port: number; target: string }
      return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${fqdn(d.target)}`
    }
    case 'SOA': {
      const d = data as { mname: string; rname: string; serial?: number; refresh?: number; retry?: number; expire?: number; minimum?: number }
      return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`
    }
    case 'TXT':
    case 'SPF': {
      const parts = Array.isArray(data) ? data : [data]
      return parts.map((p) => quoteBytes(asBuffer(p))).join(' ')
    }
    case 'CAA': {
      const d = data as { flags?: number; issuerCritical?: boolean; tag: string; value: string }
      const flags = d.flags ?? (d.issuerCritical ? 128 : 0)
      return `${flags} ${d.tag} ${quoteBytes(Buffer.from(d.value, 'utf8'))}`
    }
  }
  return formatGeneric(toPacketType(type) ?? type, data)
}

function formatGeneric(packetType: string, data: unknown): string {
  // Every dns-packet RDATA codec (including the raw one for unknown types) writes a 2-byte length first.
  const wire = rdataCodec(packetType).encode(data)
  const rdata = wire.subarray(2)
  return rdata.length === 0 ? '\\# 0' : `\\# ${rdata.length} ${rdata.toString('hex')}`
}

function prefixLength(data: Buffer): Buffer {
  const out = Buffer.alloc(data.length + 2)
  out.writeUInt16BE(data.length, 0)
  data.copy(out, 2)
  return out
}

/** Splits presentation text into tokens; quoted strings keep their bytes (escapes decoded). */
function tokenize(text: string): { tokens: string[]; quoted: Buffer[] } | undefined {
  const tokens: string[] = []
  const quoted: Buffer[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]
    if (c === ' ' || c === '\t') {
      i++
      continue
    }
    const bytes: number[] = []
    const isQuoted = c === '"'
    if (isQuoted) i++
    let closed = !isQuoted
    while (i < text.length) {
      const ch = text[i]
      if (isQuoted && ch === '"') {
        closed = true
        i++
        break
      }
      if (!isQuoted && (ch === ' ' || ch === '\t')) break
      if (ch === '\\') {
        const ddd = /^\d{3}/.exec(text.slice(i + 1, i + 4))
        if (ddd) {
          const n = Number(ddd[0])
          if (n > 255) return undefined
          bytes.push(n)
          i += 4
        } else if (i + 1 < text.length) {
          bytes.push(...Buffer.from(text[i + 1], 'utf8'))
          i += 2
        } else return undefined
        continue
      }
      bytes.push(...Buffer.from(ch, 'utf8'))
      i++
    }
    if (!closed) return undefined
    const buf = Buffer.from(bytes)
    tokens.push(buf.toString('latin1'))
    quoted.push(buf)
  }
  return { tokens, quoted }
}

function uint(token: string | undefined, max: number): number | undefined {
  if (token === undefined || !/^\d{1,10}$/.test(token)) return undefined
  const n = Number(token)
  return n <= max ? n : undefined
}

function isNameToken(t: string | undefined): t is string {
  return t !== undefined && t.length > 0 && t.length <= 255
}

/**
 * Parses presentation RDATA for `type` (a mnemonic) into dns-packet `data`, or undefined when the text
 * does not parse. Names may be relative to the root (trailing dot optional), as the original's origin `.`.
 */
export function parseRdata(type: string, value: string): unknown {
  if (value.length > MAX_RDATA_TEXT_CHARS) return undefined
  const t = type.toUpperCase()
  const trimmed = value.trim()
  // RFC 3597 5: `\#` must be read before escapes are decoded.
  if (/^\\#(\s|$)/.test(trimmed)) return parseGeneric(t, trimmed.slice(2).trim().split(/\s+/).filter((x) => x !== ''))
  const tok = tokenize(trimmed)
  if (!tok || tok.tokens.length === 0) return undefined
  const [a, b, c, d, e, f, g] = tok.tokens
  const n = tok.tokens.length
  switch (t) {
    case 'A':
      return n === 1 && /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((p) => Number(p) <= 255) ? a : undefined
    case 'AAAA':
      return n === 1 && /^[0-9a-fA-F:.]+$/.test(a) && a.includes(':') ? a.toLowerCase() : undefined
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return n === 1 && isNameToken(a) ? stripDot(a) : undefined
    case 'MX': {
      const pref = uint(a, 65535)
      return n === 2 && pref !== undefined && isNameToken(b) ? { preference: pref, exchange: stripDot(b) } : undefined
    }
    case 'SRV': {
      const [pr, w, p] = [uint(a, 65535), uint(b, 65535), uint(c, 65535)]
      if (n !== 4 || pr === undefined || w === undefined || p === undefined || !isNameToken(d)) return undefined
      return { priority: pr, weight: w, port: p, target: stripDot(d) }
    }
    case 'SOA': {
      const nums = [c, d, e, f, g].map((x) => uint(x, 0xffffffff))
      if (n !== 7 || !isNameToken(a) || !isNameToken(b) || nums.some((x) => x === undefined)) return undefined
      const [serial, refresh, retry, expire, minimum] = nums as number[]
      return { mname: stripDot(a), rname: stripDot(b), serial, refresh, retry, expire, minimum }
    }
    case 'TXT':
    case 'SPF':
      return tok.quoted.every((q) => q.length <= 255) ? tok.quoted : undefined
    case 'CAA': {
      const flags = uint(a, 255)
      if (n !== 3 || flags === undefined || !/^[a-zA-Z0-9]+$/.test(b ?? '')) return undefined
      return { flags, tag: b, value: tok.quoted[2].toString('utf8'), issuerCritical: (flags & 128) !== 0 }
    }
  }
  return undefined
}

function parseGeneric(type: string, rest: string[]): unknown {
  const len = uint(rest[0], 65535)
  if (len === undefined) return undefined
  const hex = rest.slice(1).join('')
  if (!/^[0-9a-fA-F]*$/.test(hex) || hex.length !== len * 2) return undefined
  const packetType = toPacketType(type)
  if (!packetType) return undefined
  const rdata = Buffer.from(hex, 'hex')
  try {
    return rdataCodec(packetType).decode(prefixLength(rdata), 0)
  } catch {
    // Malformed RDATA for the type: the caller skips the row.
    return undefined
  }
}

/** A dns-packet Answer from parts, or undefined when the RDATA text does not parse. */
export function parseAnswer(name: string, type: string, ttl: number, value: string): Answer | undefined {
  const packetType = toPacketType(type)
  if (!packetType || packetType === 'OPT') return undefined
  const data = parseRdata(type, value)
  if (data === undefined) return undefined
  return { name: stripDot(name.trim()), type: packetType, class: 'IN', ttl, data } as Answer
}

/** One master-file line `<name>. <ttl> IN <TYPE> <rdata>` for an RR. */
export function formatRrLine(rr: Answer): string {
  const ttl = (rr as { ttl?: number }).ttl ?? 0
  return `${fqdn(rr.name)} ${ttl} IN ${toMnemonic(String(rr.type))} ${formatRdata(rr)}`
}

/** Parses a line written by formatRrLine (class IN only), or undefined. */
export function parseRrLine(line: string): Answer | undefined {
  const m = /^\s*(\S+)\s+(\d{1,10})\s+IN\s+(\S+)\s+(.*)$/i.exec(line)
  if (!m) return undefined
  const ttl = Number(m[2])
  if (ttl > 0xffffffff) return undefined
  return parseAnswer(m[1], m[3], ttl, m[4])
}
