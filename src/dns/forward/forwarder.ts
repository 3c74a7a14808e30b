/**
 * Forwards one question to upstream endpoints over UDP/TCP, all in parallel (spec 2.4).
 *
 * - Every query gets a fresh socket (OS-chosen source port) and a random 16-bit ID from node:crypto; a reply
 *   counts only if its ID, question and source address/port match (RFC 5452 9.1). Anything else is ignored.
 * - RD=1 and EDNS0 advertising a 1232-byte UDP payload (RFC 6891; 1232 avoids IP fragmentation, DNS flag day
 *   2020). An upstream that answers FORMERR without an OPT record is asked once more without EDNS
 *   (RFC 6891 7). A TC=1 UDP reply is retried over TCP to the same endpoint (RFC 7766 5).
 * - The first NOERROR reply with at least one answer wins and cancels the rest. Otherwise NXDOMAIN/NODATA
 *   replies are relayed (NODATA preferred: some upstream has the name) once every endpoint has replied or
 *   the deadline passes; with no usable reply the result is kind 'none'.
 * Adapter: owns sockets and timers; close() cancels everything in flight.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { randomInt } from 'node:crypto'
import packet from 'dns-packet'
import type { Answer, DecodedPacket, Packet, Question } from 'dns-packet'
import { canonicalIp } from '../../store/record.js'
import { setClampedTimeout } from '../../timers.js'
import { toPacketType } from '../wire/upstream-rr.js'
import type { UpstreamEndpoint } from './upstream-select.js'
import { closeEncryptedUpstreams, exchangeDoh, exchangeDot, type EncryptedResult } from './encrypted-upstream.js'

/** EDNS0 UDP payload size we advertise to upstreams. */
export const EDNS_UDP_PAYLOAD_BYTES = 1232
/** Largest DNS message we accept from an upstream (the TCP length prefix limit). */
export const MAX_DNS_MESSAGE_BYTES = 65_535
/** Default bound on concurrent endpoint queries; beyond it forward() fails fast with 'overloaded'. */
export const DEFAULT_MAX_IN_FLIGHT = 4096
/** Default overall deadline (the original's fixed 2 s). */
export const DEFAULT_FORWARD_TIMEOUT_MS = 2000

/** Why one endpoint gave no usable reply; a closed set (metric label). */
export type UpstreamFailureReason =
  | 'timeout'
  | 'network_error'
  | 'bad_response'
  | 'servfail'
  | 'refused'
  | 'other_rcode'
  | 'overloaded'
  | 'invalid_question'

export interface EndpointFailure {
  addressPort: string
  reason: UpstreamFailureReason
  /** The upstream's RCODE for the rcode reasons. */
  rcode?: string
}

export interface ForwardRequest {
  /** Query name, trailing dot optional. */
  name: string
  /** Mnemonic (`A`, `HTTPS`, `TYPE65`, ...). */
  type: string
  /** Default 'IN'. */
  class?: string
  endpoints: readonly UpstreamEndpoint[]
  /** Overall deadline for the whole fan-out. */
  timeoutMs: number
  signal?: AbortSignal
  /** Ask with DO and CD set (RFC 4035 3.2.1, RFC 6840 5.9): a validating forwarder checks the answer itself. */
  dnssec?: boolean
  /**
   * Ask with DO (without CD): a security-aware forwarder that does not validate still fetches the DNSSEC
   * records (RFC 4035 4.1) so it can pass them to DO clients (3.2.1); the server strips them for the others.
   */
  dnssecOk?: boolean
}

export type ForwardResult =
  | {
      kind: 'answer'
      rcode: 'NOERROR' | 'NXDOMAIN'
      answers: Answer[]
      authorities: Answer[]
      ad: boolean
      /** addressPort of the endpoint whose reply is relayed. */
      upstream: string
      /** Failures of the other endpoints seen before the result was decided. */
      failures: EndpointFailure[]
      /** The reply as received, for the validator; present when the request asked `dnssec`. */
      message?: Buffer
    }
  | { kind: 'none'; reason: 'timeout' | 'no_upstreams' | 'all_failed'; failures: EndpointFailure[] }

/** One upstream exchange over DoT or DoH (metrics): 'ok' for a matching reply, else why not. */
export interface EncryptedExchangeReport {
  transport: 'dot' | 'doh'
  outcome: 'ok' | UpstreamFailureReason
  durationMs: number
}
type ExchangeObserver = (r: EncryptedExchangeReport) => void
/** Abort reason once the fan-out is decided; exchanges cut by it are not reported. */
const SETTLED = Symbol('settled')

/** What the resolver and the health checker need from a forwarder (tests inject fakes). */
export interface Forwarder {
  forward(request: ForwardRequest): Promise<ForwardResult>
}

interface Wire {
  name: string
  type: string
  klass: string
  /** DO and CD, and the raw reply kept for the validator. */
  dnssec: boolean
  /** DO in the OPT record (set with `dnssec` too). */
  dnssecOk: boolean
}

type Exchange = { packet: DecodedPacket; raw: Buffer } | { failure: UpstreamFailureReason }

type EndpointOutcome =
  | { kind: 'positive' | 'negative'; packet: DecodedPacket; raw: Buffer; endpoint: UpstreamEndpoint }
  | { kind: 'failure'; failure: EndpointFailure }

/** UDP/TCP forwarder; one instance per daemon. */
export class NetworkForwarder implements Forwarder {
  readonly #maxInFlight: number
  readonly #observe: ExchangeObserver | undefined
  readonly #controllers = new Set<AbortController>()
  #inFlight = 0
  #closed = false

  /** `onEncryptedExchange` hears of every DoT/DoH exchange as it ends (metrics). */
  constructor(opts: { maxInFlight?: number; onEncryptedExchange?: ExchangeObserver } = {}) {
    this.#maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT
    this.#observe = opts.onEncryptedExchange
  }

  /** Endpoint queries currently running. */
  get inFlight(): number {
    return this.#inFlight
  }

  /** Queries every endpoint in parallel; never throws. */
  async forward(req: ForwardRequest): Promise<ForwardResult> {
    const n = req.endpoints.length
    if (n === 0) return { kind: 'none', reason: 'no_upstreams', failures: [] }
    const packetType = toPacketType(req.type)
    const klass = (req.class ?? 'IN').toUpperCase()
    if (!packetType || packetType === 'OPT' || req.name.length > 255) {
      return { kind: 'none', reason: 'all_failed', failures: [{ addressPort: '*', reason: 'invalid_question' }] }
    }
    if (this.#closed || this.#inFlight + n > this.#maxInFlight) {
      return { kind: 'none', reason: 'all_failed', failures: [{ addressPort: '*', reason: 'overloaded' }] }
    }
    const dnssec = req.dnssec === true
    const wire: Wire = { name: req.name.replace(/\.+$/, ''), type: packetType, klass, dnssec, dnssecOk: dnssec || req.dnssecOk === true }
    const controller = new AbortController()
    this.#controllers.add(controller)
    this.#inFlight += n
    const onOuterAbort = (): void => controller.abort()
    req.signal?.addEventListener('abort', onOuterAbort, { once: true })
    if (req.signal?.aborted) controller.abort()
    const timer = setClampedTimeout(() => controller.abort(), req.timeoutMs)
    try {
      return await this.#fanOut(req.endpoints, wire, controller.signal)
    } finally {
      clearTimeout(timer)
      req.signal?.removeEventListener('abort', onOuterAbort)
      controller.abort(SETTLED) // the losers of the fan-out: cancelled, not timed out
      this.#controllers.delete(controller)
      this.#inFlight -= n
    }
  }

  /** Cancels every query in flight; later forward() calls fail fast. */
  close(): void {
    this.#closed = true
    for (const c of this.#controllers) c.abort()
    closeEncryptedUpstreams()
  }

  #fanOut(endpoints: readonly UpstreamEndpoint[], wire: Wire, signal: AbortSignal): Promise<ForwardResult> {
    return new Promise((resolve) => {
      let settled = false
      let pending = endpoints.length
      const negatives: EndpointOutcome[] = []
      const failures: EndpointFailure[] = []
      const settle = (result: ForwardResult): void => {
        if (settled) return
        settled = true
        signal.removeEventListener('abort', onAbort)
        resolve(result)
      }
      const bestNegative = (): ForwardResult | undefined => {
        const nodata = negatives.find((o) => o.kind === 'negative' && rcodeOf(o.packet) === 'NOERROR')
        const pick = nodata ?? negatives[0]
        return pick && pick.kind === 'negative' ? toAnswer(pick, failures) : undefined
      }
      const onAbort = (): void => settle(bestNegative() ?? { kind: 'none', reason: 'timeout', failures })
      signal.addEventListener('abort', onAbort, { once: true })
      if (signal.aborted) return onAbort()
      for (const endpoint of endpoints) {
        void queryEndpoint(endpoint, wire, signal, this.#observe).then((outcome) => {
          if (settled) return
          if (outcome.kind === 'positive') return settle(toAnswer(outcome, failures))
          if (outcome.kind === 'failure') failures.push(outcome.failure)
          else negatives.push(outcome)
          if (--pending === 0) settle(bestNegative() ?? { kind: 'none', reason: 'all_failed', failures })
        })
      }
    })
  }
}

/** dns-packet decodes the header RCODE to a mnemonic (its typings omit the field). */
function rcodeOf(p: DecodedPacket): string {
  return (p as { rcode?: string }).rcode ?? 'NOERROR'
}

function toAnswer(o: { packet: DecodedPacket; raw: Buffer; endpoint: UpstreamEndpoint }, failures: EndpointFailure[]): ForwardResult {
  const notOpt = (rr: Answer): boolean => rr.type !== 'OPT'
  const { packet: p, endpoint } = o
  return {
    ...(o.raw.length > 0 ? { message: o.raw } : {}),
    kind: 'answer',
    rcode: rcodeOf(p) === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR',
    answers: (p.answers ?? []).filter(notOpt),
    authorities: (p.authorities ?? []).filter(notOpt),
    ad: p.flag_ad,
    upstream: endpoint.addressPort,
    failures: [...failures],
  }
}

/** One endpoint: UDP (TCP for tcp rows or after TC=1), EDNS fallback on FORMERR; classified. */
async function queryEndpoint(endpoint: UpstreamEndpoint, wire: Wire, signal: AbortSignal, observe?: ExchangeObserver): Promise<EndpointOutcome> {
  const fail = (reason: UpstreamFailureReason, rcode?: string): EndpointOutcome => ({
    kind: 'failure',
    failure: rcode ? { addressPort: endpoint.addressPort, reason, rcode } : { addressPort: endpoint.addressPort, reason },
  })
  try {
    let edns = true
    for (let attempt = 0; attempt < 2; attempt++) {
      let ex = await exchange(endpoint, endpoint.transport, wire, edns, signal, observe)
      if ('packet' in ex && ex.packet.flag_tc && endpoint.transport === 'udp') {
        ex = await exchange(endpoint, 'tcp', wire, edns, signal)
      }
      if ('failure' in ex) return fail(ex.failure)
      const p = ex.packet
      const rcode = rcodeOf(p)
      const hasOpt = (p.additionals ?? []).some((rr) => rr.type === 'OPT')
      if (rcode === 'FORMERR' && edns && !hasOpt) {
        edns = false
        continue
      }
      if (rcode === 'NOERROR') {
        return { kind: (p.answers ?? []).length > 0 ? 'positive' : 'negative', packet: p, raw: wire.dnssec ? ex.raw : Buffer.alloc(0), endpoint }
      }
      if (rcode === 'NXDOMAIN') return { kind: 'negative', packet: p, raw: wire.dnssec ? ex.raw : Buffer.alloc(0), endpoint }
      if (rcode === 'SERVFAIL') return fail('servfail', rcode)
      if (rcode === 'REFUSED') return fail('refused', rcode)
      return fail('other_rcode', rcode)
    }
    return fail('other_rcode', 'FORMERR')
  } catch {
    // Anything unexpected (encoding a bad name, socket setup) counts as a network error for this endpoint only.
    return fail('network_error')
  }
}

function buildQuery(wire: Wire, id: number, edns: boolean): Buffer {
  const q: Packet = {
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED | (wire.dnssec ? packet.CHECKING_DISABLED : 0),
    // dns-packet types name only the mnemonics it knows; it encodes any TYPEnnn/CLASSnnn it is given
    questions: [{ name: wire.name, type: wire.type as Question['type'], class: wire.klass as Question['class'] }],
  }
  if (edns) {
    q.additionals = [
      { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_BYTES, extendedRcode: 0, ednsVersion: 0, flags: wire.dnssecOk ? packet.DNSSEC_OK : 0, flag_do: wire.dnssecOk, options: [] },
    ]
  }
  return packet.encode(q)
}

/** Decodes `buf` if it is the reply to our query (RFC 5452 9.1: ID and question must match), else undefined. */
export function matchResponse(buf: Buffer, id: number, wire: Wire): DecodedPacket | undefined {
  if (buf.length < 12 || buf.length > MAX_DNS_MESSAGE_BYTES) return undefined
  if (buf.readUInt16BE(0) !== id) return undefined
  let p: DecodedPacket
  try {
    p = packet.decode(buf)
  } catch {
    // Malformed reply: treated like no reply from this packet.
    return undefined
  }
  if (!p.flag_qr || (p.questions ?? []).length !== 1) return undefined
  const q = p.questions![0]
  // Names compare case-insensitively: upstreams may echo 0x20-randomised case.
  if (q.name.toLowerCase() !== wire.name.toLowerCase()) return undefined
  if (String(q.type) !== wire.type || String(q.class ?? 'IN') !== wire.klass) return undefined
  return p
}

function exchange(
  endpoint: UpstreamEndpoint, transport: UpstreamEndpoint['transport'], wire: Wire, edns: boolean, signal: AbortSignal, observe?: ExchangeObserver,
): Promise<Exchange> {
  const id = randomInt(0, 65_536)
  const query = buildQuery(wire, id, edns)
  if (transport === 'dot' || transport === 'doh') {
    const started = performance.now()
    const sent = transport === 'dot' ? exchangeDot(endpoint.address, endpoint.port, query, id, signal) : exchangeDoh(endpoint.url ?? '', query, signal)
    return sent.then((r) => {
      const ex = encrypted(r, id, wire)
      if (observe && signal.reason !== SETTLED) {
        observe({ transport, outcome: 'failure' in ex ? ex.failure : 'ok', durationMs: performance.now() - started })
      }
      return ex
    })
  }
  return transport === 'udp' ? exchangeUdp(endpoint, query, id, wire, signal) : exchangeTcp(endpoint, query, id, wire, signal)
}

function encrypted(r: EncryptedResult, id: number, wire: Wire): Exchange {
  if ('failure' in r) return r
  const p = matchResponse(r.reply, id, wire)
  return p ? { packet: p, raw: r.reply } : { failure: 'bad_response' }
}

function sameAddress(a: string, b: string): boolean {
  const ca = canonicalIp(a.replace(/^::ffff:(?=\d+\.)/i, ''))
  const cb = canonicalIp(b.replace(/^::ffff:(?=\d+\.)/i, ''))
  return ca !== undefined && ca === cb
}

function exchangeUdp(endpoint: UpstreamEndpoint, query: Buffer, id: number, wire: Wire, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(endpoint.address.includes(':') ? 'udp6' : 'udp4')
    let done = false
    const finish = (ex: Exchange): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      try {
        sock.close()
      } catch {
        // Already closed by an error path.
      }
      resolve(ex)
    }
    const onAbort = (): void => finish({ failure: 'timeout' })
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    sock.on('error', () => finish({ failure: 'network_error' }))
    sock.on('message', (msg, rinfo) => {
      // RFC 5452 9.1: only the address/port we asked may answer; wrong ID or question is ignored, not fatal.
      if (rinfo.port !== endpoint.port || !sameAddress(rinfo.address, endpoint.address)) return
      const p = matchResponse(msg, id, wire)
      if (p) finish({ packet: p, raw: msg })
    })
    sock.connect(endpoint.port, endpoint.address, () => {
      if (done) return
      sock.send(query, (err) => {
        if (err) finish({ failure: 'network_error' })
      })
    })
  })
}

function exchangeTcp(endpoint: UpstreamEndpoint, query: Buffer, id: number, wire: Wire, signal: AbortSignal): Promise<Exchange> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: endpoint.address, port: endpoint.port })
    let done = false
    const chunks: Buffer[] = []
    let received = 0
    const finish = (ex: Exchange): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      sock.destroy()
      resolve(ex)
    }
    const onAbort = (): void => finish({ failure: 'timeout' })
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    sock.setNoDelay(true)
    sock.on('error', () => finish({ failure: 'network_error' }))
    sock.on('close', () => finish({ failure: 'network_error' }))
    sock.on('connect', () => {
      const len = Buffer.alloc(2)
      len.writeUInt16BE(query.length, 0)
      sock.write(Buffer.concat([len, query]))
    })
    sock.on('data', (chunk: Buffer) => {
      received += chunk.length
      // The 2-byte prefix caps a message at 65535 bytes (RFC 1035 4.2.2); more means a broken peer.
      if (received > 2 + MAX_DNS_MESSAGE_BYTES) return finish({ failure: 'bad_response' })
      chunks.push(chunk)
      if (received < 2) return
      const all = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      const len = all.readUInt16BE(0)
      if (received < 2 + len) return
      const raw = all.subarray(2, 2 + len)
      const p = matchResponse(raw, id, wire)
      finish(p ? { packet: p, raw } : { failure: 'bad_response' })
    })
  })
}
