/**
 * The DNS-over-TCP listener (RFC 7766): owns the server socket and its connections, frames messages,
 * pipelines queries to the responder, caps connections per client and in all (idle ones evicted),
 * and applies backpressure when a client sends faster than it reads.
 */
import net from 'node:net'
import type { Logger } from 'pino'
import { clampDelayMs } from '../../timers.js'
import { encodeTcpFrame, TcpFrameDecoder } from '../wire/tcp-framing.js'
import { bindError } from './bind-error.js'
import type { QueryTransport, TcpAdmission } from './query-event.js'
import type { DnsResponder } from './responder.js'
import { clientKey, TcpClientTable, type TcpClientEntry } from './tcp-clients.js'

export const DEFAULT_TCP_IDLE_TIMEOUT_MS = 10_000
export const DEFAULT_TCP_MAX_CONNECTIONS = 256
export const DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT = 16
/** Queries in flight per TCP connection before we stop reading from it (RFC 7766 6.2.1.1 pipelining). */
export const MAX_TCP_INFLIGHT = 64
/** Unsent answers buffered per TCP connection before we stop reading its queries. */
export const MAX_TCP_WRITE_BUFFER_BYTES = 1024 * 1024

export interface TcpListenerOptions {
  tcpIdleTimeoutMs: number
  tcpMaxConnections: number
  tcpMaxConnectionsPerClient?: number
}

/**
 * What the listener speaks under the framing: plain TCP, or TLS (RFC 7858 §3.3: DNS over TLS is the
 * same 2-byte length framing, pipelining and connection handling as RFC 7766, inside a TLS session).
 */
export interface TcpFlavour {
  transport: Extract<QueryTransport, 'tcp' | 'dot'>
  /** Makes the server; `onConn` gets each connection once it can carry DNS (after the TLS handshake). */
  createServer(onConn: (sock: net.Socket) => void): net.Server
}

const PLAIN_TCP: TcpFlavour = {
  transport: 'tcp',
  createServer: (onConn) => net.createServer({ noDelay: true }, onConn),
}

/** A DNS-over-TCP connection as the client table sees it. */
interface TcpConn extends TcpClientEntry {
  readonly sock: net.Socket
}

export class TcpListener {
  private server: net.Server | undefined
  private readonly sockets = new Set<net.Socket>()
  private readonly clients: TcpClientTable<TcpConn>
  private closed = false

  constructor(
    private readonly opts: TcpListenerOptions,
    private readonly responder: Pick<DnsResponder, 'handle' | 'tcpAdmission'> & Partial<Pick<DnsResponder, 'transfer'>>,
    private readonly log: Logger,
    private readonly flavour: TcpFlavour = PLAIN_TCP,
  ) {
    this.clients = new TcpClientTable(
      opts.tcpMaxConnections || DEFAULT_TCP_MAX_CONNECTIONS,
      opts.tcpMaxConnectionsPerClient || DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
    )
  }

  /** Listens on `host`:`port`. Throws DnsplaneError ERR_BIND_FAILED. */
  listen(host: string, port: number): Promise<net.Server> {
    const proto = this.flavour.transport
    const server = this.flavour.createServer((sock) => this.onConnection(sock))
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(bindError(err, host, port, proto)))
      server.listen({ host, port, ipv6Only: false, exclusive: true }, () => {
        server.removeAllListeners('error')
        server.on('error', (err) => this.log.warn({ err }, `${proto} server error`))
        this.server = server
        resolve(server)
      })
    })
  }

  /** Admits the connection (or refuses it, or evicts an idle one for it) and serves its frames. */
  private onConnection(sock: net.Socket): void {
    if (this.closed) {
      sock.destroy()
      return
    }
    const conn: TcpConn = { key: clientKey(sock.remoteAddress ?? ''), inflight: 0, lastActive: 0, sock }
    const admission = this.clients.admit(conn.key)
    if (!admission.admit) {
      this.responder.tcpAdmission('refused')
      sock.destroy()
      return
    }
    if (admission.evict) {
      this.responder.tcpAdmission('evicted')
      this.clients.delete(admission.evict)
      admission.evict.sock.destroy()
    }
    this.responder.tcpAdmission('accepted')
    this.sockets.add(sock)
    this.clients.add(conn)
    sock.setTimeout(clampDelayMs(this.opts.tcpIdleTimeoutMs || DEFAULT_TCP_IDLE_TIMEOUT_MS), () => sock.destroy())
    this.serve(conn)
  }

  private serve(conn: TcpConn): void {
    const sock = conn.sock
    const decoder = new TcpFrameDecoder()
    let inflight = 0
    /** A large zone transfer is being sent: no other answer goes between its messages (held and queued meanwhile). */
    let streaming = false
    /** The transfer being streamed gives its stream up through this when the connection goes. */
    let abortStream: (() => void) | undefined
    const held: Buffer[] = []
    const queued: Buffer[] = []
    const clientIp = sock.remoteAddress
    // stop reading while too many queries are in flight or the client does not read its answers
    const busy = (): boolean => streaming || inflight >= MAX_TCP_INFLIGHT || sock.writableLength > MAX_TCP_WRITE_BUFFER_BYTES
    const write = (b: Buffer): boolean => sock.destroyed || sock.write(encodeTcpFrame(b))
    const send = (b: Buffer | undefined): void => {
      inflight--
      conn.inflight = inflight
      this.clients.touch(conn)
      if (b && streaming) held.push(b)
      else if (b) write(b)
      if (sock.isPaused() && !busy()) sock.resume()
    }
    /** Sends a large AXFR a slice per event-loop turn, waiting while the client has not read what was sent. */
    const stream = (more: () => Buffer[] | undefined): void => {
      if (sock.destroyed) return
      const batch = more()
      if (batch === undefined) {
        streaming = false
        abortStream = undefined
        for (const b of held.splice(0)) write(b)
        send(undefined)
        while (queued.length > 0 && !streaming) answer(queued.shift() as Buffer)
        if (busy()) sock.pause()
        return
      }
      this.clients.touch(conn)
      let full = false
      for (const m of batch) full = !write(m) || full
      if (full) sock.once('drain', () => stream(more))
      else setImmediate(stream, more)
    }
    const answer = (f: Buffer): void => {
      inflight++
      conn.inflight = inflight
      // a zone transfer spans several messages (RFC 5936 2.2); written in order, the last as the reply
      const xfr = this.responder.transfer?.(f, this.flavour.transport, clientIp)
      if (xfr) {
        const { messages, more, abort } = xfr
        if (!more) {
          for (let i = 0; i < messages.length - 1; i++) write(messages[i])
          send(messages[messages.length - 1])
          return
        }
        streaming = true
        abortStream = abort
        for (const m of messages) write(m)
        setImmediate(stream, more)
        return
      }
      const r = this.responder.handle(f, this.flavour.transport, clientIp)
      if (r === undefined || Buffer.isBuffer(r)) send(r)
      else r.then(send, (err: unknown) => {
        this.log.error({ err }, 'dns handler failed')
        send(undefined)
      })
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
      if (frames.length > 0) this.clients.touch(conn)
      for (const f of frames) {
        if (streaming) queued.push(f)
        else answer(f)
      }
      if (busy()) sock.pause()
    })
    sock.on('error', () => {
      /* resets by the peer are routine; the socket closes */
    })
    sock.on('close', () => {
      abortStream?.()
      abortStream = undefined
      this.sockets.delete(sock)
      this.clients.delete(conn)
    })
  }

  /** Closes the server socket and every connection. Idempotent. */
  close(): Promise<void> {
    this.closed = true
    const server = this.server
    this.server = undefined
    const wait = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve()
    for (const s of this.sockets) s.destroy()
    return wait
  }
}
