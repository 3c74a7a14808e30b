/**
 * The TSIG resource record (RFC 8945 4.2) on the wire: finding it at the end of a message, reading
 * and writing its fields. Names are read with compression pointers followed (bounded), written
 * uncompressed and lower-cased (RFC 8945 4.3.3: canonical form). Pure: never throws on input.
 */
import { keyOfWire } from '../local/names.js'
import { encodeName } from '../wire/rdata.js'

export const TYPE_TSIG = 250
export const CLASS_ANY = 255
/** RFC 8945 5.2: TSIG error codes (carried in the TSIG RR, the header RCODE is NOTAUTH). */
export const TSIG_ERRORS = { NOERROR: 0, BADSIG: 16, BADKEY: 17, BADTIME: 18, BADTRUNC: 22 } as const
export type TsigErrorName = keyof typeof TSIG_ERRORS
/** RFC 2845/8945: NOTAUTH, the header rcode of every TSIG failure answer. */
export const RCODE_NOTAUTH = 9

export interface TsigRecord {
  /** Key name as a lookup key (lower case, no trailing dot). */
  keyName: string
  /** Algorithm name as a lookup key (e.g. `hmac-sha256`). */
  algorithmName: string
  /** Seconds since the epoch (48 bits). */
  timeSigned: number
  fudge: number
  mac: Buffer
  originalId: number
  error: number
  otherData: Buffer
}

export interface FoundTsig {
  record: TsigRecord
  /** Offset of the TSIG RR in the message: everything before it is what was signed. */
  offset: number
}

/** Reads a (possibly compressed) name at `off`: its key and the offset after it in place, or undefined. */
export function readName(buf: Buffer, off: number): { key: string; end: number } | undefined {
  const labels: Buffer[] = []
  let end = -1
  let total = 1
  for (let hops = 0; hops < 128; hops++) {
    if (off >= buf.length) return undefined
    const len = buf[off]
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) return undefined
      if (end < 0) end = off + 2
      const target = ((len & 0x3f) << 8) | buf[off + 1]
      if (target >= off) return undefined // pointers go backwards only: no loops
      off = target
      continue
    }
    if ((len & 0xc0) !== 0 || off + 1 + len > buf.length) return undefined
    if (len === 0) {
      const wire = Buffer.concat([...labels.flatMap((l) => [Buffer.from([l.length]), l]), Buffer.from([0])])
      return { key: keyOfWire(wire), end: end < 0 ? off + 1 : end }
    }
    total += len + 1
    if (total > 255) return undefined
    labels.push(buf.subarray(off + 1, off + 1 + len))
    off += len + 1
  }
  return undefined
}

/** Offset after the RR at `off` (name, fixed fields, RDATA), or -1 when it does not fit. */
export function skipRecord(buf: Buffer, off: number): number {
  const name = readName(buf, off)
  if (!name || name.end + 10 > buf.length) return -1
  const next = name.end + 10 + buf.readUInt16BE(name.end + 8)
  return next > buf.length ? -1 : next
}

/** Offset of the first RR after the question section, or -1. */
export function afterQuestions(buf: Buffer): number {
  if (buf.length < 12) return -1
  let off = 12
  for (let q = buf.readUInt16BE(4); q > 0; q--) {
    const name = readName(buf, off)
    if (!name || name.end + 4 > buf.length) return -1
    off = name.end + 4
  }
  return off
}

/**
 * The TSIG RR of a message: undefined when it has none, 'formerr' when one is anywhere but last
 * in the additional section, or the message or the RR is malformed (RFC 8945 5.1/5.2).
 */
export function findTsig(msg: Buffer): FoundTsig | undefined | 'formerr' {
  let off = afterQuestions(msg)
  if (off < 0) return 'formerr'
  const total = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10)
  for (let r = 0; r < total; r++) {
    const start = off
    off = skipRecord(msg, off)
    if (off < 0) return 'formerr'
    const name = readName(msg, start)
    if (name === undefined) return 'formerr'
    if (msg.readUInt16BE(name.end) !== TYPE_TSIG) continue
    if (r !== total - 1 || msg.readUInt16BE(10) === 0) return 'formerr'
    const record = decodeTsigRdata(name.key, msg, name.end + 10, off)
    return record === undefined ? 'formerr' : { record, offset: start }
  }
  return undefined
}

function decodeTsigRdata(keyName: string, msg: Buffer, start: number, end: number): TsigRecord | undefined {
  const alg = readName(msg, start)
  if (!alg || alg.end + 10 > end) return undefined
  let o = alg.end
  const timeSigned = msg.readUIntBE(o, 6)
  const fudge = msg.readUInt16BE(o + 6)
  const macLen = msg.readUInt16BE(o + 8)
  o += 10
  if (o + macLen + 6 > end) return undefined
  const mac = Buffer.from(msg.subarray(o, o + macLen))
  o += macLen
  const originalId = msg.readUInt16BE(o)
  const error = msg.readUInt16BE(o + 2)
  const otherLen = msg.readUInt16BE(o + 4)
  o += 6
  if (o + otherLen !== end) return undefined
  return { keyName, algorithmName: alg.key, timeSigned, fudge, mac, originalId, error, otherData: Buffer.from(msg.subarray(o, end)) }
}

/** Canonical wire form of a lookup key (lower case, uncompressed). */
export function canonicalNameWire(key: string): Buffer {
  const wire = encodeName(key)
  if (!wire) throw new Error(`not a domain name: ${key}`)
  const out = Buffer.from(wire)
  // RFC 4034 6.2: only ASCII letters are lowered (length bytes are <= 63, never letters)
  for (let i = 0; i < out.length; i++) if (out[i] >= 0x41 && out[i] <= 0x5a) out[i] |= 0x20
  return out
}

/** 48-bit big-endian seconds. */
export function uint48(seconds: number): Buffer {
  const b = Buffer.alloc(6)
  b.writeUIntBE(Math.max(0, Math.min(seconds, 2 ** 48 - 1)), 0, 6)
  return b
}

/** The whole TSIG RR (owner, TYPE, CLASS ANY, TTL 0, RDATA) for a record. */
export function encodeTsigRecord(t: TsigRecord): Buffer {
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2)
    b.writeUInt16BE(n, 0)
    return b
  }
  const rdata = Buffer.concat([
    canonicalNameWire(t.algorithmName), uint48(t.timeSigned), u16(t.fudge), u16(t.mac.length), t.mac,
    u16(t.originalId), u16(t.error), u16(t.otherData.length), t.otherData,
  ])
  const fixed = Buffer.alloc(10)
  fixed.writeUInt16BE(TYPE_TSIG, 0)
  fixed.writeUInt16BE(CLASS_ANY, 2)
  fixed.writeUInt32BE(0, 4)
  fixed.writeUInt16BE(rdata.length, 8)
  return Buffer.concat([canonicalNameWire(t.keyName), fixed, rdata])
}
