/**
 * The DNS-over-HTTPS listener (RFC 8484): HTTP/2 over TLS (HTTP/1.1 accepted too), GET `?dns=` and
 * POST application/dns-message on one path, answered by the same responder as UDP/TCP. The
 * certificate can be swapped while running (SIGHUP).
 */
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import type { Logger } from 'pino'
import { clampDelayMs } from '../../timers.js'
import { bindError } from './bind-error.js'
import { DNS_MESSAGE_TYPE, dohMaxAge, dohPostQuery, dohRequestStep, MAX_DOH_BODY_BYTES, type DohStep } from './doh-request.js'
import type { DnsResponder } from './responder.js'
import { DohClients } from './doh-clients.js'
import {
  DEFAULT_TCP_IDLE_TIMEOUT_MS, DEFAULT_TCP_MAX_CONNECTIONS, DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT, MAX_TCP_INFLIGHT,
} from './tcp-listener.js'
import type { TlsPair } from './tls-files.js'

export interface DohListenerOptions {
  /** URL path of the endpoint, e.g. "/dns-query". */
  path: string
  /** Close a connection idle this long (the DNS-over-TCP idle timeout). */
  idleTimeoutMs: number
  /** Concurrent connections in all (default 256, as DNS over TCP); when full, an idle one makes room. */
  maxConnections?: number
  /** Concurrent connections of one client, IPv4 address or IPv6 /64 (default 16, as DNS over TCP). */
  maxConnectionsPerClient?: number
  /** Requests one client has open at once over all its connections (default 64); above it, 429. */
  maxStreamsPerClient?: number
}

/** Default of maxStreamsPerClient: what one DNS-over-TCP connection may pipeline. */
export const DEFAULT_DOH_STREAMS_PER_CLIENT = MAX_TCP_INFLIGHT
/** SETTINGS_MAX_CONCURRENT_STREAMS we announce (RFC 9113 §6.5.2 advises no less than 100). */
const DOH_MAX_CONCURRENT_STREAMS = 100

export class DohListener {
  private readonly server: http2.Http2SecureServer
  private readonly sockets = new Set<Socket>()
  private readonly clients: DohClients

  constructor(
    private readonly opts: DohListenerOptions,
    pair: TlsPair,
    private readonly responder: Pick<DnsResponder, 'handle'> & Partial<Pick<DnsResponder, 'tcpAdmission'>>,
    private readonly log: Logger,
  ) {
    const idle = clampDelayMs(opts.idleTimeoutMs || DEFAULT_TCP_IDLE_TIMEOUT_MS)
    this.clients = new DohClients({
      maxConnections: opts.maxConnections || DEFAULT_TCP_MAX_CONNECTIONS,
      maxConnectionsPerClient: opts.maxConnectionsPerClient || DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
      maxStreamsPerClient: opts.maxStreamsPerClient || DEFAULT_DOH_STREAMS_PER_CLIENT,
    }, (what) => responder.tcpAdmission?.(what))
    const settings = { maxConcurrentStreams: DOH_MAX_CONCURRENT_STREAMS }
    this.server = http2.createSecureServer({ ...pair, allowHTTP1: true, handshakeTimeout: idle, settings }, (req, res) => this.onRequest(req, res))
    this.server.setTimeout(idle, (sock?: Socket) => sock?.destroy())
    this.server.on('session', (s) => s.setTimeout(idle, () => s.close()))
    // admitted before the TLS handshake: a client over its cap costs no handshake
    this.server.prependListener('connection', (sock: Socket) => {
      if (!this.clients.admit(sock)) return
      this.sockets.add(sock)
      sock.on('close', () => this.sockets.delete(sock))
    })
    this.server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'doh handshake failed'))
  }

  /** Listens on `host`:`port`. Throws DnsplaneError ERR_BIND_FAILED. */
  listen(host: string, port: number): Promise<AddressInfo> {
    const server = this.server
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(err, host, port, 'doh')))
      server.listen({ host, port, ipv6Only: false, exclusive: true }, () => {
        server.removeAllListeners('error')
        server.on('error', (err) => this.log.warn({ err }, 'doh server error'))
        resolve(server.address() as AddressInfo)
      })
    })
  }

  /** New connections use `pair`; open ones keep theirs. */
  setCertificate(pair: TlsPair): void {
    this.server.setSecureContext({ ...pair })
  }

  private onRequest(req: Http2ServerRequest, res: Http2ServerResponse): void {
    const hold = this.clients.openStream(req.socket)
    if (!hold) {
      this.send(res, 429, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' }, Buffer.from('too many requests open from this address\n'))
      return
    }
    res.once('close', () => hold.release())
    const step = dohRequestStep(req.method, req.url, this.opts.path, req.headers['content-type'], req.headers['content-length'])
    if (step.kind !== 'read-body') {
      this.answer(req, res, step)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    req.on('data', (c: Buffer) => {
      if (done) return
      size += c.length
      if (size > MAX_DOH_BODY_BYTES) {
        done = true // stop buffering: the body is bounded whatever Content-Length said
        this.answer(req, res, { kind: 'reject', status: 413, reason: 'body larger than 65535 bytes' })
        return
      }
      chunks.push(c)
    })
    req.on('end', () => {
      if (done) return
      done = true
      this.answer(req, res, dohPostQuery(Buffer.concat(chunks)))
    })
    req.on('error', () => {
      done = true
    })
  }

  private answer(req: Http2ServerRequest, res: Http2ServerResponse, step: DohStep): void {
    if (step.kind === 'reject') {
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }
      if (step.status === 405) headers.allow = 'GET, POST'
      this.send(res, step.status, headers, Buffer.from(step.reason + '\n'))
      return
    }
    if (step.kind !== 'query') return
    const reply = this.responder.handle(step.msg, 'doh', req.socket?.remoteAddress)
    const respond = (b: Buffer | undefined): void => {
      if (!b) {
        this.send(res, 400, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not a DNS query\n'))
        return
      }
      this.send(res, 200, { 'content-type': DNS_MESSAGE_TYPE, 'cache-control': `max-age=${dohMaxAge(b)}` }, b)
    }
    if (reply === undefined || Buffer.isBuffer(reply)) respond(reply)
    else reply.then(respond, (err: unknown) => {
      this.log.error({ err }, 'dns handler failed')
      this.send(res, 500, {}, Buffer.alloc(0))
    })
  }

  private send(res: Http2ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
    if (res.headersSent || res.writableEnded || res.stream?.destroyed) return
    res.writeHead(status, { ...headers, 'content-length': String(body.length) })
    res.end(body)
  }

  /** Closes the server and every connection. Idempotent. */
  close(): Promise<void> {
    const wait = new Promise<void>((r) => this.server.close(() => r()))
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    return this.server.listening ? wait : Promise.resolve()
  }
}
