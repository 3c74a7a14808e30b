/**
 * The DNS service: a DnsResponder (answering; no sockets) behind a UDP and a TCP listener on the same
 * port. Takes its index, resolver, sink and logger as deps; imports no other service.
 */
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import type { DnsplaneError } from '../../errors.js'
import type { EdnsInfo } from '../wire/wire.js'
import type { DnsServerDeps, DnsServerOptions } from './options.js'
import type { DnsCounters } from './query-event.js'
import { DnsResponder } from './responder.js'
import { TcpListener } from './tcp-listener.js'
import { UdpListener } from './udp-listener.js'

export type { DnsServerDeps, DnsServerOptions } from './options.js'
export type { DnsCounters, QueryEvent, QuerySink, QueryTransport } from './query-event.js'
export { DnsResponder, wireFromAnswer } from './responder.js'
export {
  DEFAULT_TCP_IDLE_TIMEOUT_MS,
  DEFAULT_TCP_MAX_CONNECTIONS,
  DEFAULT_TCP_MAX_CONNECTIONS_PER_CLIENT,
  MAX_TCP_INFLIGHT,
  MAX_TCP_WRITE_BUFFER_BYTES,
} from './tcp-listener.js'
export { UDP_SOCKET_BUFFER_BYTES } from './udp-listener.js'

/** UDP + TCP DNS listeners. start() binds both (same port); stop() closes both and waits. */
export class DnsServer {
  /** Shared with the DoT and DoH listeners (build-encrypted-dns.ts): one answerer, one set of counters. */
  readonly responder: DnsResponder
  private readonly log: Logger
  private udp: UdpListener | undefined
  private readonly tcp: TcpListener
  private stopped = false

  constructor(
    private readonly opts: DnsServerOptions,
    deps: DnsServerDeps,
  ) {
    this.responder = new DnsResponder(opts, deps)
    this.log = deps.log.child({ component: 'dns' })
    this.tcp = new TcpListener(opts, this.responder, this.log)
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
        const udp = new UdpListener(this.responder, this.log)
        try {
          const udpSock = await udp.bind(host, this.opts.port)
          const port = udpSock.address().port
          const tcpServer = await this.tcp.listen(host, port)
          this.udp = udp
          const info = { udp: udpSock.address(), tcp: tcpServer.address() as AddressInfo }
          this.log.info({ udp: info.udp, tcp: info.tcp }, 'dns listening')
          return info
        } catch (err) {
          lastErr = err
          await udp.close()
          const code = (err as DnsplaneError).cause && ((err as DnsplaneError).cause as NodeJS.ErrnoException).code
          if (host === '::' && (code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL')) break
          if (!(this.opts.port === 0 && code === 'EADDRINUSE')) throw err
        }
      }
    }
    throw lastErr
  }

  /** Closes both listeners and every TCP connection, cancels forwards in flight; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.responder.close()
    const waits = [this.udp?.close() ?? Promise.resolve(), this.tcp.close()]
    this.udp = undefined
    await Promise.all(waits)
    this.log.info('dns stopped')
  }
}

export type { EdnsInfo }
