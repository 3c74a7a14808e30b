/**
 * Record value text (zone-file presentation format, origin ".") -> wire RDATA bytes.
 * Pure: no I/O. Used once per record per RecordIndex generation, never per query.
 * A value that does not parse gives undefined; the caller skips that record (the original's behaviour).
 */
import { canonicalIp } from '../../store/record.js'
import { RR_TYPES, rrTypeByMnemonic, type RdataShape } from '../../store/rr-types.js'
import { UINT32_MAX } from '../../values.js'
import { tokenize, tokenizePresentation, type Token } from './presentation.js'
import { encodeSvcb } from './svcb.js'

/** Maximum RDATA length (RFC 1035 3.2.1: RDLENGTH is 16 bits). */
export const MAX_RDATA_BYTES = 65535

/** Type numbers live in THE type table; re-exported for the DNS code that already imports them here. */
export { typeName, typeNumber } from '../../store/rr-types.js'
export { tokenize } from './presentation.js'

/**
 * Encodes a domain name in presentation form as uncompressed wire labels. `.` or `` is the root;
 * a trailing dot is optional (origin "."). `\.` and `\DDD` escapes are honoured.
 * Undefined when a label is empty or over 63 bytes or the name over 255 bytes (RFC 1035 2.3.4).
 */
export function encodeName(text: string): Buffer | undefined {
  if (text === '' || text === '.') return Buffer.from([0])
  const labels: number[][] = [[]]
  const bytes = Buffer.from(text, 'utf8')
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]
    if (b === 0x5c) {
      const d1 = bytes[i + 1]
      if (d1 === undefined) return undefined
      if (d1 >= 0x30 && d1 <= 0x39) {
        const d2 = bytes[i + 2]
        const d3 = bytes[i + 3]
        if (d2 === undefined || d3 === undefined || d2 < 0x30 || d2 > 0x39 || d3 < 0x30 || d3 > 0x39) return undefined
        const v = (d1 - 0x30) * 100 + (d2 - 0x30) * 10 + (d3 - 0x30)
        if (v > 255) return undefined
        labels[labels.length - 1].push(v)
        i += 3
      } else {
        labels[labels.length - 1].push(d1)
        i += 1
      }
    } else if (b === 0x2e) {
      if (i === bytes.length - 1) break // trailing dot: absolute name
      labels.push([])
    } else {
      labels[labels.length - 1].push(b)
    }
  }
  let total = 1
  for (const l of labels) {
    if (l.length === 0 || l.length > 63) return undefined
    total += l.length + 1
  }
  if (total > 255) return undefined
  const out = Buffer.allocUnsafe(total)
  let o = 0
  for (const l of labels) {
    out[o++] = l.length
    for (const b of l) out[o++] = b
  }
  out[o] = 0
  return out
}

function u16(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined
  const n = Number(text)
  return n <= 0xffff ? n : undefined
}

function u8(text: string): number | undefined {
  if (!/^\d{1,3}$/.test(text)) return undefined
  const n = Number(text)
  return n <= 0xff ? n : undefined
}

function u32(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined
  const n = Number(text)
  return n <= UINT32_MAX ? n : undefined
}

function be16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2)
  b.writeUInt16BE(n, 0)
  return b
}

function be32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n, 0)
  return b
}

/** A <character-string>: one length byte then up to 255 bytes (RFC 1035 3.3). */
function charString(bytes: Buffer): Buffer | undefined {
  if (bytes.length > 255) return undefined
  return Buffer.concat([Buffer.from([bytes.length]), bytes])
}

function hexBytes(tokens: Token[]): Buffer | undefined {
  const hex = tokens.map((t) => t.text).join('')
  if (hex.length === 0 || hex.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(hex)) return undefined
  return Buffer.from(hex, 'hex')
}

/** A value of digits and dots only: the tokenizer makes it one plain token of the same text. */
const DIGITS_AND_DOTS = /^[0-9.]+$/

/** IPv4 dotted quad -> 4 bytes. */
export function ipv4Bytes(text: string): Buffer | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const out = Buffer.allocUnsafe(4)
  for (let i = 0; i < 4; i++) {
    const v = u8(parts[i])
    if (v === undefined) return undefined
    out[i] = v
  }
  return out
}

/** IPv6 text (any spelling) -> 16 bytes. */
export function ipv6Bytes(text: string): Buffer | undefined {
  if (!text.includes(':')) return undefined
  const canon = canonicalIp(text)
  if (!canon) return undefined
  return Buffer.from(canon.replace(/:/g, ''), 'hex')
}

type Encoder = (tokens: Token[]) => Buffer | undefined

const oneName: Encoder = (t) => (t.length === 1 && !t[0].quoted ? encodeName(t[0].text) : undefined)

/** RDATA encoders by shape (store/rr-types.ts says which types have which shape). */
const ENCODERS: Partial<Record<RdataShape, Encoder>> = {
  a: (t) => (t.length === 1 ? ipv4Bytes(t[0].text) : undefined),
  aaaa: (t) => (t.length === 1 ? ipv6Bytes(t[0].text) : undefined),
  name: oneName,
  mx: (t) => {
    if (t.length !== 2) return undefined
    const pref = u16(t[0].text)
    const name = encodeName(t[1].text)
    return pref === undefined || !name ? undefined : Buffer.concat([be16(pref), name])
  },
  txt: (t) => {
    if (t.length === 0) return undefined
    const parts: Buffer[] = []
    for (const tok of t) {
      const cs = charString(tok.bytes)
      if (!cs) return undefined
      parts.push(cs)
    }
    return Buffer.concat(parts)
  },
  srv: (t) => {
    if (t.length !== 4) return undefined
    const [p, w, port] = [u16(t[0].text), u16(t[1].text), u16(t[2].text)]
    const name = encodeName(t[3].text)
    if (p === undefined || w === undefined || port === undefined || !name) return undefined
    return Buffer.concat([be16(p), be16(w), be16(port), name])
  },
  soa: (t) => {
    if (t.length !== 7) return undefined
    const mname = encodeName(t[0].text)
    const rname = encodeName(t[1].text)
    const nums = t.slice(2).map((x) => u32(x.text))
    if (!mname || !rname || nums.some((x) => x === undefined)) return undefined
    return Buffer.concat([mname, rname, ...nums.map((x) => be32(x as number))])
  },
  caa: (t) => {
    if (t.length !== 3) return undefined
    const flags = u8(t[0].text)
    const tag = t[1].bytes
    // RFC 8659 4.1: the tag is 1..15 letters and digits
    if (flags === undefined || tag.length < 1 || tag.length > 15 || !/^[a-zA-Z0-9]+$/.test(t[1].text)) return undefined
    return Buffer.concat([Buffer.from([flags, tag.length]), tag, t[2].bytes])
  },
  hinfo: (t) => {
    if (t.length !== 2) return undefined
    const cpu = charString(t[0].bytes)
    const os = charString(t[1].bytes)
    return cpu && os ? Buffer.concat([cpu, os]) : undefined
  },
  naptr: (t) => {
    if (t.length !== 6) return undefined
    const order = u16(t[0].text)
    const pref = u16(t[1].text)
    const parts = [charString(t[2].bytes), charString(t[3].bytes), charString(t[4].bytes), encodeName(t[5].text)]
    if (order === undefined || pref === undefined || parts.some((p) => !p)) return undefined
    return Buffer.concat([be16(order), be16(pref), ...(parts as Buffer[])])
  },
  tlsa: (t) => {
    if (t.length < 4) return undefined
    const [u, s, m] = [u8(t[0].text), u8(t[1].text), u8(t[2].text)]
    const data = hexBytes(t.slice(3))
    if (u === undefined || s === undefined || m === undefined || !data) return undefined
    return Buffer.concat([Buffer.from([u, s, m]), data])
  },
  ds: (t) => {
    if (t.length < 4) return undefined
    const tag = u16(t[0].text)
    const [alg, dt] = [u8(t[1].text), u8(t[2].text)]
    const data = hexBytes(t.slice(3))
    if (tag === undefined || alg === undefined || dt === undefined || !data) return undefined
    return Buffer.concat([be16(tag), Buffer.from([alg, dt]), data])
  },
  svcb: (t) => encodeSvcb(t, encodeName),
  sshfp: (t) => {
    if (t.length < 3) return undefined
    const [alg, fp] = [u8(t[0].text), u8(t[1].text)]
    const data = hexBytes(t.slice(2))
    if (alg === undefined || fp === undefined || !data) return undefined
    return Buffer.concat([Buffer.from([alg, fp]), data])
  },
}

/** RFC 3597 5: `\# <length> <hex>` spells the RDATA of any type (used for types without a native encoder). */
function isGenericValue(value: string): boolean {
  return /^\s*\\#(\s|$)/.test(value)
}

const genericRdata: Encoder = (t) => {
  if (t.length < 2 || t[0].text !== '\\#' || !/^\d{1,5}$/.test(t[1].text)) return undefined
  const length = Number(t[1].text)
  if (length === 0) return t.length === 2 ? Buffer.alloc(0) : undefined
  const data = hexBytes(t.slice(2))
  return data && data.length === length ? data : undefined
}

/** The encoder for a type mnemonic (any case), or undefined when we do not encode that type. */
function encoderFor(type: string): Encoder | undefined {
  const shape = rrTypeByMnemonic(type)?.shape
  return shape === undefined ? undefined : ENCODERS[shape]
}

/** The record types whose values we can encode. */
export const ENCODABLE_TYPES: readonly string[] = Object.freeze(
  RR_TYPES.filter((t) => t.shape !== undefined && ENCODERS[t.shape] !== undefined).map((t) => t.mnemonic),
)

/**
 * Wire RDATA for a record value, or undefined when the type is not supported or the value does
 * not parse. `type` is a mnemonic in any case.
 */
export function encodeRdata(type: string, value: string): Buffer | undefined {
  // most records of a large store are A records in plain dotted-quad form: one token, no tokenizer
  if (DIGITS_AND_DOTS.test(value) && rrTypeByMnemonic(type)?.shape === 'a') return ipv4Bytes(value)
  const enc = encoderFor(type) ?? (isGenericValue(value) && rrTypeByMnemonic(type) ? genericRdata : undefined)
  if (!enc) return undefined
  const tokens = tokenize(value)
  if (!tokens) return undefined
  const out = enc(tokens)
  return out && out.length <= MAX_RDATA_BYTES ? out : undefined
}

/**
 * Why `value` cannot be answered as a `type` record (the reason, for a write-time error), or
 * undefined when encodeRdata accepts it or the type is not one we encode. Uses the same
 * tokenizer and encoders as the answers, so what passes here is what the server can serve.
 */
export function rdataProblem(type: string, value: string): string | undefined {
  const upper = type.toUpperCase()
  const shape = rrTypeByMnemonic(upper)?.shape
  const enc = (shape === undefined ? undefined : ENCODERS[shape]) ?? (isGenericValue(value) ? genericRdata : undefined)
  if (!enc) return undefined
  if (shape === 'a' && DIGITS_AND_DOTS.test(value)) return ipv4Bytes(value) ? undefined : `is not a valid ${upper} value`
  const split = tokenizePresentation(value)
  if (!split.ok) return split.problem
  const tokens = split.tokens
  // RFC 1035 3.3: a <character-string> is at most 255 octets; long TXT text must be split.
  if (shape === 'txt' || shape === 'hinfo' || shape === 'naptr') {
    const long = tokens.find((t) => t.bytes.length > 255)
    if (long) return `has a character-string of ${long.bytes.length} bytes, more than 255 (split it into several quoted strings)`
  }
  const out = enc(tokens)
  if (!out) return `is not a valid ${upper} value`
  // RFC 1035 3.2.1: RDLENGTH is 16 bits.
  if (out.length > MAX_RDATA_BYTES) return `encodes to ${out.length} bytes of RDATA, more than ${MAX_RDATA_BYTES}`
  return undefined
}

/** Reads the SOA MINIMUM field (last 4 bytes of SOA RDATA). */
export function soaMinimum(rdata: Buffer): number {
  return rdata.readUInt32BE(rdata.length - 4)
}

/**
 * The records (by position) whose value cannot be answered, for the store to report once.
 * Pure; `records` are `{ type, value }` objects.
 */
export function validateRecords(records: readonly { type: string; value: string; name: string }[]): { index: number; name: string; type: string; reason: string }[] {
  const bad: { index: number; name: string; type: string; reason: string }[] = []
  records.forEach((r, index) => {
    if (!encoderFor(r.type) && !(isGenericValue(r.value) && rrTypeByMnemonic(r.type))) bad.push({ index, name: r.name, type: r.type, reason: 'unsupported_type' })
    else if (!encodeRdata(r.type, r.value)) bad.push({ index, name: r.name, type: r.type, reason: 'invalid_value' })
  })
  return bad
}
