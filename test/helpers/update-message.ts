/** Builds RFC 2136 UPDATE messages byte by byte for tests (dns-packet cannot write empty RDATA). */
import { encodeName, encodeRdata, typeNumber } from '../../src/dns/wire/rdata.js'

export const IN = 1
export const NONE = 254
export const ANY = 255

export interface RawRR {
  name: string
  type: string
  rrClass?: number
  ttl?: number
  /** Presentation value (encoded with encodeRdata) or raw bytes; absent = RDLENGTH 0. */
  value?: string | Buffer
}

export function rrBytes(r: RawRR): Buffer {
  const name = encodeName(r.name) as Buffer
  const rdata = r.value === undefined ? Buffer.alloc(0) : Buffer.isBuffer(r.value) ? r.value : (encodeRdata(r.type, r.value) as Buffer)
  const fixed = Buffer.alloc(10)
  fixed.writeUInt16BE(typeNumber(r.type) as number, 0)
  fixed.writeUInt16BE(r.rrClass ?? IN, 2)
  fixed.writeUInt32BE(r.ttl ?? 0, 4)
  fixed.writeUInt16BE(rdata.length, 8)
  return Buffer.concat([name, fixed, rdata])
}

/** An UPDATE for `zone` with prerequisite and update records. */
export function updateMessage(zone: string, prereqs: RawRR[], updates: RawRR[], opts: { id?: number; zoneClass?: number; zoneType?: number } = {}): Buffer {
  const head = Buffer.alloc(12)
  head.writeUInt16BE(opts.id ?? 77, 0)
  head.writeUInt16BE(5 << 11, 2)
  head.writeUInt16BE(1, 4)
  head.writeUInt16BE(prereqs.length, 6)
  head.writeUInt16BE(updates.length, 8)
  const z = Buffer.alloc(4)
  z.writeUInt16BE(opts.zoneType ?? 6, 0)
  z.writeUInt16BE(opts.zoneClass ?? IN, 2)
  return Buffer.concat([head, encodeName(zone) as Buffer, z, ...prereqs.map(rrBytes), ...updates.map(rrBytes)])
}
