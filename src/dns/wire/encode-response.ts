/**
 * The response encoder shared by the general and fast paths: header, the client's question, the
 * answer, authority and additional sections with every name compressed (RFC 1035 4.1.4), and OPT.
 * Pure: no I/O.
 */
import { encodeName } from './rdata.js'
import { DNS_HEADER_BYTES, MAX_DNS_MESSAGE_BYTES, TYPE_OPT, type WireRR } from './wire.js'

export interface ResponseParts {
  id: number
  /** Header bytes 2-3 (QR, opcode, AA, TC, RD, RA, AD, CD, low 4 bits of the rcode). */
  flags: number
  /** The client's raw question (copied as sent, keeping 0x20 case), or none. */
  question?: Buffer
  /** Lookup key of the question name (kept for callers; compression finds the question by its bytes). */
  qkey?: string
  answers: readonly WireRR[]
  authorities: readonly WireRR[]
  /** Additional-section RRs (before the OPT record). */
  additionals?: readonly WireRR[]
  /** Present when the reply carries an OPT record (RFC 6891). */
  edns?: { udpSize: number; extendedRcode: number; /** RFC 3225 3: DO copied into a reply that carries DNSSEC records. */ dnssecOk?: boolean }
  /** Raw EDNS options for the OPT RDATA (an Extended DNS Error, RFC 8914). */
  ednsOptions?: Buffer
}

/** RFC 3597 4: names inside RDATA are compressed only for the RFC 1035 types: NS, CNAME, PTR, MX, SOA. */
const RDATA_NAMES: Partial<Record<number, 'name' | 'mx' | 'soa'>> = { 2: 'name', 5: 'name', 12: 'name', 15: 'mx', 6: 'soa' }
/** RFC 1035 4.1.4: a pointer holds a 14-bit offset. */
const MAX_POINTER_OFFSET = 0x3fff

/** Writes one message; `scratch` is large enough for any message (MAX_DNS_MESSAGE_BYTES + slack). */
class MessageWriter {
  off = DNS_HEADER_BYTES
  private readonly suffixes = new Map<string, number>()
  constructor(readonly buf: Buffer) {}

  /** Registers the names of the question (at offset 12) so later names point into it, echoing its case. */
  question(q: Buffer): void {
    q.copy(this.buf, this.off)
    this.remember(q, 0, this.off)
    this.off += q.length
  }

  /**
   * Writes an uncompressed wire name from `src` at `at`, compressed against earlier names (RFC 1035
   * 4.1.4: pointers only point backwards). Returns the offset in `src` after the name, or -1 if malformed.
   */
  name(src: Buffer, at: number): number {
    const start = this.off
    let i = at
    for (;;) {
      if (i >= src.length) return -1
      const len = src[i]
      if (len === 0) {
        this.buf[this.off++] = 0
        break
      }
      if (len > 63 || i + 1 + len > src.length) return -1
      const ptr = this.suffixes.get(suffixKey(src, i))
      if (ptr !== undefined) {
        this.buf[this.off++] = 0xc0 | (ptr >> 8)
        this.buf[this.off++] = ptr & 0xff
        break
      }
      src.copy(this.buf, this.off, i, i + 1 + len)
      this.off += 1 + len
      i += 1 + len
    }
    this.remember(this.buf, start, start, this.off)
    return skipLabels(src, at)
  }

  /** Remembers every suffix of the (possibly compressed) name written at `at` in `b`. */
  private remember(b: Buffer, at: number, offset: number, end = b.length): void {
    let i = at
    while (i < end && b[i] !== 0 && (b[i] & 0xc0) === 0) {
      const key = suffixKeyCompressed(b, i)
      if (offset + (i - at) <= MAX_POINTER_OFFSET && !this.suffixes.has(key)) this.suffixes.set(key, offset + (i - at))
      i += b[i] + 1
    }
  }

  /** Writes one RR (owner, TYPE CLASS TTL, RDATA with its names compressed where RFC 3597 allows). */
  rr(owner: Buffer, body: Buffer): void {
    this.name(owner, 0)
    const type = body.readUInt16BE(0)
    body.copy(this.buf, this.off, 0, 8)
    const lenAt = this.off + 8
    this.off += 10
    const rdata = body.subarray(10)
    const shape = RDATA_NAMES[type]
    const rdStart = this.off
    const written = shape !== undefined && this.compressedRdata(shape, rdata)
    if (!written) {
      this.off = rdStart
      this.off += rdata.copy(this.buf, this.off)
    }
    this.buf.writeUInt16BE(this.off - rdStart, lenAt)
  }

  private compressedRdata(shape: 'name' | 'mx' | 'soa', rdata: Buffer): boolean {
    let i = 0
    if (shape === 'mx') {
      if (rdata.length < 3) return false
      rdata.copy(this.buf, this.off, 0, 2)
      this.off += 2
      i = 2
    }
    i = this.name(rdata, i)
    if (i < 0) return false
    if (shape === 'soa') {
      i = this.name(rdata, i)
      if (i < 0 || i + 20 !== rdata.length) return false
      this.off += rdata.copy(this.buf, this.off, i)
      return true
    }
    return i === rdata.length
  }
}

/** Lower-cased latin1 key of the uncompressed labels at `i` (the name's suffix from there). */
function suffixKey(b: Buffer, i: number): string {
  const end = skipLabels(b, i)
  return end < 0 ? '' : asciiLower(b.toString('latin1', i, end))
}

/** Same key for a name we wrote ourselves, following our own (backward) pointers. */
function suffixKeyCompressed(b: Buffer, i: number): string {
  let s = ''
  for (let hops = 0; hops < 128; hops++) {
    const len = b[i]
    if (len === 0) return s + '\0'
    if ((len & 0xc0) === 0xc0) {
      i = ((len & 0x3f) << 8) | b[i + 1]
      continue
    }
    s += asciiLower(b.toString('latin1', i, i + 1 + len))
    i += 1 + len
  }
  return s
}

/** RFC 4343: only ASCII letters compare without case. */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase())
}

/** Offset after an uncompressed name at `i`, or -1. */
function skipLabels(b: Buffer, i: number): number {
  for (;;) {
    if (i >= b.length) return -1
    const len = b[i]
    if (len === 0) return i + 1
    if (len > 63) return -1
    i += 1 + len
  }
}

// One scratch buffer for every message: encoding is synchronous, so it is never shared between two.
const scratch = Buffer.allocUnsafe(MAX_DNS_MESSAGE_BYTES * 2 + 512)

/**
 * Encodes a response message with every name compressed (owners, and RDATA names of NS, CNAME, PTR,
 * MX, SOA). RRs whose owner cannot be encoded are left out. Returns a new buffer the caller owns.
 */
export function encodeResponse(p: ResponseParts): Buffer {
  const w = new MessageWriter(scratch)
  if (p.question) w.question(p.question)
  const counts = [0, 0, 0]
  const sections = [p.answers, p.authorities, p.additionals ?? []]
  for (let s = 0; s < 3; s++) {
    for (const rr of sections[s]) {
      const owner = rr.nameBytes ?? encodeName(rr.name)
      if (!owner) continue
      if (w.off + owner.length + rr.body.length > MAX_DNS_MESSAGE_BYTES * 2) break
      w.rr(owner, rr.body)
      counts[s]++
    }
  }
  if (p.edns) {
    const o = w.off
    scratch[o] = 0 // root owner
    scratch.writeUInt16BE(TYPE_OPT, o + 1)
    scratch.writeUInt16BE(p.edns.udpSize, o + 3)
    scratch[o + 5] = p.edns.extendedRcode
    scratch[o + 6] = 0 // version 0
    scratch.writeUInt16BE(p.edns.dnssecOk === true ? 0x8000 : 0, o + 7) // flags: DO only with DNSSEC records
    const opts = p.ednsOptions ?? Buffer.alloc(0)
    scratch.writeUInt16BE(opts.length, o + 9)
    opts.copy(scratch, o + 11)
    w.off += 11 + opts.length
  }
  scratch.writeUInt16BE(p.id, 0)
  scratch.writeUInt16BE(p.flags, 2)
  scratch.writeUInt16BE(p.question ? 1 : 0, 4)
  scratch.writeUInt16BE(counts[0], 6)
  scratch.writeUInt16BE(counts[1], 8)
  scratch.writeUInt16BE(counts[2] + (p.edns ? 1 : 0), 10)
  return Buffer.from(scratch.subarray(0, w.off))
}
