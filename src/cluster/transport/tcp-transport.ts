/** Transport over plain TCP (node:net), as the original (no TLS; see docs/clustering.md). */
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { splitHostPort } from './netinfo.js'
import type { Connection, DialOptions, Listener, Transport } from './transport.js'

/** A Connection over a connected net.Socket (also a TLSSocket after its handshake). */
export class SocketConnection implements Connection {
  readonly remoteAddress: string
  readonly remoteIp: string
  closed = false
  private closeListeners: ((err?: Error) => void)[] = []
  private lastError: Error | undefined

  constructor(private readonly socket: Socket) {
    this.remoteIp = socket.remoteAddress ?? ''
    this.remoteAddress = this.remoteIp.includes(':') ? `[${this.remoteIp}]:${socket.remotePort}` : `${this.remoteIp}:${socket.remotePort}`
    socket.setNoDelay(true)
    socket.on('error', (err) => {
      this.lastError = err
    })
    socket.on('close', () => {
      this.closed = true
      const listeners = this.closeListeners
      this.closeListeners = []
      for (const l of listeners) l(this.lastError)
    })
    // A half-closed stream is a finished one for this protocol: end our side too.
    socket.on('end', () => socket.end())
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed || this.socket.destroyed) return Promise.reject(new Error('connection closed'))
    return new Promise((resolve, reject) => {
      this.socket.write(data, (err) => (err ? reject(err) : resolve()))
    })
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.socket.on('data', listener)
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => listener(this.lastError))
    else this.closeListeners.push(listener)
  }

  close(): void {
    this.socket.end()
    // Do not wait forever for a peer that never reads: destroy after a grace period.
    setTimeout(() => this.socket.destroy(), 5_000).unref()
  }

  destroy(): void {
    this.socket.destroy()
  }

  pause(): void {
    this.socket.pause()
  }

  resume(): void {
    this.socket.resume()
  }
}

export class TcpTransport implements Transport {
  async listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener> {
    const { host, port } = splitHostPort(addr)
    const server = createServer({ noDelay: true }, (socket) => onConnection(new SocketConnection(socket)))
    return bindServer(server, host, port, addr)
  }

  dial(addr: string, opts: DialOptions): Promise<Connection> {
    return dialSocket(addr, opts, 'connect', (host, port) => createConnection({ host, port }))
  }
}

/** Binds `server`, keeps it alive through later accept errors, and returns it as a Listener. */
export async function bindServer(server: Server, host: string, port: number, asked: string): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen({ host: host || undefined, port }, () => {
      server.off('error', reject)
      resolve()
    })
  })
  // Accept errors after listen (EMFILE...) must not crash the process; the listener keeps going.
  server.on('error', () => undefined)
  const a = server.address()
  const address = a && typeof a === 'object' ? (a.family === 'IPv6' ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`) : asked
  return {
    address,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * Opens a socket with `open(host, port)` and resolves once it emits `readyEvent` ('connect', or
 * 'secureConnect' after a TLS handshake); rejects on error, after `opts.timeoutMs`, or on abort,
 * destroying the socket. An empty host means 127.0.0.1.
 */
export function dialSocket(addr: string, opts: DialOptions, readyEvent: 'connect' | 'secureConnect', open: (host: string, port: number) => Socket): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let hp: { host: string; port: number }
    try {
      hp = splitHostPort(addr)
    } catch (err) {
      reject(err)
      return
    }
    if (opts.signal?.aborted) {
      reject(new Error('dial aborted'))
      return
    }
    const socket = open(hp.host || '127.0.0.1', hp.port)
    const fail = (err: Error) => {
      cleanup()
      socket.destroy()
      reject(err)
    }
    const onAbort = () => fail(new Error('dial aborted'))
    const timer = setTimeout(() => fail(new Error(`dial ${addr}: timeout after ${opts.timeoutMs} ms`)), opts.timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      socket.off('error', fail)
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    socket.once('error', fail)
    socket.once(readyEvent, () => {
      cleanup()
      resolve(new SocketConnection(socket))
    })
  })
}
