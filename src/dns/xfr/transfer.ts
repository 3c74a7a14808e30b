/**
 * Outgoing zone transfers: AXFR (RFC 5936) and IXFR (RFC 1995) answers as a list of DNS messages, from a
 * zone source (src/zones/zone-tracker). Names are compressed per message (dns/wire/encode-response);
 * messages stay under a size budget so a large zone spans several. Pure.
 */
import { TYPE_AXFR, TYPE_IXFR, TYPE_SOA } from '../../store/rr-types.js'
import { isSerialGreater } from '../../zones/serial.js'
import type { ZoneDiff } from '../../zones/zone-tracker.js'
import type { ZoneContent } from '../../zones/zone-content.js'
import { encodeResponse } from '../wire/encode-response.js'
import { DNS_HEADER_BYTES, RCODES, responseFlags, type ParsedQuery, type WireRR } from '../wire/wire.js'

/** RFC 2136 2.2 / RFC 8945: NOTAUTH, the server is not authoritative for the zone named. */
export const RCODE_NOTAUTH = 9
/**
 * Uncompressed RR bytes packed into one message before starting the next: compression only shrinks
 * it, so every message stays well under 64 KiB (RFC 5936 2.2) with room for a TSIG record.
 */
export const XFR_MESSAGE_BUDGET_BYTES = 32 * 1024
/**
 * A zone with more RRs than this is transferred in slices of XFR_SLICE_OWNERS owners, one per `more()`
 * call (the caller yields to the event loop between them), so DNS is answered during a large AXFR.
 */
export const XFR_STREAM_MIN_RRS = 1_000
export const XFR_SLICE_OWNERS = 500

/** What the transfer answer needs of the zones (implemented by ZoneTracker). */
export interface ZoneSource {
  current(apex: string): { content: ZoneContent; serial: number; soa: WireRR } | undefined
  diffsSince(apex: string, serial: number): readonly ZoneDiff[] | undefined
}

export type TransferKind =
  /** AXFR, or an IXFR answered with the whole zone (RFC 1995 4: the history does not reach its serial). */
  | 'axfr'
  | 'ixfr'
  /** IXFR from a client already current (or over UDP): the SOA alone (RFC 1995 2, 4). */
  | 'current'
  | 'refused'
  | 'notauth'
  | 'formerr'
  /** The request's TSIG failed (RFC 8945 5.2): NOTAUTH with the TSIG error. */
  | 'tsig_error'

export interface TransferAnswer {
  kind: TransferKind
  rcode: number
  /** The messages of the answer, or its first ones when `more` is set. */
  messages: Buffer[]
  /**
   * A large AXFR: the next messages, a slice of the zone per call, until it returns undefined (the
   * last message came in the batch before). Callers send `messages`, then each batch in order.
   */
  more?: () => Buffer[] | undefined
  /** With `more`: the caller gave the stream up (its connection closed); drops what the stream holds. */
  abort?: () => void
  /** RRs sent, SOAs included. */
  rrs: number
  serial?: number
  /** IXFR: the serial the client asked from. */
  fromSerial?: number
  /** tsig_error: which (BADKEY, BADSIG, BADTIME). */
  tsigError?: string
}

/** What the DNS responder asks of the transfer service (src/daemon/build-xfr.ts). */
export interface TransferService {
  /** The serial served in the SOA of zone `apex` in place of the stored one. */
  soaSerial(apex: string): number | undefined
  /** Answers an AXFR/IXFR question (access checked, counted and logged there). */
  transfer(q: ParsedQuery, msg: Buffer, stream: boolean, clientIp: string | undefined): TransferAnswer
}

/** The question type of a message with one uncompressed question name, or -1 (a cheap look before parsing). */
export function peekQtype(msg: Buffer): number {
  let off = DNS_HEADER_BYTES
  while (off < msg.length) {
    const len = msg[off]
    if (len === 0) return off + 3 <= msg.length ? msg.readUInt16BE(off + 1) : -1
    if (len > 63) return -1
    off += len + 1
  }
  return -1
}

/** True for the question types this module answers. */
export function isTransferQtype(qtype: number): boolean {
  return qtype === TYPE_AXFR || qtype === TYPE_IXFR
}

/**
 * Answers an AXFR or IXFR question. `allowed` is the access decision (address or key) taken by the caller;
 * `stream` is false over UDP, where IXFR gets the current SOA only and the client retries over TCP.
 */
export function answerTransfer(q: ParsedQuery, msg: Buffer, zones: ZoneSource, allowed: boolean, stream: boolean): TransferAnswer {
  const fail = (kind: TransferKind, rcode: number): TransferAnswer => ({ kind, rcode, messages: [errorMessage(q, rcode)], rrs: 0 })
  if (!allowed) return fail('refused', RCODES.REFUSED)
  const zone = zones.current(q.qkey)
  if (!zone) return fail('notauth', RCODE_NOTAUTH)
  if (q.qtype === TYPE_AXFR) return whole(q, zone)
  const from = ixfrClientSerial(msg, DNS_HEADER_BYTES + q.question.length)
  if (from === undefined) return fail('formerr', RCODES.FORMERR)
  // over UDP, or when the client is current (or ahead): our SOA alone
  if (!stream || !isSerialGreater(zone.serial, from)) {
    return { kind: 'current', rcode: 0, messages: pack(q, [zone.soa]), rrs: 1, serial: zone.serial, fromSerial: from }
  }
  const diffs = zones.diffsSince(q.qkey, from)
  if (diffs === undefined) return { ...whole(q, zone), fromSerial: from }
  // RFC 1995 4: new SOA, then per difference old SOA, deletions, new SOA, additions; new SOA again
  const rrs: WireRR[] = [zone.soa]
  for (const d of diffs) rrs.push(d.oldSoa, ...d.removed, d.newSoa, ...d.added)
  rrs.push(zone.soa)
  return { kind: 'ixfr', rcode: 0, messages: pack(q, rrs), rrs: rrs.length, serial: zone.serial, fromSerial: from }
}

/** RFC 5936 2.2: SOA, every other RR, SOA. A large zone is packed a slice at a time (see `more`). */
function whole(q: ParsedQuery, zone: { content: ZoneContent; serial: number; soa: WireRR }): TransferAnswer {
  const rrs = zone.content.rrCount + 2
  const answer: TransferAnswer = { kind: 'axfr', rcode: 0, messages: [], rrs, serial: zone.serial }
  if (zone.content.rrCount <= XFR_STREAM_MIN_RRS) {
    answer.messages = pack(q, [zone.soa, ...zone.content.rrs.values(), zone.soa])
    return answer
  }
  const packer = new MessagePacker(q)
  packer.add([zone.soa], answer.messages)
  const slices = zone.content.rrSlices(XFR_SLICE_OWNERS)
  let ended = false
  answer.abort = () => {
    ended = true
    slices.return(undefined) // releases the zone snapshot the generator holds
  }
  answer.more = () => {
    if (ended) return undefined
    const out: Buffer[] = []
    const next = slices.next()
    if (next.done) {
      packer.add([zone.soa], out)
      packer.end(out)
      ended = true
    } else packer.add(next.value, out)
    return out
  }
  return answer
}

/** Splits `rrs` into messages under the budget; the question goes in the first (RFC 5936 2.2.1). */
function pack(q: ParsedQuery, rrs: readonly WireRR[]): Buffer[] {
  const out: Buffer[] = []
  const packer = new MessagePacker(q)
  packer.add(rrs, out)
  packer.end(out)
  return out
}

/** Packs RRs into messages under the size budget as they come; the question goes in the first message only. */
class MessagePacker {
  private batch: WireRR[] = []
  private size = 0
  private sent = 0

  constructor(private readonly q: ParsedQuery) {}

  /** Adds `rrs`, appending every message that filled up to `out`. */
  add(rrs: Iterable<WireRR>, out: Buffer[]): void {
    for (const rr of rrs) {
      const n = rr.name.length + 2 + rr.body.length
      if (this.batch.length > 0 && this.size + n > XFR_MESSAGE_BUDGET_BYTES) this.flush(out)
      this.batch.push(rr)
      this.size += n
    }
  }

  /** Appends the last message (also when empty: an answer has at least one). */
  end(out: Buffer[]): void {
    this.flush(out)
  }

  private flush(out: Buffer[]): void {
    out.push(message(this.q, RCODES.NOERROR, this.batch, this.sent === 0))
    this.sent++
    this.batch = []
    this.size = 0
  }
}

function message(q: ParsedQuery, rcode: number, answers: readonly WireRR[], withQuestion: boolean): Buffer {
  return encodeResponse({
    id: q.id,
    flags: responseFlags({ opcode: q.opcode, aa: rcode === RCODES.NOERROR, tc: false, rd: (q.flags & 0x100) !== 0, ra: false, ad: false, cd: false, rcode }),
    question: withQuestion ? q.question : undefined,
    answers,
    authorities: [],
    edns: q.edns ? { udpSize: 1232, extendedRcode: 0 } : undefined,
  })
}

function errorMessage(q: ParsedQuery, rcode: number): Buffer {
  return message(q, rcode, [], true)
}

/**
 * The serial of the SOA an IXFR query carries in its authority section (RFC 1995 3), or undefined.
 * `off` is the end of the question. Names may be compressed; every read is bounds-checked.
 */
export function ixfrClientSerial(msg: Buffer, off: number): number | undefined {
  const an = msg.readUInt16BE(6)
  const ns = msg.readUInt16BE(8)
  for (let i = 0; i < an + ns; i++) {
    const nameEnd = skipName(msg, off)
    if (nameEnd < 0 || nameEnd + 10 > msg.length) return undefined
    const type = msg.readUInt16BE(nameEnd)
    const rdlen = msg.readUInt16BE(nameEnd + 8)
    const rdata = nameEnd + 10
    if (rdata + rdlen > msg.length) return undefined
    if (i >= an && type === TYPE_SOA) {
      const mname = skipName(msg, rdata)
      const rname = mname < 0 ? -1 : skipName(msg, mname)
      if (rname < 0 || rname + 20 > rdata + rdlen) return undefined
      return msg.readUInt32BE(rname)
    }
    off = rdata + rdlen
  }
  return undefined
}

/** End of the (possibly compressed) name at `off`, or -1. Pointers are not followed. */
function skipName(buf: Buffer, off: number): number {
  for (let i = 0; i < 128; i++) {
    if (off >= buf.length) return -1
    const len = buf[off]
    if (len === 0) return off + 1
    if ((len & 0xc0) === 0xc0) return off + 2 <= buf.length ? off + 2 : -1
    if (len > 63) return -1
    off += len + 1
  }
  return -1
}
