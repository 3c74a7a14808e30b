/**
 * Hand-written DNS wire handling for the server: the header/question/OPT parser (bounded, never
 * throws), the response encoder shared by the general and fast paths, and the fast-path key scan.
 * Pure: no I/O. All offsets are checked against the message length before every read.
 */
import { TYPE_ANY, TYPE_AXFR, TYPE_IXFR, TYPE_OPT } from '../../store/rr-types.js'

/** Re-exported from THE type table for the DNS code that imports them here. */
export { TYPE_ANY, TYPE_OPT }

export const DNS_HEADER_BYTES = 12
/** RFC 1035 4.2.2: a TCP length prefix is 16 bits. */
export const MAX_DNS_MESSAGE_BYTES = 65535
/** RFC 1035 2.3.4 / 4.2.1: classic UDP limit without EDNS. */
export const CLASSIC_UDP_BYTES = 512
/** The DNS Flag Day 2020 default EDNS UDP payload we advertise. */
export const DEFAULT_EDNS_UDP_BYTES = 1232
export const CLASS_IN = 1
/** RFC 1035 3.2.4: the CHAOS class (server identity queries, RFC 4892). */
export const CLASS_CH = 3

export const RCODES = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, BADVERS: 16 } as const
export type RcodeName = keyof typeof RCODES
const RCODE_NAMES: Record<number, RcodeName> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED', 6: 'YXDOMAIN', 16: 'BADVERS' }

/** Mnemonic of a (possibly extended) rcode. */
export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? 'RCODE' + rcode
}

export interface EdnsInfo {
  /** Requestor's UDP payload size as sent (RFC 6891 6.2.3; values below 512 are treated as 512 by callers). */
  udpSize: number
  version: number
  /** The 16-bit flags word (DO is 0x8000). */
  flags: number
}

export interface ParsedQuery {
  id: number
  /** Header bytes 2-3 of the query. */
  flags: number
  opcode: number
  /** Question name in presentation form, case kept, no trailing dot ('' = root). */
  qname: string
  /** Same, ASCII lower-cased: the lookup key. */
  qkey: string
  qtype: number
  qclass: number
  /** The raw question section (name + type + class), a view into the message. */
  question: Buffer
  edns?: EdnsInfo
}

export type QueryParse =
  | { kind: 'query'; query: ParsedQuery }
  /** Not worth an answer: too short for a header, or a response (QR=1). */
  | { kind: 'drop' }
  /** Readable header but an error to report; `question`/`edns` when they parsed. */
  | { kind: 'error'; rcode: 'FORMERR' | 'NOTIMP' | 'BADVERS'; id: number; flags: number; question?: Buffer; edns?: EdnsInfo }

function nameText(buf: Buffer, start: number, end: number, lower: boolean): string {
  let s = ''
  let i = start
  let first = true
  while (i < end) {
    const len = buf[i++]
    if (len === 0) break
    if (!first) s += '.'
    first = false
    for (let j = 0; j < len; j++) {
      let b = buf[i + j]
      if (lower && b >= 0x41 && b <= 0x5a) b |= 0x20
      if (b === 0x2e || b === 0x5c) s += '\\' + String.fromCharCode(b)
      else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b)
      else s += '\\' + String(b).padStart(3, '0') // RFC 1035 5.1 \DDD
    }
    i += len
  }
  return s
}

/** End offset of a name at `off` that may end in a compression pointer, or -1. Does not follow pointers. */
export function skipName(buf: Buffer, off: number): number {
  let total = 0
  for (;;) {
    if (off >= buf.length) return -1
    const len = buf[off]
    if (len === 0) return off + 1
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1
    if ((len & 0xc0) !== 0) return -1
    total += len + 1
    if (total > 255) return -1
    off += len + 1
  }
}

/** End offset of an uncompressed question name at `off` (labels only, <= 255 bytes), or -1. */
function questionNameEnd(buf: Buffer, off: number): number {
  const start = off
  for (;;) {
    if (off >= buf.length) return -1
    const len = buf[off]
    if (len === 0) return off + 1 - start <= 255 ? off + 1 : -1
    // RFC 1035 4.1.4: a question name has nothing before it to point at; we refuse pointers here
    if (len > 63) return -1
    off += len + 1
  }
}

/**
 * Parses a query: header, exactly one question, and an OPT record among the additionals.
 * Never throws; every read is bounds-checked; names in other sections are skipped, not followed.
 */
export function parseQuery(msg: Buffer): QueryParse {
  if (msg.length < DNS_HEADER_BYTES) return { kind: 'drop' }
  const id = msg.readUInt16BE(0)
  const flags = msg.readUInt16BE(2)
  if (flags & 0x8000) return { kind: 'drop' } // a response sent to us: never answer (loops)
  const opcode = (flags >> 11) & 0x0f
  const qd = msg.readUInt16BE(4)
  const an = msg.readUInt16BE(6)
  const ns = msg.readUInt16BE(8)
  const ar = msg.readUInt16BE(10)
  if (qd !== 1) return { kind: 'error', rcode: 'FORMERR', id, flags }
  const nameEnd = questionNameEnd(msg, DNS_HEADER_BYTES)
  if (nameEnd < 0 || nameEnd + 4 > msg.length) return { kind: 'error', rcode: 'FORMERR', id, flags }
  const qEnd = nameEnd + 4
  const question = msg.subarray(DNS_HEADER_BYTES, qEnd)
  let off = qEnd
  let edns: EdnsInfo | undefined
  const records = an + ns + ar
  for (let r = 0; r < records; r++) {
    const recStart = off
    off = skipName(msg, off)
    if (off < 0 || off + 10 > msg.length) return { kind: 'error', rcode: 'FORMERR', id, flags, question }
    const type = msg.readUInt16BE(off)
    const rdlen = msg.readUInt16BE(off + 8)
    const next = off + 10 + rdlen
    if (next > msg.length) return { kind: 'error', rcode: 'FORMERR', id, flags, question }
    if (type === TYPE_OPT) {
      // RFC 6891 6.1.1: one OPT only, in the additional section, owned by the root
      if (edns || r < an + ns || msg[recStart] !== 0) return { kind: 'error', rcode: 'FORMERR', id, flags, question }
      edns = { udpSize: msg.readUInt16BE(off + 2), version: msg[off + 5], flags: msg.readUInt16BE(off + 6) }
    }
    off = next
  }
  if (edns && edns.version !== 0) return { kind: 'error', rcode: 'BADVERS', id, flags, question, edns }
  // RFC 6891 7: an error reply keeps the question and carries an OPT when the query had one
  if (opcode !== 0) return { kind: 'error', rcode: 'NOTIMP', id, flags, question, edns }
  return {
    kind: 'query',
    query: {
      id,
      flags,
      opcode,
      qname: nameText(msg, DNS_HEADER_BYTES, nameEnd, false),
      qkey: nameText(msg, DNS_HEADER_BYTES, nameEnd, true),
      qtype: msg.readUInt16BE(nameEnd),
      qclass: msg.readUInt16BE(nameEnd + 2),
      question,
      edns,
    },
  }
}

/** One resource record ready for the wire: owner name plus TYPE..RDATA bytes. */
export interface WireRR {
  /** Owner in lookup-key form (lower-case, no trailing dot, '' = root). */
  name: string
  /** Pre-encoded owner name; encoded from `name` when absent. */
  nameBytes?: Buffer
  /** TYPE, CLASS, TTL, RDLENGTH, RDATA. */
  body: Buffer
}

/** TYPE CLASS TTL RDLENGTH RDATA for class IN. */
export function rrBody(type: number, ttl: number, rdata: Buffer): Buffer {
  const b = Buffer.allocUnsafe(10 + rdata.length)
  b.writeUInt16BE(type, 0)
  b.writeUInt16BE(CLASS_IN, 2)
  b.writeUInt32BE(ttl >>> 0, 4)
  b.writeUInt16BE(rdata.length, 8)
  rdata.copy(b, 10)
  return b
}

/** Header flags word for a response. */
export function responseFlags(o: { opcode: number; aa: boolean; tc: boolean; rd: boolean; ra: boolean; ad: boolean; cd: boolean; rcode: number }): number {
  return (
    0x8000 |
    ((o.opcode & 0x0f) << 11) |
    (o.aa ? 0x0400 : 0) |
    (o.tc ? 0x0200 : 0) |
    (o.rd ? 0x0100 : 0) |
    (o.ra ? 0x0080 : 0) |
    (o.ad ? 0x0020 : 0) |
    (o.cd ? 0x0010 : 0) |
    (o.rcode & 0x0f)
  )
}

/** Result slots of scanFastQuery, reused across calls to allocate nothing per query. */
export interface FastScan {
  /** Bytes of the key written into the scratch buffer. */
  keyLength: number
  /** Offset just past the question section. */
  questionEnd: number
  /** Client's EDNS UDP size, or 0 without OPT. */
  ednsUdpSize: number
}

/** Scratch size for scanFastQuery: name (255) + type/class (4) + EDNS flag (1). */
export const FAST_KEY_MAX_BYTES = 260

/**
 * Recognises the common query shape (QR=0, opcode 0, QDCOUNT=1, AN=NS=0, AR=0 or one EDNS(0) OPT
 * and nothing after it, class IN, not ANY/OPT/AXFR/IXFR) and writes its key into `scratch`:
 * the lower-cased question bytes plus a flag byte (0 no EDNS, 1 OPT, 2 OPT with DO; ORed with the query's AD
 * 0x20 and CD 0x10 bits). False for anything else (general path).
 */
export function scanFastQuery(msg: Buffer, scratch: Buffer, out: FastScan): boolean {
  const n = msg.length
  if (n < 17) return false
  // QR=0, opcode 0; AA/TC/RD in byte 2 may be anything (RD copied later)
  if ((msg[2] & 0xf8) !== 0) return false
  if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return false
  const ar = msg[11]
  if (ar > 1) return false
  let off = DNS_HEADER_BYTES
  let k = 0
  for (;;) {
    if (off >= n) return false
    const len = msg[off]
    if (len === 0) break
    if (len > 63) return false
    const end = off + 1 + len
    if (end > n || end - DNS_HEADER_BYTES > 254) return false
    scratch[k++] = len
    for (let i = off + 1; i < end; i++) {
      const b = msg[i]
      scratch[k++] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b
    }
    off = end
  }
  scratch[k++] = 0
  off++
  if (off + 4 > n) return false
  const t0 = msg[off]
  const t1 = msg[off + 1]
  if (msg[off + 2] !== 0 || msg[off + 3] !== 1) return false // class IN only
  if (t0 === 0 && (t1 === TYPE_ANY || t1 === TYPE_OPT || t1 === TYPE_IXFR || t1 === TYPE_AXFR)) return false
  scratch[k++] = t0
  scratch[k++] = t1
  off += 4
  out.questionEnd = off
  // AD and CD change a forwarded answer (RFC 6840 5.8: AD only when asked with AD or DO; CD skips validation)
  const adCd = msg[3] & 0x30
  if (ar === 0) {
    if (off !== n) return false
    out.ednsUdpSize = 0
    scratch[k++] = adCd
  } else {
    // exactly one OPT: root owner, type 41, version 0, rdata to the end of the message
    if (off + 11 > n || msg[off] !== 0 || msg[off + 1] !== 0 || msg[off + 2] !== TYPE_OPT) return false
    if (msg[off + 6] !== 0) return false
    const rdlen = (msg[off + 9] << 8) | msg[off + 10]
    if (off + 11 + rdlen !== n) return false
    out.ednsUdpSize = (msg[off + 3] << 8) | msg[off + 4]
    // DO (RFC 3225) is part of the key: a signed zone answers it with RRSIGs, the same question without it without
    scratch[k++] = (msg[off + 7] & 0x80 ? 2 : 1) | adCd
  }
  out.keyLength = k
  return true
}

/**
 * Byte offsets of the TTL field of every answer and authority record of an encoded message
 * (RFC 1035 4.1.3), so a cached response can be re-served with its TTLs counted down; undefined
 * when the message does not parse. The additional section (OPT) is left out on purpose: OPT's
 * "TTL" carries EDNS flags (RFC 6891 6.1.3).
 */
export function rrTtlOffsets(msg: Buffer): number[] | undefined {
  if (msg.length < DNS_HEADER_BYTES) return undefined
  const qd = msg.readUInt16BE(4)
  const rrs = msg.readUInt16BE(6) + msg.readUInt16BE(8)
  let p = DNS_HEADER_BYTES
  for (let i = 0; i < qd; i++) {
    p = skipName(msg, p)
    if (p < 0 || p + 4 > msg.length) return undefined
    p += 4
  }
  const out: number[] = []
  for (let i = 0; i < rrs; i++) {
    p = skipName(msg, p)
    if (p < 0 || p + 10 > msg.length) return undefined
    out.push(p + 4)
    p += 10 + msg.readUInt16BE(p + 8)
    if (p > msg.length) return undefined
  }
  return out
}
