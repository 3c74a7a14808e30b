/**
 * A controllable TCP proxy for one directed cluster link (node X dials node Y through it).
 * Modes: pass (forward), cut (refuse new connections and destroy open ones), delay (hold each
 * chunk `ms` before forwarding, order kept per direction). reset() sends RST on open connections.
 */
import net from 'node:net'

export type LinkMode = 'pass' | 'cut'

export class LinkProxy {
  private server: net.Server | undefined
  private readonly pairs = new Set<{ a: net.Socket; b: net.Socket }>()
  private mode: LinkMode = 'pass'
  private delayMs = 0
  /** Connections accepted (for assertions that a link was actually used). */
  accepted = 0
  /** Connections refused or destroyed because the link was cut. */
  refused = 0

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

  /** RST every open connection (the link itself stays up). */
  reset(): void {
    this.destroyAll(true)
  }

  /** Back to plain forwarding with no delay. */
  heal(): void {
    this.mode = 'pass'
    this.delayMs = 0
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
    const upstream = net.connect({ host: this.target.host, port: this.target.port(), localAddress: this.sourceHost })
    upstream.on('error', () => undefined)
    const pair = { a: client, b: upstream }
    this.pairs.add(pair)
    // A side that closes has its queued (delayed) bytes delivered first, then a FIN, as TCP would.
    const toUp = this.pipe(client, upstream)
    const toClient = this.pipe(upstream, client)
    client.on('close', () => void toUp().then(() => upstream.end()))
    upstream.on('close', () => void toClient().then(() => client.end()))
    let closed = 0
    const done = () => {
      if (++closed === 2) this.pairs.delete(pair)
    }
    client.on('close', done)
    upstream.on('close', done)
  }

  /** Forwards chunks from `src` to `dst` in order, each held `delayMs` when set; returns the queue's tail. */
  private pipe(src: net.Socket, dst: net.Socket): () => Promise<void> {
    let chain: Promise<void> = Promise.resolve()
    src.on('data', (chunk: Buffer) => {
      const ms = this.delayMs
      chain = chain.then(async () => {
        if (ms > 0) await new Promise((r) => setTimeout(r, ms))
        if (!dst.destroyed && dst.writable) dst.write(chunk)
      })
    })
    src.on('end', () => {
      chain = chain.then(() => void (dst.destroyed || dst.end()))
    })
    return () => chain
  }
}
