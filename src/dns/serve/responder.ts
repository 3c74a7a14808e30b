/**
 * DnsResponder: one DNS message in, its reply out (fast path for repeated UDP questions, general path
 * for the rest, forwarding through an UpstreamResolver on a miss). Owns no socket: the UDP and TCP
 * listeners call handle() and send what it returns. Reports one QueryEvent per answered query.
 */
import dnsPacket, { type Answer } from 'dns-packet'
import type { RecordIndex } from '../../store/record-index.js'
import type { ResolutionOutcome } from '../../stats/resolution.js'
import { setClampedTimeout } from '../../timers.js'
import type { UpstreamAnswer } from '../forward/upstream.js'
import { LocalAnswerer, type LocalRR } from '../local/answer.js'
import { isTransferOrMailQtype, TYPE_IXFR, TYPE_OPT, typeName } from '../../store/rr-types.js'
import { chaosAnswer } from './chaos.js'
import { isTransferQtype, peekQtype, type TransferAnswer, type TransferService } from '../xfr/transfer.js'
import { encodeResponse } from '../wire/encode-response.js'
import { edeOption, EDNS_FLAG_DO, HEADER_FLAG_CD, mayCarryAd, withoutDnssec } from '../wire/dnssec-ok.js'
import {
  CLASS_CH,
  CLASS_IN,
  CLASSIC_UDP_BYTES,
  DEFAULT_EDNS_UDP_BYTES,
  MAX_DNS_MESSAGE_BYTES,
  parseQuery,
  RCODES,
  rcodeName,
  responseFlags,
  TYPE_ANY,
  type ParsedQuery,
  type WireRR,
} from '../wire/wire.js'
import { isUpdateMessage } from '../update/update-message.js'
import { cachedEntry, FastPathCache, type FastEntry } from './fast-path.js'
import type { DnsServerDeps, DnsServerOptions, UpdateService } from './options.js'
import { QueryTally, type DnsCounters, type QueryTransport, type TcpAdmission } from './query-event.js'
import { blockedAnswer } from '../block/blocked-answer.js'
import type { AnswerSections, SignedAnswer } from '../../dnssec/online-signer.js'

/** The messages of a zone transfer for a stream transport (TransferAnswer's). */
export type TransferReply = Pick<TransferAnswer, 'messages' | 'more' | 'abort'>

export type Reply = Buffer | undefined | Promise<Buffer | undefined>

const NO_MESSAGE_YET = Buffer.alloc(0)

const packetAnswer = (dnsPacket as unknown as { answer: { encode(a: Answer): Buffer } }).answer

/** Splits a dns-packet Answer into our wire form (owner + body), or undefined if it cannot be encoded. */
export function wireFromAnswer(a: Answer): WireRR | undefined {
  if (a.type === 'OPT') return undefined
  let bytes: Buffer
  try {
    bytes = packetAnswer.encode(a)
  } catch {
    return undefined // the resolver handed us something dns-packet cannot encode: leave it out
  }
  let off = 0
  while (off < bytes.length && bytes[off] !== 0) off += bytes[off] + 1
  if (off >= bytes.length) return undefined
  return { name: a.name.replace(/\.$/, '').toLowerCase(), nameBytes: bytes.subarray(0, off + 1), body: bytes.subarray(off + 1) }
}

function answerText(a: Answer): string {
  return typeof (a as { data?: unknown }).data === 'string' ? `${a.type} ${(a as { data: string }).data}` : a.type
}

/** What the event of one general-path answer needs besides the question. */
interface EventInfo {
  started: number
  clientIp: string | undefined
  transport: QueryTransport
  qtype: string
  outcome: ResolutionOutcome
  upstream?: string
  record?: string
}

/**
 * Turns one DNS message into its reply: synchronously for local answers (UDP fast path first),
 * as a promise when forwarding. Never throws; returns undefined when the message gets no reply.
 */
export class DnsResponder {
  readonly fast: FastPathCache
  private readonly tally = new QueryTally()
  private readonly answerer: LocalAnswerer
  private readonly ednsPayload: number
  private readonly now: () => number
  private checkedGeneration = -1
  private blockGeneration = 0
  /** The index the local answers and the fast path were last caught up with. */
  private followed: RecordIndex | undefined
  /** Aborted by close(): cancels forwards in flight. */
  private readonly abort = new AbortController()

  constructor(
    private readonly opts: DnsServerOptions,
    private readonly deps: DnsServerDeps,
  ) {
    const xfr = deps.xfr
    this.answerer = new LocalAnswerer({
      localRecordsEnabled: opts.localRecordsEnabled, autoBuildPtrFromA: opts.autoBuildPtrFromA, minimalAny: opts.minimalAny,
      soaSerial: xfr ? (apex) => xfr.soaSerial(apex) : undefined,
    })
    this.ednsPayload = opts.maxEdnsUdpPayload > 0 ? Math.min(opts.maxEdnsUdpPayload, DEFAULT_EDNS_UDP_BYTES) : DEFAULT_EDNS_UDP_BYTES
    this.fast = new FastPathCache(this.ednsPayload)
    this.now = deps.now ?? Date.now
  }

  /** Counters derived from the query events (plus the TCP listener's admissions, see tcpAdmission). */
  get counters(): DnsCounters {
    return this.tally.counters
  }

  /** Where the TCP listener reports accepted, evicted and refused connections (DnsCounters tcp_*). */
  tcpAdmission(what: TcpAdmission): void {
    this.tally.tcp(what)
  }

  /** Cancels forwards in flight (their replies become SERVFAIL/NODATA and are dropped by the server). */
  close(): void {
    this.abort.abort()
  }

  /**
   * Handles one message from `clientIp` over `transport`, within the limits of `deps.limiter`.
   * `sendsAtOnce`: the caller sends a synchronous reply before it calls handle() again and no earlier
   * reply is still queued, so a fast-path hit may return the cache's own bytes, patched (no copy).
   * Only for the one UDP socket of a responder (DnsServer binds one): a second socket would have to
   * check the other's send queue too.
   */
  handle(msg: Buffer, transport: QueryTransport, clientIp?: string, sendsAtOnce = false): Reply {
    const limiter = this.deps.limiter
    if (!limiter || clientIp === undefined) return this.answer(msg, transport, clientIp, sendsAtOnce)
    if (limiter.admit(clientIp, transport === 'udp', this.now()) === 'refuse') return this.refuse(msg)
    const r = this.answer(msg, transport, clientIp, sendsAtOnce)
    if (transport !== 'udp' || r === undefined) return r
    if (Buffer.isBuffer(r)) return limiter.shapeUdpReply(r, msg.length, clientIp, this.now())
    return r.then((b) => b && limiter.shapeUdpReply(b, msg.length, clientIp, this.now()))
  }

  /** A query over the rate limit: REFUSED (the original's answer), counted but not logged as a resolution. */
  private refuse(msg: Buffer): Buffer | undefined {
    this.tally.received()
    const parsed = parseQuery(msg)
    if (parsed.kind !== 'query') return undefined // nothing worth an answer while over the limit
    this.tally.answered('none', RCODES.REFUSED, false)
    return this.encode(parsed.query, RCODES.REFUSED, false, false, [], [])
  }

  private answer(msg: Buffer, transport: QueryTransport, clientIp: string | undefined, sendsAtOnce: boolean): Reply {
    this.tally.received()
    if (this.deps.update && isUpdateMessage(msg)) return this.update(msg, transport, clientIp)
    const index = this.deps.getIndex()
    this.follow(index)
    let fastKey: string | undefined
    if (transport === 'udp') {
      const resolver = this.deps.resolver
      const cacheGen = resolver?.cacheGeneration ? resolver.cacheGeneration() : -1
      // a reloaded block list may now cover names whose forwarded answers the fast path holds
      const blockGen = this.deps.blocklist?.generation ?? 0
      if (blockGen !== this.blockGeneration) {
        this.fast.clear()
        this.blockGeneration = blockGen
      }
      const found = this.fast.lookup(msg, index, this.now, cacheGen)
      if (typeof found === 'number') return this.hit(found, msg, clientIp, sendsAtOnce)
      fastKey = found
    }
    const started = this.now()
    const parsed = parseQuery(msg)
    if (parsed.kind === 'drop') return undefined
    if (parsed.kind === 'error') return this.malformed(parsed)
    const q = parsed.query
    // every stream transport (TCP, DoT, DoH) carries up to 64 KiB; only UDP has a payload limit
    const limit = transport !== 'udp' ? MAX_DNS_MESSAGE_BYTES : q.edns ? Math.max(CLASSIC_UDP_BYTES, Math.min(q.edns.udpSize, this.ednsPayload)) : CLASSIC_UDP_BYTES
    const qtype = typeName(q.qtype)
    const ev: EventInfo = { started, clientIp, transport, qtype, outcome: 'none', upstream: undefined, record: undefined }
    if (q.qclass === CLASS_CH) {
      const txt = chaosAnswer(q, this.opts)
      if (txt) return this.reply(q, RCODES.NOERROR, false, [txt], [], limit, ev) // not zone data: AA=0, as knotd
    }
    // Only class IN is served; other classes (CH, HS, ANY) are refused rather than guessed at.
    if (q.qclass !== CLASS_IN) return this.reply(q, RCODES.REFUSED, false, [], [], limit, ev)
    // RFC 1995 2: IXFR over UDP gets our SOA alone (the client retries over TCP); AXFR over UDP is not defined
    if (q.qtype === TYPE_IXFR && transport === 'udp' && this.deps.xfr) return this.transferAnswer(q, msg, false, ev).messages[0]
    if ((q.qtype === TYPE_ANY && this.opts.refuseAny) || isTransferOrMailQtype(q.qtype)) {
      return this.reply(q, RCODES.NOTIMP, false, [], [], limit, ev)
    }
    if (q.qtype === TYPE_OPT) return this.reply(q, RCODES.FORMERR, false, [], [], limit, ev)
    if (index.generation !== this.checkedGeneration) this.warnTtlConflicts(index)
    // what the answer reads decides which record changes drop its fast-path entry
    const reads = fastKey !== undefined ? new Set<string>() : undefined
    const local = this.answerer.answer(index, q.qkey, q.qtype, reads)
    if (local.kind === 'answer') {
      const signed = this.signed(q, index, local)
      const ans = signed ?? local
      const rcode = RCODES[ans.rcode]
      const dnssecOk = signed !== undefined
      const full = this.encode(q, rcode, ans.aa, false, ans.answers, ans.authorities, false, ans.additionals, dnssecOk)
      const record = ans.answers[0]?.text
      // a signed entry is dropped when one of its signatures is due to be made anew
      const expiry = signed && Number.isFinite(signed.refreshAt) ? { validUntil: signed.refreshAt } : {}
      if (fastKey !== undefined) this.fast.store(fastKey, { bytes: full, qname: q.qkey, qtype, rcode: ans.rcode, record, ...expiry }, reads)
      ev.outcome = 'local'
      ev.record = record
      // RFC 2181 9: additional data that does not fit is left out without setting TC
      const out = full.length > limit && ans.additionals.length > 0 ? this.encode(q, rcode, ans.aa, false, ans.answers, ans.authorities, false, undefined, dnssecOk) : full
      return this.finish(q, rcode, out, limit, ev)
    }
    // Local records win over block lists; a blocked name is never forwarded (docs/block-lists.md)
    if (local.chain.length === 0 && this.deps.blocklist?.has(q.qkey)) {
      ev.outcome = 'blocked'
      return this.reply(q, RCODES.NOERROR, true, blockedAnswer(q.qname, q.qtype, wireFromAnswer), [], limit, ev)
    }
    // A chain that leaves local data with forwarding off: what we have is the answer, ours (as knotd)
    if (!this.deps.resolver && local.chain.length > 0) {
      ev.outcome = 'local'
      ev.record = local.chain[0].text
      return this.reply(q, RCODES.NOERROR, true, local.chain, [], limit, ev)
    }
    return this.forward(q, local.chain, local.target, local.nodataOnMiss, limit, ev, fastKey, index, reads)
  }

  /** A fast-path answer (`at`: the hit's slab offset): the cached bytes for this query, counted and reported without an event object. */
  private hit(at: number, msg: Buffer, clientIp: string | undefined, inPlace: boolean): Buffer {
    const sink = this.deps.sink
    const fast = this.fast
    const cached = fast.isCached(at)
    // one clock read: local answers need it only for the sink, cached ones also to count their TTLs down
    const now = sink !== undefined || cached ? this.now() : 0
    const out = inPlace ? fast.renderInPlace(at, msg, now) : fast.render(at, msg, now)
    this.tally.answered(cached ? 'cache' : 'local', out[3] & 0x0f, false)
    if (sink === undefined) return out
    const found = fast.entryAt(at)
    if (sink.recordHit) sink.recordHit(now, clientIp, found)
    else sink.record({ at: now, client_ip: clientIp, qname: found.qname, qtype: found.qtype, outcome: found.outcome, rcode: found.rcode, record: found.record, duration_ms: 0, transport: 'udp', truncated: false })
    return out
  }

  /**
   * Catches the local answers and the fast path up with `index` at the cost of what changed since the
   * last one (called per query, and by the daemon on every record change so a query never waits).
   */
  follow(index: RecordIndex): void {
    if (index === this.followed) return
    this.followed = index
    this.fast.advance(index, this.answerer.sync(index))
  }

  /** An RFC 2136 UPDATE: the handler answers; the event names the zone, qtype UPDATE, outcome 'update'. */
  private async update(msg: Buffer, transport: QueryTransport, clientIp: string | undefined): Promise<Buffer> {
    const started = this.now()
    const { reply, report } = await (this.deps.update as UpdateService).handle(msg, clientIp)
    const rcode = reply[3] & 0x0f
    this.tally.answered('update', rcode, false)
    const at = this.now()
    this.deps.sink?.record({
      at, client_ip: clientIp, qname: report.zone, qtype: 'UPDATE', outcome: 'update', rcode: report.rcode,
      record: report.rcode === 'NOERROR' ? `+${report.added} -${report.removed}` : undefined, duration_ms: Math.max(0, at - started), transport, truncated: false,
    })
    return reply
  }

  /**
   * AXFR/IXFR over a stream transport (TCP, DoT): the messages of the answer (a large AXFR: its first ones
   * and `more`, see TransferAnswer), or undefined when `msg` is no transfer question (then handle() answers it).
   */
  transfer(msg: Buffer, transport: QueryTransport, clientIp?: string): TransferReply | undefined {
    if (!this.deps.xfr || !isTransferQtype(peekQtype(msg))) return undefined
    const parsed = parseQuery(msg)
    if (parsed.kind !== 'query' || parsed.query.qclass !== CLASS_IN) return undefined
    this.tally.received()
    const ev: EventInfo = { started: this.now(), clientIp, transport, qtype: typeName(parsed.query.qtype), outcome: 'local' }
    return this.transferAnswer(parsed.query, msg, true, ev)
  }

  private transferAnswer(q: ParsedQuery, msg: Buffer, stream: boolean, ev: EventInfo): TransferReply {
    const a = (this.deps.xfr as TransferService).transfer(q, msg, stream, ev.clientIp)
    ev.outcome = a.rcode === RCODES.NOERROR ? 'local' : 'none'
    ev.record = a.serial === undefined ? undefined : `SOA serial ${a.serial} (${a.kind}, ${a.rrs} RRs)`
    // counted once, when it starts (a streamed AXFR may not have packed a message yet): no transfer message is ever truncated
    this.finish(q, a.rcode, a.messages.at(-1) ?? NO_MESSAGE_YET, MAX_DNS_MESSAGE_BYTES, ev)
    return { messages: a.messages, more: a.more, abort: a.abort }
  }

  /** A message that parsed only as far as its header: FORMERR, NOTIMP or BADVERS, counted but not a resolution. */
  private malformed(parsed: Extract<ReturnType<typeof parseQuery>, { kind: 'error' }>): Buffer {
    const ext = parsed.rcode === 'BADVERS' ? RCODES.BADVERS : 0
    const rcode = RCODES[parsed.rcode] & 0x0f
    this.tally.answered('none', rcode, false)
    return encodeResponse({
      id: parsed.id,
      flags: responseFlags({ opcode: (parsed.flags >> 11) & 0x0f, aa: false, tc: false, rd: (parsed.flags & 0x100) !== 0, ra: this.deps.resolver !== undefined, ad: false, cd: (parsed.flags & 0x10) !== 0, rcode }),
      question: parsed.question,
      answers: [],
      authorities: [],
      edns: parsed.edns ? { udpSize: this.ednsPayload, extendedRcode: ext >> 4 } : undefined,
    })
  }

  private async forward(
    q: ParsedQuery, chain: LocalRR[], target: string, nodataOnMiss: boolean, limit: number, ev: EventInfo,
    fastKey?: string, index?: RecordIndex, reads?: ReadonlySet<string>,
  ): Promise<Buffer | undefined> {
    const res = await this.resolve(target === q.qkey ? q.qname : target, ev.qtype)
    const dnssecOk = q.edns !== undefined && (q.edns.flags & EDNS_FLAG_DO) !== 0
    const cd = (q.flags & HEADER_FLAG_CD) !== 0
    // dnssec_validate_strict: a bogus answer is SERVFAIL with its Extended DNS Error, unless CD asks for it anyway.
    if (res.kind === 'answer' && res.bogus && !cd) {
      const bytes = encodeResponse({
        id: q.id,
        flags: responseFlags({ opcode: q.opcode, aa: false, tc: false, rd: (q.flags & 0x100) !== 0, ra: true, ad: false, cd, rcode: RCODES.SERVFAIL }),
        question: q.question, qkey: q.qkey, answers: [], authorities: [],
        edns: q.edns ? { udpSize: this.ednsPayload, extendedRcode: 0 } : undefined,
        ednsOptions: edeOption(res.bogus.ede, res.bogus.reason),
      })
      ev.outcome = 'upstream'
      ev.upstream = res.upstream
      return this.finish(q, RCODES.SERVFAIL, bytes, limit, ev)
    }
    if (res.kind === 'answer') {
      const answers: WireRR[] = chain.slice()
      for (const a of dnssecOk ? res.answers : withoutDnssec(res.answers, ev.qtype)) {
        const w = wireFromAnswer(a)
        if (w) answers.push(w)
      }
      const authorities: WireRR[] = []
      for (const a of dnssecOk ? res.authorities : withoutDnssec(res.authorities, ev.qtype)) {
        const w = wireFromAnswer(a)
        if (w) authorities.push(w)
      }
      const rcode = res.rcode === 'NXDOMAIN' ? RCODES.NXDOMAIN : RCODES.NOERROR
      const ad = res.ad === true && chain.length === 0 && mayCarryAd(q.flags, q.edns?.flags)
      const full = this.encode(q, rcode, false, ad, answers, authorities, false, undefined, dnssecOk)
      const first = chain[0]?.text ?? (res.answers[0] ? answerText(res.answers[0]) : undefined)
      // A cached answer with no local CNAME in front is reused by the fast path, TTLs counted down,
      // while neither the records nor the cache changed (checked on every hit).
      // The fast-path key has the DO, AD and CD bits (wire.ts), so a DO answer with its RRSIGs, or one with AD, is
      // reused only for queries with the same bits.
      if (fastKey !== undefined && res.fromCache && chain.length === 0 && index === this.deps.getIndex()) {
        this.fast.store(fastKey, cachedEntry({ bytes: full, qname: q.qkey, qtype: ev.qtype, rcode: res.rcode, record: first }, this.now()), reads)
      }
      ev.outcome = res.fromCache ? 'cache' : 'upstream'
      ev.upstream = res.upstream
      ev.record = first
      return this.finish(q, rcode, full, limit, ev)
    }
    // Nothing usable upstream: a name we hold (or a local CNAME chain) gets NODATA, anything else SERVFAIL.
    if (nodataOnMiss) {
      ev.record = chain[0]?.text
      return this.reply(q, RCODES.NOERROR, false, chain, [], limit, ev)
    }
    return this.reply(q, RCODES.SERVFAIL, false, [], [], limit, ev)
  }

  private async resolve(name: string, type: string): Promise<UpstreamAnswer> {
    const resolver = this.deps.resolver
    if (!resolver || this.abort.signal.aborted) return { kind: 'none', reason: 'no_upstreams' }
    const ac = new AbortController()
    const onStop = (): void => ac.abort()
    this.abort.signal.addEventListener('abort', onStop, { once: true })
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<UpstreamAnswer>((resolve) => {
      timer = setClampedTimeout(() => {
        ac.abort()
        resolve({ kind: 'none', reason: 'timeout' })
      }, this.opts.upstreamTimeoutMs)
    })
    try {
      return await Promise.race([resolver.resolve({ name, type, class: 'IN' }, ac.signal), timedOut])
    } catch (err) {
      this.deps.log.warn({ err, qname: name, qtype: type }, 'resolver failed')
      return { kind: 'none', reason: 'all_failed' }
    } finally {
      clearTimeout(timer)
      this.abort.signal.removeEventListener('abort', onStop)
    }
  }

  /** Logs, once per record generation, the RRsets whose records disagree on the TTL (RFC 2181 5.2). */
  private warnTtlConflicts(index: RecordIndex): void {
    this.checkedGeneration = index.generation
    for (const c of this.answerer.ttlConflicts(index)) {
      this.deps.log.warn({ name: c.name, type: c.type, ttls: c.ttls, ttl: c.served }, 'records of one RRset have different TTLs; serving one TTL (RFC 2181 5.2)')
    }
  }

  /** The signed form of a local answer when the query has DO set and the name is in the signed zone (docs/dnssec.md). */
  private signed(q: ParsedQuery, index: RecordIndex, local: AnswerSections): SignedAnswer | undefined {
    const signer = this.deps.signer
    if (!signer || !q.edns || (q.edns.flags & EDNS_FLAG_DO) === 0 || !signer.covers(q.qkey)) return undefined
    return signer.sign(local, q.qkey, q.qtype, (key) => this.answerer.typesAt(index, key), this.now())
  }

  private encode(q: ParsedQuery, rcode: number, aa: boolean, ad: boolean, answers: readonly WireRR[], authorities: readonly WireRR[], tc = false, additionals?: readonly WireRR[], dnssecOk = false): Buffer {
    return encodeResponse({
      id: q.id,
      flags: responseFlags({ opcode: q.opcode, aa, tc, rd: (q.flags & 0x100) !== 0, ra: this.deps.resolver !== undefined, ad, cd: (q.flags & 0x10) !== 0, rcode }),
      question: q.question,
      qkey: q.qkey,
      answers,
      authorities,
      additionals,
      edns: q.edns ? { udpSize: this.ednsPayload, extendedRcode: 0, ...(dnssecOk ? { dnssecOk } : {}) } : undefined,
    })
  }

  private reply(q: ParsedQuery, rcode: number, aa: boolean, answers: readonly WireRR[], authorities: readonly WireRR[], limit: number, ev: EventInfo): Buffer {
    return this.finish(q, rcode, this.encode(q, rcode, aa, false, answers, authorities), limit, ev)
  }

  /** Applies the size limit (RFC 2181 9 / RFC 6891 7: TC=1, sections emptied, question kept) and emits the event. */
  private finish(q: ParsedQuery, rcode: number, full: Buffer, limit: number, ev: EventInfo): Buffer {
    const truncated = full.length > limit
    const out = truncated ? this.encode(q, rcode, (full[2] & 0x04) !== 0, false, [], [], true) : full
    this.tally.answered(ev.outcome, rcode, truncated)
    const sink = this.deps.sink
    if (sink) {
      const at = this.now()
      sink.record({
        at, client_ip: ev.clientIp, qname: q.qkey, qtype: ev.qtype, outcome: ev.outcome, upstream: ev.upstream,
        rcode: rcodeName(rcode), record: ev.record, duration_ms: Math.max(0, at - ev.started), transport: ev.transport, truncated,
      })
    }
    return out
  }
}
