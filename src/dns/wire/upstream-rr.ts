/**
 * Resource records on the forwarding side: RR type mnemonics <-> dns-packet type names, and
 * RDATA <-> zone-file presentation text (RFC 1035 5.1) for the cache file and the cache listing.
 * Pure: no I/O, no clock.
 *
 * Types dns-packet decodes into objects get their usual text form when we know it (A, AAAA, CNAME,
 * DNAME, NS, PTR, MX, TXT, SPF, SRV, SOA, CAA, SVCB, HTTPS); every other type is written in the RFC 3597 generic
 * form `\# <length> <hex>`, which round-trips through dns-packet's own RDATA codec.
 */
import packet from 'dns-packet'
import type { Answer } from 'dns-packet'
import { rrTypeByCode, rrTypeByMnemonic, typeName, type RrType } from '../../store/rr-types.js'
import { UINT32_MAX } from '../../values.js'
import { tokenize } from './presentation.js'
import { encodeName } from './rdata.js'
import { encodeSvcb, formatSvcb } from './svcb.js'

/** dns-packet's name for a table entry: its mnemonic when dns-packet knows it, else `UNKNOWN_<code>`. */
function packetTypeOf(t: RrType): string {
  return t.packetNamed ? t.mnemonic : `UNKNOWN_${t.code}`
}

/**
 * The dns-packet type name for a mnemonic (`HTTPS` -> `UNKNOWN_65`, `TYPE65` -> `UNKNOWN_65`,
 * `mx` -> `MX`), or undefined when the mnemonic is unknown.
 */
export function toPacketType(mnemonic: string): string | undefined {
  const t = mnemonic.trim().toUpperCase()
  const known = rrTypeByMnemonic(t)
  if (known !== undefined) return packetTypeOf(known)
  // RFC 3597 5: TYPEnnn; dns-packet's own spelling is UNKNOWN_nnn.
  const m = /^(?:TYPE|UNKNOWN_)(\d{1,5})$/.exec(t)
  if (m) {
    const n = Number(m[1])
    if (n >= 1 && n <= 65535) {
      const byCode = rrTypeByCode(n)
      return byCode === undefined ? `UNKNOWN_${n}` : packetTypeOf(byCode)
    }
  }
  return undefined
}

/** The mnemonic for a dns-packet type name (`UNKNOWN_65` -> `HTTPS`, unknown codes -> `TYPE<n>`). */
export function toMnemonic(packetType: string): string {
  const t = packetType.toUpperCase()
  const m = /^UNKNOWN_(\d{1,5})$/.exec(t)
  return m ? typeName(Number(m[1])) : t
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
  switch (rrTypeByMnemonic(toMnemonic(type))?.shape) {
    case 'a':
    case 'aaaa':
      return String(data)
    case 'name':
      return fqdn(String(data))
    case 'mx': {
      const d = data as { preference?: number; exchange: string }
      return `${d.preference ?? 0} ${fqdn(d.exchange)}`
    }
    case 'srv': {
      const d = data as { priority?: number; weight?: number; port: number; target: string }
      return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port} ${fqdn(d.target)}`
    }
    case 'soa': {
      const d = data as { mname: string; rname: string; serial?: number; refresh?: number; retry?: number; expire?: number; minimum?: number }
      return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`
    }
    case 'txt': {
      const parts = Array.isArray(data) ? data : [data]
      return parts.map((p) => quoteBytes(asBuffer(p))).join(' ')
    }
    case 'svcb': {
      // RFC 9460 presentation when the RDATA is well formed, else the generic form below
      const text = Buffer.isBuffer(data) ? formatSvcb(data) : undefined
      if (text !== undefined) return text
      break
    }
    case 'caa': {
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
  const tokens = tokenize(trimmed)
  if (!tokens || tokens.length === 0) return undefined
  // names and numbers as written (escapes kept); character-strings as decoded bytes
  const [a, b, c, d, e, f, g] = tokens.map((x) => x.text)
  const strings = tokens.map((x) => x.bytes)
  const n = tokens.length
  switch (rrTypeByMnemonic(t)?.shape) {
    case 'a':
      return n === 1 && /^\d{1,3}(\.\d{1,3}){3}$/.test(a) && a.split('.').every((p) => Number(p) <= 255) ? a : undefined
    case 'aaaa':
      return n === 1 && /^[0-9a-fA-F:.]+$/.test(a) && a.includes(':') ? a.toLowerCase() : undefined
    case 'name':
      return n === 1 && isNameToken(a) ? stripDot(a) : undefined
    case 'mx': {
      const pref = uint(a, 65535)
      return n === 2 && pref !== undefined && isNameToken(b) ? { preference: pref, exchange: stripDot(b) } : undefined
    }
    case 'srv': {
      const [pr, w, p] = [uint(a, 65535), uint(b, 65535), uint(c, 65535)]
      if (n !== 4 || pr === undefined || w === undefined || p === undefined || !isNameToken(d)) return undefined
      return { priority: pr, weight: w, port: p, target: stripDot(d) }
    }
    case 'soa': {
      const nums = [c, d, e, f, g].map((x) => uint(x, UINT32_MAX))
      if (n !== 7 || !isNameToken(a) || !isNameToken(b) || nums.some((x) => x === undefined)) return undefined
      const [serial, refresh, retry, expire, minimum] = nums as number[]
      return { mname: stripDot(a), rname: stripDot(b), serial, refresh, retry, expire, minimum }
    }
    case 'txt':
      return strings.every((q) => q.length <= 255) ? strings : undefined
    case 'svcb':
      return encodeSvcb(tokens, encodeName) // dns-packet carries these types as raw RDATA
    case 'caa': {
      const flags = uint(a, 255)
      if (n !== 3 || flags === undefined || !/^[a-zA-Z0-9]+$/.test(b ?? '')) return undefined
      return { flags, tag: b, value: strings[2].toString('utf8'), issuerCritical: (flags & 128) !== 0 }
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
  if (ttl > UINT32_MAX) return undefined
  return parseAnswer(m[1], m[3], ttl, m[4])
}
