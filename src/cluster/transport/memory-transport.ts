/**
 * In-process Transport for tests: listeners are registered in a per-instance table (no module
 * state), dial connects two in-memory endpoints. Delivery is asynchronous and ordered, like a socket.
 */
import type { Connection, DialOptions, Listener, Transport } from './transport.js'

class MemoryConnection implements Connection {
  peer: MemoryConnection | undefined
  closed = false
  private dataListener: ((chunk: Buffer) => void) | undefined
  private closeListeners: ((err?: Error) => void)[] = []
  private inbox: Buffer[] = []
  private endPending = false

  constructor(
    readonly remoteAddress: string,
    readonly remoteIp: string,
  ) {}

  write(data: Uint8Array): Promise<void> {
    if (this.closed || !this.peer) return Promise.reject(new Error('connection closed'))
    const copy = Buffer.from(data)
    const peer = this.peer
    setImmediate(() => peer.receive(copy))
    return Promise.resolve()
  }

  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener
    const queued = this.inbox
    this.inbox = []
    for (const c of queued) listener(c)
    if (this.endPending) this.finish()
  }

  onClose(listener: (err?: Error) => void): void {
    if (this.closed) queueMicrotask(() => listener())
    else this.closeListeners.push(listener)
  }

  close(): void {
    if (this.closed) return
    const peer = this.peer
    // Writes already queued with setImmediate arrive first, then the end of stream.
    setImmediate(() => peer?.remoteEnded())
    this.finish()
  }

  destroy(): void {
    if (this.closed) return
    const peer = this.peer
    queueMicrotask(() => peer?.remoteEnded())
    this.finish()
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return
    if (this.dataListener) this.dataListener(chunk)
    else this.inbox.push(chunk)
  }

  private remoteEnded(): void {
    if (this.closed) return
    if (!this.dataListener && this.inbox.length > 0) this.endPending = true
    else this.finish()
  }

  private finish(): void {
    if (this.closed) return
    this.closed = true
    const listeners = this.closeListeners
    this.closeListeners = []
    for (const l of listeners) l()
  }
}

/** Test transport. Addresses are 'host:port' strings; port 0 in listen() picks a free one. */
export class MemoryTransport implements Transport {
  private readonly listeners = new Map<string, (conn: Connection) => void>()
  private nextPort = 40_000
  private nextEphemeral = 50_000

  constructor(private readonly localIp = '127.0.0.1') {}

  async listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener> {
    let [host, port] = splitAddr(addr)
    if (!host) host = this.localIp
    if (port === '0') port = String(this.nextPort++)
    const bound = `${host}:${port}`
    if (this.listeners.has(bound)) throw Object.assign(new Error(`listen EADDRINUSE ${bound}`), { code: 'EADDRINUSE' })
    this.listeners.set(bound, onConnection)
    return {
      address: bound,
      close: async () => {
        this.listeners.delete(bound)
      },
    }
  }

  async dial(addr: string, opts: DialOptions): Promise<Connection> {
    if (opts.signal?.aborted) throw new Error('dial aborted')
    const [host, port] = splitAddr(addr)
    const handler = this.listeners.get(`${host || this.localIp}:${port}`)
    if (!handler) throw Object.assign(new Error(`connect ECONNREFUSED ${addr}`), { code: 'ECONNREFUSED' })
    const client = new MemoryConnection(`${host}:${port}`, host)
    const server = new MemoryConnection(`${this.localIp}:${this.nextEphemeral++}`, this.localIp)
    client.peer = server
    server.peer = client
    await new Promise<void>((resolve) => setImmediate(resolve))
    handler(server)
    return client
  }
}

function splitAddr(addr: string): [string, string] {
  const i = addr.lastIndexOf(':')
  return i < 0 ? [addr, '0'] : [addr.slice(0, i), addr.slice(i + 1)]
}
