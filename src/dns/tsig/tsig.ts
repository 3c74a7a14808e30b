/**
 * TSIG (RFC 8945): signing and verifying DNS messages with a shared HMAC key. Pure: time arrives as
 * an argument (seconds since the epoch), keys through a lookup; node:crypto computes the HMACs and
 * compares them in constant time. Secrets never leave a TsigKey (nothing here logs).
 *
 * Request: verifyRequest() -> 'ok' (sign the reply with signResponse), or a TSIG error to answer
 * with tsigErrorResponse(). Transfers: TsigStreamSigner signs each message of a multi-message
 * response (RFC 8945 5.3.1), TsigStreamVerifier checks such a stream on the client side.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { algorithmInfo, isAcceptableMacLength, tsigAlgorithm, type TsigAlgorithm } from './algorithms.js'
import {
  CLASS_ANY, canonicalNameWire, encodeTsigRecord, findTsig, RCODE_NOTAUTH, TSIG_ERRORS, uint48,
  type TsigErrorName, type TsigRecord,
} from './tsig-record.js'

export { TSIG_ERRORS, RCODE_NOTAUTH, type TsigRecord, type TsigErrorName }

/** RFC 8945 10: 300 seconds is the recommended fudge. */
export const DEFAULT_FUDGE_SECONDS = 300

export interface TsigKey {
  /** Key name as a lookup key: lower case, no trailing dot. */
  name: string
  algorithm: TsigAlgorithm
  secret: Buffer
}

export type TsigKeyLookup = (name: string) => TsigKey | undefined

export type TsigVerification =
  | { kind: 'unsigned' }
  /** Malformed TSIG (not last, bad RDATA, MAC of an impossible length): answer FORMERR unsigned. */
  | { kind: 'formerr' }
  /** Verified: sign the reply with `requestMac` (signResponse). */
  | { kind: 'ok'; key: TsigKey; tsig: TsigRecord }
  /** RFC 8945 5.2: NOTAUTH with this TSIG error (tsigErrorResponse). */
  | { kind: 'error'; error: Exclude<TsigErrorName, 'NOERROR'>; tsig: TsigRecord; key?: TsigKey }

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n & 0xffff, 0)
  return b
}

/** RFC 8945 4.3.3: the TSIG variables that follow the message in the digest. */
function tsigVariables(t: TsigRecord): Buffer {
  const ttlClass = Buffer.alloc(6)
  ttlClass.writeUInt16BE(CLASS_ANY, 0)
  return Buffer.concat([
    canonicalNameWire(t.keyName), ttlClass, canonicalNameWire(t.algorithmName), uint48(t.timeSigned), u16(t.fudge),
    u16(t.error), u16(t.otherData.length), t.otherData,
  ])
}

/** RFC 8945 4.3.1: a prior MAC enters a digest as its length and bytes. */
function macPart(mac: Buffer | undefined): Buffer[] {
  return mac === undefined ? [] : [u16(mac.length), mac]
}

function hmac(key: TsigKey, parts: Buffer[]): Buffer {
  const h = createHmac(algorithmInfo(key.algorithm).digest, key.secret)
  for (const p of parts) h.update(p)
  return h.digest()
}

/** The message as signed: the TSIG RR cut off, ARCOUNT one less, the ID the signer used (RFC 8945 4.3.2). */
function unsignedPart(msg: Buffer, offset: number, originalId: number): Buffer {
  const out = Buffer.from(msg.subarray(0, offset))
  out.writeUInt16BE(originalId, 0)
  out.writeUInt16BE(out.readUInt16BE(10) - 1, 10)
  return out
}

/** Constant-time comparison of a received (possibly truncated) MAC with the computed one. */
function macMatches(received: Buffer, computed: Buffer): boolean {
  if (received.length === 0 || received.length > computed.length) return false
  return timingSafeEqual(received, computed.subarray(0, received.length))
}

function appendTsig(msg: Buffer, t: TsigRecord): Buffer {
  const out = Buffer.concat([msg, encodeTsigRecord(t)])
  out.writeUInt16BE(msg.readUInt16BE(10) + 1, 10)
  return out
}

export interface SignOptions {
  /** Seconds since the epoch. */
  now: number
  fudge?: number
  /** For a response: the request's MAC (RFC 8945 4.3.1). */
  requestMac?: Buffer
  /** TSIG error to carry (BADTIME answers are signed). */
  error?: number
  otherData?: Buffer
  /** Time Signed to write instead of `now` (a BADTIME answer repeats the request's, RFC 8945 5.2.3). */
  timeSigned?: number
}

/** Signs `msg` (no TSIG yet) with `key`: the message with its TSIG RR appended, and the MAC. */
export function signMessage(msg: Buffer, key: TsigKey, opts: SignOptions): { message: Buffer; mac: Buffer } {
  const t: TsigRecord = {
    keyName: key.name, algorithmName: key.algorithm, timeSigned: opts.timeSigned ?? opts.now, fudge: opts.fudge ?? DEFAULT_FUDGE_SECONDS,
    mac: Buffer.alloc(0), originalId: msg.readUInt16BE(0), error: opts.error ?? 0, otherData: opts.otherData ?? Buffer.alloc(0),
  }
  t.mac = hmac(key, [...macPart(opts.requestMac), msg, tsigVariables(t)])
  return { message: appendTsig(msg, t), mac: t.mac }
}

/**
 * Verifies a request's TSIG against `lookup` at `now` (seconds), in RFC 8945 5.2's order: key
 * (BADKEY), MAC (BADSIG; FORMERR for an impossible MAC length), then time (BADTIME).
 */
export function verifyRequest(msg: Buffer, lookup: TsigKeyLookup, now: number): TsigVerification {
  const found = findTsig(msg)
  if (found === undefined) return { kind: 'unsigned' }
  if (found === 'formerr') return { kind: 'formerr' }
  const tsig = found.record
  const key = lookup(tsig.keyName)
  if (!key || tsigAlgorithm(tsig.algorithmName) !== key.algorithm) return { kind: 'error', error: 'BADKEY', tsig }
  if (!isAcceptableMacLength(key.algorithm, tsig.mac.length)) return { kind: 'formerr' }
  const computed = hmac(key, [unsignedPart(msg, found.offset, tsig.originalId), tsigVariables(tsig)])
  if (!macMatches(tsig.mac, computed)) return { kind: 'error', error: 'BADSIG', tsig, key }
  if (Math.abs(now - tsig.timeSigned) > tsig.fudge) return { kind: 'error', error: 'BADTIME', tsig, key }
  return { kind: 'ok', key, tsig }
}

/** Signs the reply to a verified request (RFC 8945 4.3.1: the request MAC leads the digest). */
export function signResponse(response: Buffer, request: Extract<TsigVerification, { kind: 'ok' }>, now: number): Buffer {
  return signMessage(response, request.key, { now, fudge: request.tsig.fudge, requestMac: request.tsig.mac }).message
}

/**
 * The reply to a request that failed TSIG: `response` (header and question, no TSIG) gets RCODE
 * NOTAUTH and a TSIG RR with the error. BADKEY and BADSIG replies are unsigned (empty MAC: we
 * cannot or must not use the key, RFC 8945 5.2.1/5.2.2); BADTIME is signed with the request MAC and
 * carries our time in Other Data (RFC 8945 5.2.3).
 */
export function tsigErrorResponse(response: Buffer, failure: Extract<TsigVerification, { kind: 'error' }>, now: number): Buffer {
  const out = Buffer.from(response)
  out.writeUInt16BE((out.readUInt16BE(2) & ~0x0f) | RCODE_NOTAUTH, 2)
  const error = TSIG_ERRORS[failure.error]
  if (failure.error === 'BADTIME' && failure.key) {
    return signMessage(out, failure.key, {
      now, fudge: failure.tsig.fudge, requestMac: failure.tsig.mac, error, otherData: uint48(now), timeSigned: failure.tsig.timeSigned,
    }).message
  }
  const t = failure.tsig
  return appendTsig(out, { ...t, timeSigned: now, mac: Buffer.alloc(0), originalId: out.readUInt16BE(0), error, otherData: Buffer.alloc(0) })
}

/**
 * Signs every message of a multi-message response (AXFR/IXFR over TCP, RFC 8945 5.3.1): the first
 * with the request MAC and the full TSIG variables, each later one with the prior MAC, the message
 * and the timers only. We sign every message (the RFC allows gaps of up to 99; none is simpler).
 */
export class TsigStreamSigner {
  private prior: Buffer | undefined

  constructor(
    private readonly key: TsigKey,
    private readonly requestMac: Buffer,
    private readonly fudge = DEFAULT_FUDGE_SECONDS,
  ) {}

  /** `msg` (no TSIG) signed as the next message of the stream at `now` (seconds). */
  sign(msg: Buffer, now: number): Buffer {
    if (this.prior === undefined) {
      const s = signMessage(msg, this.key, { now, fudge: this.fudge, requestMac: this.requestMac })
      this.prior = s.mac
      return s.message
    }
    const t: TsigRecord = {
      keyName: this.key.name, algorithmName: this.key.algorithm, timeSigned: now, fudge: this.fudge,
      mac: Buffer.alloc(0), originalId: msg.readUInt16BE(0), error: 0, otherData: Buffer.alloc(0),
    }
    t.mac = hmac(this.key, [...macPart(this.prior), msg, uint48(now), u16(this.fudge)])
    this.prior = t.mac
    return appendTsig(msg, t)
  }
}

export type StreamCheck = { ok: true } | { ok: false; reason: 'unsigned' | 'formerr' | 'wrong_key' | 'bad_mac' | 'bad_time' | 'tsig_error' }

/**
 * The client side of TsigStreamSigner (and of a single signed reply): checks each message of a
 * response to a request signed with `requestMac`. Messages without TSIG are allowed between signed
 * ones (RFC 8945 5.3.1: at most 99) and enter the next digest; the first and last must be signed.
 */
export class TsigStreamVerifier {
  private prior: Buffer
  private pending: Buffer[] = []
  private first = true

  constructor(
    private readonly key: TsigKey,
    requestMac: Buffer,
  ) {
    this.prior = requestMac
  }

  /** Checks the next message at `now` (seconds). */
  verify(msg: Buffer, now: number): StreamCheck {
    const found = findTsig(msg)
    if (found === 'formerr') return { ok: false, reason: 'formerr' }
    if (found === undefined) {
      if (this.first || this.pending.length >= 99) return { ok: false, reason: 'unsigned' }
      this.pending.push(msg)
      return { ok: true }
    }
    const t = found.record
    if (t.keyName !== this.key.name || tsigAlgorithm(t.algorithmName) !== this.key.algorithm) return { ok: false, reason: 'wrong_key' }
    const body = unsignedPart(msg, found.offset, t.originalId)
    const tail = this.first ? [tsigVariables(t)] : [uint48(t.timeSigned), u16(t.fudge)]
    const computed = hmac(this.key, [...macPart(this.prior), ...this.pending, body, ...tail])
    if (!macMatches(t.mac, computed)) return { ok: false, reason: 'bad_mac' }
    if (t.error !== 0) return { ok: false, reason: 'tsig_error' }
    if (Math.abs(now - t.timeSigned) > t.fudge) return { ok: false, reason: 'bad_time' }
    this.prior = t.mac
    this.pending = []
    this.first = false
    return { ok: true }
  }
}
