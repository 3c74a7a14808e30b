/**
 * An RFC 2136 UPDATE message read into its zone, prerequisite and update sections. RDATA is kept
 * as presentation text (the records' own form, via the forwarder's RDATA codec) so the rules compare
 * and store it like API input. Pure; never throws: anything malformed is 'formerr' (RFC 2136 3.1.1).
 */
import dnsPacket, { type Answer } from 'dns-packet'
import { typeName } from '../../store/rr-types.js'
import { readName } from '../tsig/tsig-record.js'
import { formatRdata } from '../wire/upstream-rr.js'

export const OPCODE_UPDATE = 5
/** RFC 2136 1.3: the meta classes of the prerequisite and update sections. */
export const CLASS_NONE = 254
export const CLASS_ANY = 255

/** True when `msg` is an UPDATE request (opcode 5, QR=0). */
export function isUpdateMessage(msg: Buffer): boolean {
  return msg.length >= 12 && (msg[2] & 0x80) === 0 && ((msg[2] >> 3) & 0x0f) === OPCODE_UPDATE
}

export interface UpdateRR {
  /** Owner as a lookup key. */
  name: string
  /** Type mnemonic (`TYPE1234` when unknown). */
  type: string
  typeCode: number
  rrClass: number
  ttl: number
  /** RDATA in presentation form; undefined when RDLENGTH is 0. */
  value?: string
}

export interface UpdateMessage {
  id: number
  flags: number
  /** The zone name (lookup key) and the raw zone section, echoed in the reply. */
  zone: string
  zoneSection: Buffer
  zoneClass: number
  prerequisites: UpdateRR[]
  updates: UpdateRR[]
}

const packetAnswer = (dnsPacket as unknown as { answer: { decode(buf: Buffer, offset: number): Answer } }).answer

/**
 * Reads the UPDATE in `msg` up to `end` (the TSIG RR's offset, or the length): 'formerr' when the
 * zone section is not exactly one SOA question, a record does not fit or its RDATA does not decode.
 */
export function parseUpdate(msg: Buffer, end = msg.length): UpdateMessage | 'formerr' {
  if (msg.length < 12) return 'formerr'
  const zo = msg.readUInt16BE(4)
  const pr = msg.readUInt16BE(6)
  const up = msg.readUInt16BE(8)
  if (zo !== 1) return 'formerr'
  const zname = readName(msg, 12)
  if (!zname || zname.end + 4 > end) return 'formerr'
  if (msg.readUInt16BE(zname.end) !== 6) return 'formerr' // RFC 2136 3.1.1: ZTYPE must be SOA
  const zoneClass = msg.readUInt16BE(zname.end + 2)
  let off = zname.end + 4
  const sections: UpdateRR[][] = [[], []]
  for (const [count, out] of [[pr, sections[0]], [up, sections[1]]] as const) {
    for (let i = 0; i < count; i++) {
      const rr = readRecord(msg, off, end)
      if (rr === undefined) return 'formerr'
      out.push(rr.rr)
      off = rr.next
    }
  }
  return {
    id: msg.readUInt16BE(0), flags: msg.readUInt16BE(2), zone: zname.key, zoneSection: Buffer.from(msg.subarray(12, zname.end + 4)), zoneClass,
    prerequisites: sections[0], updates: sections[1],
  }
}

function readRecord(msg: Buffer, off: number, end: number): { rr: UpdateRR; next: number } | undefined {
  const name = readName(msg, off)
  if (!name || name.end + 10 > end) return undefined
  const typeCode = msg.readUInt16BE(name.end)
  const rrClass = msg.readUInt16BE(name.end + 2)
  const ttl = msg.readUInt32BE(name.end + 4)
  const rdlen = msg.readUInt16BE(name.end + 8)
  const next = name.end + 10 + rdlen
  if (next > end) return undefined
  const rr: UpdateRR = { name: name.key, type: typeName(typeCode), typeCode, rrClass, ttl }
  if (rdlen > 0) {
    const value = decodeValue(msg, off)
    if (value === undefined) return undefined
    rr.value = value
  }
  return { rr, next }
}

/** RDATA as presentation text; dns-packet reads the whole message so compressed names resolve. */
function decodeValue(msg: Buffer, off: number): string | undefined {
  try {
    // dns-packet's decoders are keyed by type only: class NONE records decode like IN ones
    const a = packetAnswer.decode(msg, off)
    const text = formatRdata(a)
    return text === '' ? undefined : text
  } catch {
    return undefined
  }
}
