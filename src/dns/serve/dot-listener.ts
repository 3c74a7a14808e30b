/**
 * The DNS-over-TLS listener (RFC 7858): the TCP listener (framing, pipelining, idle timeout, connection
 * caps of RFC 7766) over TLS sessions. The certificate can be swapped while running (SIGHUP).
 */
import type net from 'node:net'
import tls from 'node:tls'
import type { Logger } from 'pino'
import { clampDelayMs } from '../../timers.js'
import type { DnsResponder } from './responder.js'
import { DEFAULT_TCP_IDLE_TIMEOUT_MS, TcpListener, type TcpListenerOptions } from './tcp-listener.js'
import type { TlsPair } from './tls-files.js'

/** RFC 7858 §3.2 reserves ALPN "dot" for DNS over TLS. */
const DOT_ALPN = ['dot']

export class DotListener {
  private server: tls.Server | undefined
  private readonly tcp: TcpListener

  constructor(opts: TcpListenerOptions, pair: TlsPair, responder: Pick<DnsResponder, 'handle' | 'tcpAdmission'>, log: Logger) {
    // a handshake that stalls holds a socket outside the connection caps: bound it by the idle timeout
    const handshakeTimeout = clampDelayMs(opts.tcpIdleTimeoutMs || DEFAULT_TCP_IDLE_TIMEOUT_MS)
    this.tcp = new TcpListener(opts, responder, log, {
      transport: 'dot',
      createServer: (onConn) => {
        const server = tls.createServer({ ...pair, ALPNProtocols: DOT_ALPN, handshakeTimeout, noDelay: true }, onConn)
        server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'dot handshake failed'))
        this.server = server
        return server
      },
    })
  }

  /** Listens on `host`:`port`. Throws DnsplaneError ERR_BIND_FAILED. */
  listen(host: string, port: number): Promise<net.Server> {
    return this.tcp.listen(host, port)
  }

  /** New connections use `pair`; open sessions keep theirs. */
  setCertificate(pair: TlsPair): void {
    this.server?.setSecureContext({ ...pair })
  }

  close(): Promise<void> {
    return this.tcp.close()
  }
}
