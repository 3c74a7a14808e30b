/**
 * The DNS-over-UDP listener: owns the socket, hands every datagram to the responder and sends back
 * what it returns (at once for local answers, when the promise settles for forwarded ones).
 */
import dgram from 'node:dgram'
import dns from 'node:dns'
import net from 'node:net'
import type { Logger } from 'pino'
import { bindError } from './bind-error.js'
import type { DnsResponder } from './responder.js'

/** Socket buffers: bursts of hundreds of outstanding queries must not overflow the kernel queue. */
export const UDP_SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

/** The last IP literal looked up: replies mostly go back to the same few clients, and isIP runs a regex. */
let lastHost = ''
let lastFamily = 0

/** dgram resolves the destination of every send(); for IP literals answer synchronously (no deferred dns.lookup). */
function syncLookup(host: string, opts: unknown, cb: (err: NodeJS.ErrnoException | null, address: string, family: number) => void): void {
  if (host === lastHost) {
    cb(null, host, lastFamily)
    return
  }
  const family = net.isIP(host)
  if (family !== 0) {
    lastHost = host
    lastFamily = family
    cb(null, host, family)
    return
  }
  const fam = typeof opts === 'number' ? opts : 0
  dns.lookup(host, { family: fam }, (err, address, f) => cb(err, address, f))
}

export class UdpListener {
  private sock: dgram.Socket | undefined
  private closed = false

  constructor(
    private readonly responder: Pick<DnsResponder, 'handle'>,
    private readonly log: Logger,
  ) {}

  /** Binds `host`:`port` (0 = any free port). Throws DnsplaneError ERR_BIND_FAILED. */
  bind(host: string, port: number): Promise<dgram.Socket> {
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
        sock.on('message', (msg, rinfo) => this.onMessage(sock, msg, rinfo))
        this.sock = sock
        resolve(sock)
      })
    })
  }

  private onMessage(sock: dgram.Socket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    // A synchronous reply is sent before the next message: with nothing queued (the last send reached the
    // kernel at once), a fast-path hit may hand back the cache's own bytes instead of a copy.
    const r = this.responder.handle(msg, 'udp', rinfo.address, sock.getSendQueueCount() === 0)
    if (r === undefined) return
    if (Buffer.isBuffer(r)) {
      sock.send(r, rinfo.port, rinfo.address)
      return
    }
    r.then(
      (b) => {
        if (b && !this.closed) sock.send(b, rinfo.port, rinfo.address)
      },
      (err: unknown) => this.log.error({ err }, 'dns handler failed'),
    )
  }

  /** Closes the socket; answers still being forwarded are dropped. Idempotent. */
  close(): Promise<void> {
    this.closed = true
    const sock = this.sock
    this.sock = undefined
    return sock ? new Promise((r) => sock.close(() => r())) : Promise.resolve()
  }
}
