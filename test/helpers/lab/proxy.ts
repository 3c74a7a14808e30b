/**
 * A controllable TCP proxy for one directed cluster link (node X dials node Y through it).
 * Modes: pass (forward), cut (refuse new connections and destroy open ones), delay (hold each
 * chunk `ms` before forwarding, order kept per direction), per-connection delay (each new
 * connection its own delay, so later connections can overtake earlier ones). reset() sends RST
 * on open connections. `connections` logs what each accepted connection forwarded and when.
 */
import net from 'node:net'

export type LinkMode = 'pass' | 'cut'

/** Bytes of each connection's dialer-to-target stream kept in LinkConnection.upReceived. */
const UP_RECORD_BYTES = 64 * 1024

/** One accepted connection, for assertions about what crossed the link and when. */
export interface LinkConnection {
  /** 0-based order of acceptance on this proxy. */
  index: number
  /** Per-chunk delay fixed for this connection by delayPerConnection(), or undefined (the link's delay applies). */
  delayMs: number | undefined
  acceptedAt: number
  /** What the dialer sent, as received (before any delay), latin1, first UP_RECORD_BYTES only. */
  upReceived: string
  /** Bytes forwarded from the dialer to the target. */
  bytesUp: number
  /** When the last chunk was forwarded to the target (undefined: nothing forwarded yet). */
  lastUpAt: number | undefined
  /** When both sides had closed (undefined: still open). */
  closedAt: number | undefined
}

export class LinkProxy {
  private server: net.Server | undefined
  private readonly pairs = new Set<{ a: net.Socket; b: net.Socket }>()
  private mode: LinkMode = 'pass'
  private delayMs = 0
  /** Connections accepted (for assertions that a link was actually used). */
  accepted = 0
  /** Connections refused or destroyed because the link was cut. */
  refused = 0
  /** Every accepted connection, in order (kept for the proxy's life; lab links carry few). */
  readonly connections: LinkConnection[] = []
  private perConnection: number[] = []
  private perConnectionNext = 0

  constructor(
    readonly name: string,
    private readonly listenHost: string,
    private readonly target: { host: string; port: () => number },
    /** Local address for the outbound side, so the target sees the dialer's own IP. */
    private readonly sourceHost: string,
  ) {}

  /** Listens on listenHost, port 0; resolves with "host:port". */
  async start(): Promise<string> {
    const server = net.createServer((client) => this.onClient(client))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, this.listenHost, () => resolve())
    })
    return this.address
  }

  get address(): string {
    const a = this.server?.address() as net.AddressInfo | null
    if (!a) throw new Error(`proxy ${this.name} not listening`)
    return `${a.address}:${a.port}`
  }

  /** Refuse new connections and destroy the open ones. */
  cut(): void {
    this.mode = 'cut'
    this.destroyAll(false)
  }

  /** Delay every chunk in both directions by `ms` (0 = none). Order is kept. */
  delay(ms: number): void {
    this.delayMs = Math.max(0, ms)
  }

  /**
   * Fixes a per-chunk delay for each NEW connection, taken in turn from `delays` (cycling), in both
   * directions; open connections keep theirs. Two pushes sent in order on connections delayed
   * [800, 0] reach the target in reverse order. An empty list turns it off; heal() too.
   */
  delayPerConnection(delays: readonly number[]): void {
    this.perConnection = delays.map((d) => Math.max(0, d))
    this.perConnectionNext = 0
  }

  /** RST every open connection (the link itself stays up). */
  reset(): void {
    this.destroyAll(true)
  }

  /** Back to plain forwarding with no delay. */
  heal(): void {
    this.mode = 'pass'
    this.delayMs = 0
    this.perConnection = []
  }

  async stop(): Promise<void> {
    this.destroyAll(false)
    const s = this.server
    this.server = undefined
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  private destroyAll(rst: boolean): void {
    for (const p of this.pairs) {
      for (const s of [p.a, p.b]) {
        if (rst && typeof s.resetAndDestroy === 'function' && !s.destroyed && s.readyState !== 'opening') s.resetAndDestroy()
        else s.destroy()
      }
    }
    this.pairs.clear()
  }

  private onClient(client: net.Socket): void {
    client.on('error', () => undefined) // peers see the close; the proxy has nothing to report
    if (this.mode === 'cut') {
      this.refused++
      client.destroy()
      return
    }
    this.accepted++
    const conn: LinkConnection = {
      index: this.connections.length,
      delayMs: this.perConnection.length > 0 ? this.perConnection[this.perConnectionNext++ % this.perConnection.length] : undefined,
      acceptedAt: Date.now(),
      upReceived: '',
      bytesUp: 0,
      lastUpAt: undefined,
      closedAt: undefined,
    }
    this.connections.push(conn)
    const upstream = net.connect({ host: this.target.host, port: this.target.port(), localAddress: this.sourceHost })
    upstream.on('error', () => undefined)
    const pair = { a: client, b: upstream }
    this.pairs.add(pair)
    client.on('data', (chunk: Buffer) => {
      if (conn.upReceived.length < UP_RECORD_BYTES) conn.upReceived += chunk.subarray(0, UP_RECORD_BYTES - conn.upReceived.length).toString('latin1')
    })
    // A side that closes has its queued (delayed) bytes delivered first, then a FIN, as TCP would.
    const delayOf = () => conn.delayMs ?? this.delayMs
    const toUp = this.pipe(client, upstream, delayOf, (n) => {
      conn.bytesUp += n
      conn.lastUpAt = Date.now()
    })
    const toClient = this.pipe(upstream, client, delayOf)
    client.on('close', () => void toUp().then(() => upstream.end()))
    upstream.on('close', () => void toClient().then(() => client.end()))
    let closed = 0
    const done = () => {
      if (++closed === 2) {
        this.pairs.delete(pair)
        conn.closedAt = Date.now()
      }
    }
    client.on('close', done)
    upstream.on('close', done)
  }

  /**
   * Forwards chunks from `src` to `dst` in order, each held `delayOf()` ms (read on arrival) when
   * set; `onForward` sees each chunk's size as it is written. Returns the queue's tail.
   */
  private pipe(src: net.Socket, dst: net.Socket, delayOf: () => number, onForward?: (bytes: number) => void): () => Promise<void> {
    let chain: Promise<void> = Promise.resolve()
    src.on('data', (chunk: Buffer) => {
      const ms = delayOf()
      chain = chain.then(async () => {
        if (ms > 0) await new Promise((r) => setTimeout(r, ms))
        if (!dst.destroyed && dst.writable) {
          dst.write(chunk)
          onForward?.(chunk.length)
        }
      })
    })
    src.on('end', () => {
      chain = chain.then(() => void (dst.destroyed || dst.end()))
    })
    return () => chain
  }
}
