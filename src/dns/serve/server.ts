/**
 * The DNS service: UDP and TCP listeners around DnsResponder (fast path for repeated local
 * questions, general path for the rest, forwarding through an UpstreamResolver on a miss).
 * Takes its index, resolver, sink and logger as deps; imports no other service.
 */
import dgram from 'node:dgram'
import dns from 'node:dns'
import net, { type AddressInfo } from 'node:net'
import dnsPacket, { type Answer } from 'dns-packet'
import type { Logger } from 'pino'
import { DnsplaneError } from '../../errors.js'
import type { RecordIndex } from '../../store/record-index.js'
import type { ResolutionSink, ResolutionOutcome } from '../../stats/resolution.js'
import { clampDelayMs, setClampedTimeout } from '../../timers.js'
import { LocalAnswerer, type LocalRR } from '../local/answer.js'
import { cachedEntry, FastPathCache } from './fast-path.js'
import { typeName } from '../wire/rdata.js'
import { clientKey, TcpClientTable, type TcpClientEntry } from './tcp-clients.js'
import { encodeTcpFrame, TcpFrameDecoder } from '../wire/tcp-framing.js'
import type { UpstreamAnswer, UpstreamResolver } from '../forward/upstream.js'
import {
  CLASS_IN,
  CLASSIC_UDP_BYTES,
  DEFAULT_EDNS_UDP_BYTES,
  encodeResponse,
  MAX_DNS_MESSAGE_BYTES,
  parseQuery,
  RCODES,
  rcodeName,
  responseFlags,
  TYPE_ANY,
  type EdnsInfo,
  type ParsedQuery,
  type WireRR,
} from '../wire/wire.js'

export interface DnsServerOptions {
  /** Listen address: '' = all (dual-stack '::', else '0.0.0.0'), or an IP literal. */
  bind: string
  /** UDP and TCP port; 0 picks a free port (the same for both). */
  port: number
  localRecordsEnabled: boolean
  autoBuildPtrFromA: boolean
  /** Answer ANY questions with NOTIMP (the original's dns_refuse_any). */
  refuseAny: boolean
  /** EDNS UDP payload we advertise and honour; 0 = the default 1232; capped at 1232. */
  maxEdnsUdpPayload: number
  /** Close a TCP connection idle this long (default 10 s). */
  tcpIdleTimeoutMs: number
  /** Concurrent TCP connections (default 256); when full, the busiest client's oldest idle one makes room. */
  tcpMaxConnections: number
  /** Concurrent TCP connections of one client (IPv4 address, IPv6 /64); default 16. */
  tcpMaxConnectionsPerClient?: number
  /** Give up on the resolver after this long and answer NODATA/SERVFAIL. */
  upstreamTimeoutMs: number
}

export interface DnsServerDeps {
  getIndex: () => RecordIndex
  resolver?: UpstreamResolver
  sink?: ResolutionSink
  log: Logger
  now?: () => number
}

/** Plain counters, read by metrics and the dashboard. */
export interface DnsCounters {
  queries: number
  answered_local: number
  answered_cache: number
  answered_upstream: number
  nxdomain: number
  servfail: number
  formerr: number
  truncated: number
  tcp_connections: number
  /** Idle TCP connections closed to make room for a new one (RFC 7766 §6.2). */
  tcp_evicted: number
  /** New TCP connections closed at once: their client at its cap, or the server full with nothing idle. */
  tcp_refused: number
}

export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000
export const DEFAULT_TCP_MAX_CONNECTIONS = 256
export const DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT = 16
/** Queries in flight per TCP connection before we stop reading from it (RFC 7766 6.2.1.1 pipelining). */
export const MAX_TCP_INFLIGHT = 64
/** Unsent answers buffered per TCP connection before we stop reading its queries. */
export const MAX_TCP_WRITE_BUFFER_BYTES = 1024 * 1024
/** Socket buffers: bursts of hundreds of outstanding queries must not overflow the kernel queue. */
export const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

type Transport = 'udp' | 'tcp'
type Reply = Buffer | undefined | Promise<Buffer | undefined>

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

/**
 * Turns one DNS message into its reply: synchronously for local answers (UDP fast path first),
 * as a promise when forwarding. Never throws; returns undefined when the message gets no reply.
 */
export class DnsResponder {
  readonly counters: DnsCounters = {
    queries: 0, answered_local: 0, answered_cache: 0, answered_upstream: 0,
    nxdomain: 0, servfail: 0, formerr: 0, truncated: 0, tcp_connections: 0, tcp_evicted: 0, tcp_refused: 0,
  }
  readonly fast: FastPathCache
  private readonly answerer: LocalAnswerer
  private readonly ednsPayload: number
  private readonly now: () => number
  /** Aborted by stop(): cancels forwards in flight. */
  private readonly abort = new AbortController()

  constructor(
    private readonly opts: DnsServerOptions,
    private readonly deps: DnsServerDeps,
  ) {
    this.answerer = new LocalAnswerer({ localRecordsEnabled: opts.localRecordsEnabled, autoBuildPtrFromA: opts.autoBuildPtrFromA })
    this.ednsPayload = opts.maxEdnsUdpPayload > 0 ? Math.min(opts.maxEdnsUdpPayload, DEFAULT_EDNS_UDP_BYTES) : DEFAULT_EDNS_UDP_BYTES
    this.fast = new FastPathCache(this.ednsPayload)
    this.now = deps.now ?? Date.now
  }

  /** Cancels forwards in flight (their replies become SERVFAIL/NODATA and are dropped by the server). */
  close(): void {
    this.abort.abort()
  }

  /** Handles one message from `clientIp` over `transport`. */
  handle(msg: Buffer, transport: Transport, clientIp?: string): Reply {
    this.counters.queries++
    const index = this.deps.getIndex()
    let fastKey: string | undefined
    if (transport === 'udp') {
      const resolver = this.deps.resolver
      const cacheGen = resolver?.cacheGeneration ? resolver.cacheGeneration() : -1
      const hit = this.fast.answer(msg, index, this.now, cacheGen)
      if (hit) {
        const e = this.fast.lastHit as NonNullable<typeof this.fast.lastHit>
        const outcome = e.outcome ?? 'local'
        if (outcome === 'cache') this.counters.answered_cache++
        else this.counters.answered_local++
        if ((hit[3] & 0x0f) === RCODES.NXDOMAIN) this.counters.nxdomain++
        this.deps.sink?.record({ at: this.now(), client_ip: clientIp, qname: e.qname, qtype: e.qtype, outcome, rcode: e.rcode, record: e.record, duration_ms: 0 })
        return hit
      }
      fastKey = this.fast.pendingKey
    }
    const started = this.now()
    const parsed = parseQuery(msg)
    if (parsed.kind === 'drop') return undefined
    if (parsed.kind === 'error') {
      if (parsed.rcode === 'FORMERR') this.counters.formerr++
      const ext = parsed.rcode === 'BADVERS' ? RCODES.BADVERS : 0
      return encodeResponse({
        id: parsed.id,
        flags: responseFlags({ opcode: (parsed.flags >> 11) & 0x0f, aa: false, tc: false, rd: (parsed.flags & 0x100) !== 0, ra: this.deps.resolver !== undefined, ad: false, cd: (parsed.flags & 0x10) !== 0, rcode: RCODES[parsed.rcode] & 0x0f }),
        question: parsed.question,
        answers: [],
        authorities: [],
        edns: parsed.edns ? { udpSize: this.ednsPayload, extendedRcode: ext >> 4 } : undefined,
      })
    }
    const q = parsed.query
    const limit = transport === 'tcp' ? MAX_DNS_MESSAGE_BYTES : q.edns ? Math.max(CLASSIC_UDP_BYTES, Math.min(q.edns.udpSize, this.ednsPayload)) : CLASSIC_UDP_BYTES
    const qtype = typeName(q.qtype)
    // Only class IN is served; other classes (CH, HS, ANY) are refused rather than guessed at.
    if (q.qclass !== CLASS_IN) return this.reply(q, RCODES.REFUSED, false, [], [], limit, { started, clientIp, qtype, outcome: 'none' })
    if ((q.qtype === TYPE_ANY && this.opts.refuseAny) || q.qtype === 251 || q.qtype === 252 || q.qtype === 253 || q.qtype === 254) {
      return this.reply(q, RCODES.NOTIMP, false, [], [], limit, { started, clientIp, qtype, outcome: 'none' })
    }
    if (q.qtype === 41) {
      this.counters.formerr++
      return this.reply(q, RCODES.FORMERR, false, [], [], limit, { started, clientIp, qtype, outcome: 'none' })
    }
    const local = this.answerer.answer(index, q.qkey, q.qtype)
    if (local.kind === 'answer') {
      const rcode = local.rcode === 'NXDOMAIN' ? RCODES.NXDOMAIN : RCODES.NOERROR
      this.counters.answered_local++
      const full = this.encode(q, rcode, true, false, local.answers, local.authorities)
      if (fastKey !== undefined) {
        this.fast.store(fastKey, { bytes: full, qname: q.qkey, qtype, rcode: local.rcode, record: local.answers[0]?.text })
      }
      return this.finish(q, rcode, full, limit, { started, clientIp, qtype, outcome: 'local', record: local.answers[0]?.text })
    }
    return this.forward(q, local.chain, local.target, local.nodataOnMiss, limit, started, clientIp, qtype, fastKey, index)
  }

  private async forward(
    q: ParsedQuery, chain: LocalRR[], target: string, nodataOnMiss: boolean, limit: number, started: number,
    clientIp: string | undefined, qtype: string, fastKey?: string, index?: RecordIndex,
  ): Promise<Buffer | undefined> {
    const res = await this.resolve(target === q.qkey ? q.qname : target, qtype)
    if (res.kind === 'answer') {
      if (res.fromCache) this.counters.answered_cache++
      else this.counters.answered_upstream++
      const answers: WireRR[] = chain.slice()
      for (const a of res.answers) {
        const w = wireFromAnswer(a)
        if (w) answers.push(w)
      }
      const authorities: WireRR[] = []
      for (const a of res.authorities) {
        const w = wireFromAnswer(a)
        if (w) authorities.push(w)
      }
      const rcode = res.rcode === 'NXDOMAIN' ? RCODES.NXDOMAIN : RCODES.NOERROR
      const full = this.encode(q, rcode, false, res.ad === true && chain.length === 0, answers, authorities)
      const first = chain[0]?.text ?? (res.answers[0] ? answerText(res.answers[0]) : undefined)
      // A cached answer with no local CNAME in front is reused by the fast path, TTLs counted down,
      // while neither the records nor the cache changed (checked on every hit).
      if (fastKey !== undefined && res.fromCache && chain.length === 0 && index === this.deps.getIndex()) {
        this.fast.store(fastKey, cachedEntry({ bytes: full, qname: q.qkey, qtype, rcode: res.rcode, record: first }, this.now()))
      }
      return this.finish(q, rcode, full, limit, { started, clientIp, qtype, outcome: res.fromCache ? 'cache' : 'upstream', upstream: res.upstream, record: first })
    }
    // Nothing usable upstream: a name we hold (or a local CNAME chain) gets NODATA, anything else SERVFAIL.
    if (nodataOnMiss) return this.reply(q, RCODES.NOERROR, false, chain, [], limit, { started, clientIp, qtype, outcome: 'none', record: chain[0]?.text })
    return this.reply(q, RCODES.SERVFAIL, false, [], [], limit, { started, clientIp, qtype, outcome: 'none' })
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

  private encode(q: ParsedQuery, rcode: number, aa: boolean, ad: boolean, answers: readonly WireRR[], authorities: readonly WireRR[], tc = false): Buffer {
    return encodeResponse({
      id: q.id,
      flags: responseFlags({ opcode: q.opcode, aa, tc, rd: (q.flags & 0x100) !== 0, ra: this.deps.resolver !== undefined, ad, cd: (q.flags & 0x10) !== 0, rcode }),
      question: q.question,
      qkey: q.qkey,
      answers,
      authorities,
      edns: q.edns ? { udpSize: this.ednsPayload, extendedRcode: 0 } : undefined,
    })
  }

  private reply(q: ParsedQuery, rcode: number, aa: boolean, answers: readonly WireRR[], authorities: readonly WireRR[], limit: number, ev: EventInfo): Buffer {
    return this.finish(q, rcode, this.encode(q, rcode, aa, false, answers, authorities), limit, ev)
  }

  /** Applies the size limit (RFC 2181 9 / RFC 6891 7: TC=1, sections emptied, question kept) and records the event. */
  private finish(q: ParsedQuery, rcode: number, full: Buffer, limit: number, ev: EventInfo): Buffer {
    let out = full
    if (full.length > limit) {
      this.counters.truncated++
      out = this.encode(q, rcode, (full[2] & 0x04) !== 0, false, [], [], true)
    }
    if (rcode === RCODES.NXDOMAIN) this.counters.nxdomain++
    else if (rcode === RCODES.SERVFAIL) this.counters.servfail++
    const sink = this.deps.sink
    if (sink) {
      const at = this.now()
      sink.record({ at, client_ip: ev.clientIp, qname: q.qkey, qtype: ev.qtype, outcome: ev.outcome, upstream: ev.upstream, rcode: rcodeName(rcode), record: ev.record, duration_ms: Math.max(0, at - ev.started) })
    }
    return out
  }
}

/** A DNS-over-TCP connection as the client table sees it. */
interface TcpConn extends TcpClientEntry {
  readonly sock: net.Socket
}

interface EventInfo {
  started: number
  clientIp: string | undefined
  qtype: string
  outcome: ResolutionOutcome
  upstream?: string
  record?: string
}

/** dgram resolves the destination of every send(); for IP literals answer synchronously (no deferred dns.lookup). */
function syncLookup(host: string, opts: unknown, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  const family = net.isIP(host)
  if (family !== 0) {
    cb(null, host, family)
    return
  }
  const fam = typeof opts === 'number' ? opts : 0
  dns.lookup(host, { family: fam }, (err, address, f) => cb(err, address, f))
}

function bindError(err: NodeJS.ErrnoException, host: string, port: number, proto: string): DnsplaneError {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  let why = err.message
  if (err.code === 'EACCES') why = `port ${port} needs root or CAP_NET_BIND_SERVICE`
  else if (err.code === 'EADDRINUSE') why = `${where} is already in use`
  else if (err.code === 'EADDRNOTAVAIL') why = `address ${host} is not configured on this machine`
  return new DnsplaneError('ERR_BIND_FAILED', `cannot listen for DNS on ${where} (${proto}): ${why}; set "port" in dnsplane.json or pass --port`, { cause: err })
}

/** UDP + TCP DNS listeners. start() binds both (same port); stop() closes both and waits. */
export class DnsServer {
  private readonly responder: DnsResponder
  private readonly log: Logger
  private udp: dgram.Socket | undefined
  private tcp: net.Server | undefined
  private readonly tcpSockets = new Set<net.Socket>()
  private readonly tcpClients: TcpClientTable<TcpConn>
  private stopped = false

  constructor(
    private readonly opts: DnsServerOptions,
    deps: DnsServerDeps,
  ) {
    this.responder = new DnsResponder(opts, deps)
    this.log = deps.log.child({ component: 'dns' })
    this.tcpClients = new TcpClientTable(
      opts.tcpMaxConnections || DEFAULT_TCP_MAX_CONNECTIONS,
      opts.tcpMaxConnectionsPerClient || DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
    )
  }

  get counters(): DnsCounters {
    return this.responder.counters
  }

  /** Binds UDP then TCP on the same port. Throws DnsplaneError ERR_BIND_FAILED naming address, cause and fix. */
  async start(): Promise<{ udp: AddressInfo; tcp: AddressInfo }> {
    const hosts = this.opts.bind === '' ? ['::', '0.0.0.0'] : [this.opts.bind]
    let lastErr: unknown
    for (const host of hosts) {
      // with port 0 the kernel picks the UDP port; TCP may find it taken, so try a few times
      for (let attempt = 0; attempt < (this.opts.port === 0 ? 5 : 1); attempt++) {
        let udp: dgram.Socket | undefined
        try {
          udp = await this.bindUdp(host, this.opts.port)
          const port = udp.address().port
          const tcp = await this.listenTcp(host, port)
          this.udp = udp
          this.tcp = tcp
          const info = { udp: udp.address(), tcp: tcp.address() as AddressInfo }
          this.log.info({ udp: info.udp, tcp: info.tcp }, 'dns listening')
          return info
        } catch (err) {
          lastErr = err
          if (udp) await new Promise<void>((r) => udp?.close(() => r()))
          const code = (err as DnsplaneError).cause && ((err as DnsplaneError).cause as NodeJS.ErrnoException).code
          if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) break
          if (!(this.opts.port === 0 && code === 'EADDRINUSE')) throw err
        }
      }
    }
    throw lastErr
  }

  private bindUdp(host: string, port: number): Promise<dgram.Socket> {
    const sock = dgram.createSocket({
      type: host.includes(':') ? 'udp6' : 'udp4',
      ipv6Only: false,
      recvBufferSize: UDP_SOCKET_BUFFER_BYTES,
      sendBufferSize: UDP_SOCKET_BUFFER_BYTES,
      lookup: syncLookup as unknown as dgram.SocketOptions['lookup'],
    })
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        sock.close()
        reject(bindError(err, host, port, 'udp'))
      }
      sock.once('error', onError)
      sock.bind({ address: host, port, exclusive: true }, () => {
        sock.off('error', onError)
        sock.on('error', (err) => this.log.warn({ err }, 'udp socket error'))
        sock.on('message', (msg, rinfo) => this.onUdp(sock, msg, rinfo))
        resolve(sock)
      })
    })
  }

  private onUdp(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const r = this.responder.handle(msg, 'udp', rinfo.address)
    if (r === undefined) return
    if (Buffer.isBuffer(r)) {
      sock.send(r, rinfo.port, rinfo.address)
      return
    }
    r.then(
      (b) => {
        if (b && !this.stopped) sock.send(b, rinfo.port, rinfo.address)
      },
      (err: unknown) => this.log.error({ err }, 'dns handler failed'),
    )
  }

  private listenTcp(host: string, port: number): Promise<net.Server> {
    const server = net.createServer({ noDelay: true }, (sock) => this.onTcp(sock))
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(err, host, port, 'tcp')))
      server.listen({ host, port, ipv6Only: false, exclusive: true }, () => {
        server.removeAllListeners('error')
        server.on('error', (err) => this.log.warn({ err }, 'tcp server error'))
        resolve(server)
      })
    })
  }

  private onTcp(sock: net.Socket): void {
    const counters = this.responder.counters
    if (this.stopped) {
      sock.destroy()
      return
    }
    const conn: TcpConn = { key: clientKey(sock.remoteAddress ?? ''), inflight: 0, lastActive: 0, sock }
    const admission = this.tcpClients.admit(conn.key)
    if (!admission.admit) {
      counters.tcp_refused++
      sock.destroy()
      return
    }
    if (admission.evict) {
      counters.tcp_evicted++
      this.tcpClients.delete(admission.evict)
      admission.evict.sock.destroy()
    }
    counters.tcp_connections++
    this.tcpSockets.add(sock)
    this.tcpClients.add(conn)
    sock.setTimeout(clampDelayMs(this.opts.tcpIdleTimeoutMs || DEFAULT_TCP_IDLE_TIMEOUT_MS), () => sock.destroy())
    const decoder = new TcpFrameDecoder()
    let inflight = 0
    const clientIp = sock.remoteAddress
    // stop reading while too many queries are in flight or the client does not read its answers
    const busy = (): boolean => inflight >= MAX_TCP_INFLIGHT || sock.writableLength > MAX_TCP_WRITE_BUFFER_BYTES
    const send = (b: Buffer | undefined): void => {
      inflight--
      conn.inflight = inflight
      this.tcpClients.touch(conn)
      if (b && !sock.destroyed) sock.write(encodeTcpFrame(b))
      if (sock.isPaused() && !busy()) sock.resume()
    }
    sock.on('drain', () => {
      if (sock.isPaused() && !busy()) sock.resume()
    })
    sock.on('data', (chunk: Buffer) => {
      const frames = decoder.push(chunk)
      if (frames === 'invalid') {
        sock.destroy()
        return
      }
      if (frames.length > 0) this.tcpClients.touch(conn)
      for (const f of frames) {
        inflight++
        conn.inflight = inflight
        const r = this.responder.handle(f, 'tcp', clientIp)
        if (r === undefined || Buffer.isBuffer(r)) send(r)
        else r.then(send, (err: unknown) => {
          this.log.error({ err }, 'dns handler failed')
          send(undefined)
        })
      }
      if (busy()) sock.pause()
    })
    sock.on('error', () => {
      /* resets by the peer are routine; the socket closes */
    })
    sock.on('close', () => {
      this.tcpSockets.delete(sock)
      this.tcpClients.delete(conn)
    })
  }

  /** Closes both listeners and every TCP connection, cancels forwards in flight; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.responder.close()
    const waits: Promise<void>[] = []
    const udp = this.udp
    if (udp) waits.push(new Promise((r) => udp.close(() => r())))
    const tcp = this.tcp
    if (tcp) waits.push(new Promise((r) => tcp.close(() => r())))
    for (const s of this.tcpSockets) s.destroy()
    this.udp = undefined
    this.tcp = undefined
    await Promise.all(waits)
    this.log.info('dns stopped')
  }
}

export type { EdnsInfo }
