/**
 * What the response rate limiter needs to know about a reply, read from its bytes (so fast-path
 * replies, which are never parsed, are classified too), and the truncated form of a reply. Pure.
 */
import { TYPE_OPT, TYPE_SOA } from '../../store/rr-types.js'
import { DNS_HEADER_BYTES, RCODES, skipName } from '../wire/wire.js'

/** The RRL classes of BIND and Knot: one bucket per (client prefix, class, name). */
export type ResponseClass = 'answer' | 'nodata' | 'nxdomain' | 'error'

export interface ResponseInfo {
  kind: ResponseClass
  /**
   * The name the bucket is kept for: the question name and type for answers and NODATA; for NXDOMAIN
   * the zone (owner of the SOA in the authority section, else the question name), so a flood of random
   * names under one zone shares one bucket; empty for errors (one bucket per client).
   */
  name: string
  /** End of the question section. */
  questionEnd: number
  /** The OPT record's bytes (RFC 6891), to keep in a truncated reply; undefined without EDNS. */
  opt?: Buffer
}

const FLAG_TC = 0x02

/** Follows compression pointers (bounded) and returns the owner name at `off` as a lower-case key, or undefined. */
function ownerKey(buf: Buffer, off: number): string | undefined {
  let out = ''
  for (let hops = 0; hops < 16; ) {
    if (off >= buf.length) return undefined
    const len = buf[off]
    if (len === 0) return out.toLowerCase()
    if ((len & 0xc0) === 0xc0) {
      if (off + 1 >= buf.length) return undefined
      off = ((len & 0x3f) << 8) | buf[off + 1]
      hops++
      continue
    }
    if (len > 63 || off + 1 + len > buf.length || out.length > 255) return undefined
    out += buf.toString('latin1', off, off + 1 + len)
    off += 1 + len
  }
  return undefined
}

/** Classifies a reply we built; undefined when it is not a well-formed one-question message (never limited then). */
export function inspectResponse(buf: Buffer): ResponseInfo | undefined {
  if (buf.length < DNS_HEADER_BYTES || buf.readUInt16BE(4) !== 1) return undefined
  const nameEnd = skipName(buf, DNS_HEADER_BYTES)
  if (nameEnd < 0 || nameEnd + 4 > buf.length) return undefined
  const questionEnd = nameEnd + 4
  const rcode = buf[3] & 0x0f
  const an = buf.readUInt16BE(6)
  const ns = buf.readUInt16BE(8)
  const ar = buf.readUInt16BE(10)
  // the question name and type, as bytes: the question is never compressed (RFC 1035 4.1.4)
  const qname = buf.toString('latin1', DNS_HEADER_BYTES, questionEnd).toLowerCase()
  const kind: ResponseClass = rcode === RCODES.NXDOMAIN ? 'nxdomain' : rcode !== RCODES.NOERROR ? 'error' : an > 0 ? 'answer' : 'nodata'
  let name = kind === 'error' ? '' : qname
  let opt: Buffer | undefined
  let off = questionEnd
  for (let r = 0; r < an + ns + ar; r++) {
    const owner = off
    off = skipName(buf, off)
    if (off < 0 || off + 10 > buf.length) break
    const type = buf.readUInt16BE(off)
    const next = off + 10 + buf.readUInt16BE(off + 8)
    if (next > buf.length) break
    if (kind === 'nxdomain' && type === TYPE_SOA && r >= an && r < an + ns) {
      const zone = ownerKey(buf, owner)
      if (zone !== undefined) name = zone
    }
    if (type === TYPE_OPT && r >= an + ns) opt = buf.subarray(owner, next)
    off = next
  }
  return { kind, name, questionEnd, opt }
}

/**
 * The reply with TC=1 and only its question (and OPT) left: what a client gets instead of a dropped
 * or too-large answer, so that a real client retries over TCP (RFC 7766 5, RFC 6891 7).
 */
export function truncatedReply(buf: Buffer, info: ResponseInfo): Buffer {
  const optLen = info.opt?.length ?? 0
  const out = Buffer.allocUnsafe(info.questionEnd + optLen)
  buf.copy(out, 0, 0, info.questionEnd)
  out[2] |= FLAG_TC
  out.writeUInt16BE(0, 6)
  out.writeUInt16BE(0, 8)
  out.writeUInt16BE(info.opt ? 1 : 0, 10)
  if (info.opt) info.opt.copy(out, info.questionEnd)
  return out
}
