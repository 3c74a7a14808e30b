/**
 * The byte-stream transport the cluster runs on. tcp-transport.ts is the real one;
 * memory-transport.ts connects nodes inside one process for tests. Both pass
 * test/cluster/transport-contract.ts.
 */

/** One bidirectional, ordered byte stream. */
export interface Connection {
  /** 'ip:port' of the other end (informational; never a peer identity). */
  readonly remoteAddress: string
  /** IP of the other end, for per-source limits. */
  readonly remoteIp: string
  /** Queues bytes; resolves once handed to the transport, rejects when the connection is gone. */
  write(data: Uint8Array): Promise<void>
  /** Sets the one data listener; bytes received before it was set are delivered to it first. */
  onData(listener: (chunk: Buffer) => void): void
  /** Called once when the stream ends for any reason (remote close, close(), destroy(), error). */
  onClose(listener: (err?: Error) => void): void
  /** Graceful close: pending writes are flushed, then the stream ends. */
  close(): void
  /** Immediate teardown; pending data may be lost. */
  destroy(): void
  /** Stops delivering data until resume() (backpressure); optional: without it data keeps flowing. */
  pause?(): void
  resume?(): void
  readonly closed: boolean
}

export interface Listener {
  /** Bound address as 'host:port' (the real port when 0 was asked for). */
  readonly address: string
  /** Stops accepting; existing connections are left to their owners. */
  close(): Promise<void>
}

export interface DialOptions {
  timeoutMs: number
  signal?: AbortSignal
}

export interface Transport {
  /** Binds `addr` ('host:port', ':port', '[v6]:port'); rejects with the bind error. */
  listen(addr: string, onConnection: (conn: Connection) => void): Promise<Listener>
  /** Connects to `addr`; rejects on refusal, timeout (`timeoutMs`) or abort. */
  dial(addr: string, opts: DialOptions): Promise<Connection>
}
