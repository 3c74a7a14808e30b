/**
 * Live dashboard updates over WebSocket (original protocol): the client sends
 * `{"op":"sub","stats":bool,"resolutions":bool,"perf":bool}`; every push interval the hub builds
 * `{"v":1,"dashboard"?,"resolutions"?,"perf"?}` for the subscribed parts and sends it only when the
 * bytes differ from the last message that client got. Timers run only while clients are connected.
 *
 * Slots: authenticated sockets share `maxClients`; sockets still owing their token (first-message
 * auth) have their own small budget and a short deadline, so unauthenticated upgrades can never
 * keep an authenticated client out. A socket the hub drops leaves its slot at once.
 */
import type { Logger } from 'pino'
import type { WebSocket, RawData } from 'ws'

export const DEFAULT_PUSH_INTERVAL_MS = 400
export const DEFAULT_PING_INTERVAL_MS = 54_000
export const DEFAULT_MAX_CLIENTS = 32
/** Sockets that have not authenticated yet, held apart from DEFAULT_MAX_CLIENTS. */
export const DEFAULT_MAX_PENDING_CLIENTS = 8
/** Largest client message accepted; a larger one closes the socket with 1009. */
export const MAX_CLIENT_MESSAGE_BYTES = 4096
/** A client that has not authenticated (token in its first message) by then is closed with 1008. */
export const WS_AUTH_TIMEOUT_MS = 5000
/**
 * After the hub sends a close frame it waits this long for the peer's, then destroys the socket.
 * ws itself would wait 30 s: a silent client would keep its TCP connection that long.
 */
export const WS_CLOSE_GRACE_MS = 1000
/** Skip a push while this much is still queued for a slow client. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024

const OPEN = 1

export interface LiveSubscription {
  stats: boolean
  resolutions: boolean
  perf: boolean
}

export interface LiveSources {
  dashboard(): unknown
  resolutions(): unknown
  perf?(): unknown
}

export interface LiveHubOptions {
  sources: LiveSources
  /** Checks a token sent in a message (`{"op":"auth","token"}` or a `token` key on `sub`). */
  checkToken(token: string | undefined): boolean
  pushIntervalMs?: number
  pingIntervalMs?: number
  maxClients?: number
  /** Unauthenticated sockets held at once (default DEFAULT_MAX_PENDING_CLIENTS); beyond it they are refused. */
  maxPending?: number
  logger?: Pick<Logger, 'warn' | 'debug'>
  /** Timer functions (default the globals); tests pass a fake clock. */
  timers?: LiveTimers
}

export interface LiveTimers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}

const GLOBAL_TIMERS: LiveTimers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
}

type PartKey = 'dashboard' | 'resolutions' | 'perf'

interface Client {
  socket: WebSocket
  subs: LiveSubscription
  subscribed: boolean
  last: string
  alive: boolean
  authed: boolean
  authTimer?: unknown
  /** Set once the hub closed it: its slot is already free. */
  dropped: boolean
}

/** Owns the connected dashboard sockets and their timers. `stop()` closes every socket and clears every timer. */
export class LiveHub {
  private readonly clients = new Set<Client>()
  /** Connected but not authenticated yet; never counted against maxClients. */
  private readonly pending = new Set<Client>()
  private pushTimer?: unknown
  private pingTimer?: unknown
  private readonly timers: LiveTimers
  private readonly pushMs: number
  private readonly pingMs: number
  readonly maxClients: number
  readonly maxPending: number
  private stopped = false

  constructor(private readonly opts: LiveHubOptions) {
    this.pushMs = opts.pushIntervalMs ?? DEFAULT_PUSH_INTERVAL_MS
    this.pingMs = opts.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS
    this.maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS
    this.maxPending = opts.maxPending ?? DEFAULT_MAX_PENDING_CLIENTS
    this.timers = opts.timers ?? GLOBAL_TIMERS
  }

  /** Authenticated clients. */
  get size(): number {
    return this.clients.size
  }

  /** Sockets still owing their token. */
  get pendingSize(): number {
    return this.pending.size
  }

  /** Whether a socket would get a slot: authenticated ones from maxClients, others from maxPending. */
  hasRoom(authenticated = true): boolean {
    if (this.stopped) return false
    return authenticated ? this.clients.size < this.maxClients : this.pending.size < this.maxPending
  }

  /** Takes ownership of an open socket. `authenticated` false: the first message must carry the token. */
  add(socket: WebSocket, authenticated: boolean): void {
    if (!this.hasRoom(authenticated)) {
      this.closeSoon(socket, 1013, 'too many dashboard clients')
      return
    }
    const client: Client = {
      socket, subs: { stats: false, resolutions: false, perf: false }, subscribed: false, last: '', alive: true, authed: authenticated, dropped: false,
    }
    if (authenticated) {
      this.clients.add(client)
    } else {
      this.pending.add(client)
      client.authTimer = this.timers.setTimeout(() => this.drop(client, 1008, 'unauthorized'), WS_AUTH_TIMEOUT_MS)
    }
    socket.on('message', (data: RawData, isBinary: boolean) => this.onMessage(client, data, isBinary))
    socket.on('pong', () => { client.alive = true })
    socket.on('close', () => this.remove(client))
    socket.on('error', (err: Error) => {
      this.opts.logger?.debug({ err }, 'dashboard websocket error')
      this.remove(client)
    })
    this.startTimers()
  }

  /** Builds and sends one round of updates (called by the push timer; public for tests). */
  tick(): void {
    if (this.clients.size === 0) return
    const part = this.makeParts()
    for (const c of this.clients) {
      if (!c.authed || !c.subscribed) continue
      this.sendTo(c, part)
    }
  }

  /** Closes every socket (1001) and clears all timers. */
  stop(): void {
    this.stopped = true
    for (const c of [...this.clients, ...this.pending]) {
      c.socket.close(1001, 'server shutting down')
      this.remove(c)
    }
    this.stopTimers()
  }

  /** Serializes each part at most once per round, however many clients want it. */
  private makeParts(): (key: PartKey) => string | null {
    const cache = new Map<PartKey, string | null>()
    return (key) => {
      if (cache.has(key)) return cache.get(key) ?? null
      let json: string | null = null
      try {
        const src = this.opts.sources
        const value = key === 'dashboard' ? src.dashboard() : key === 'resolutions' ? src.resolutions() : src.perf?.()
        json = value === undefined ? null : JSON.stringify(value)
      } catch (err) {
        this.opts.logger?.warn({ err, part: key }, 'dashboard live update failed')
      }
      cache.set(key, json)
      return json
    }
  }

  private sendTo(c: Client, part: (key: PartKey) => string | null): void {
    let msg = '{"v":1'
    if (c.subs.stats) {
      const d = part('dashboard')
      if (d !== null) msg += `,"dashboard":${d}`
    }
    if (c.subs.resolutions) {
      const r = part('resolutions')
      if (r !== null) msg += `,"resolutions":${r}`
    }
    if (c.subs.perf) {
      const p = part('perf')
      if (p !== null) msg += `,"perf":${p}`
    }
    msg += '}'
    if (msg === c.last) return
    if (c.socket.readyState !== OPEN || c.socket.bufferedAmount > MAX_BUFFERED_BYTES) return
    c.last = msg
    c.socket.send(msg)
  }

  private onMessage(c: Client, data: RawData, isBinary: boolean): void {
    const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength
    if (c.dropped) return
    if (isBinary || size > MAX_CLIENT_MESSAGE_BYTES) {
      this.drop(c, 1009, 'message too large or binary')
      return
    }
    let msg: unknown
    try {
      msg = JSON.parse(Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'))
    } catch {
      msg = undefined // not JSON: handled below like any other unusable message
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
      if (!c.authed) this.drop(c, 1008, 'unauthorized')
      return // an authenticated client's garbage is ignored, as the original does
    }
    const m = msg as Record<string, unknown>
    if (!c.authed) {
      if (!this.opts.checkToken(typeof m.token === 'string' ? m.token : undefined)) {
        this.drop(c, 1008, 'unauthorized')
        return
      }
      if (c.authTimer !== undefined) this.timers.clearTimeout(c.authTimer)
      c.authTimer = undefined
      this.pending.delete(c)
      if (!this.hasRoom(true)) {
        this.drop(c, 1013, 'too many dashboard clients')
        return
      }
      c.authed = true
      this.clients.add(c)
      this.startTimers()
    }
    if (m.op === 'sub') {
      c.subs = { stats: m.stats === true, resolutions: m.resolutions === true, perf: m.perf === true }
      c.subscribed = true
      // Answer a subscription at once rather than waiting for the next tick.
      this.sendTo(c, this.makeParts())
    }
  }

  private remove(c: Client): void {
    if (c.authTimer !== undefined) this.timers.clearTimeout(c.authTimer)
    c.authTimer = undefined
    this.clients.delete(c)
    this.pending.delete(c)
    if (this.clients.size === 0 && this.pending.size === 0) this.stopTimers()
  }

  /** Frees the client's slot now and closes its socket (destroyed if the peer does not answer the close). */
  private drop(c: Client, code: number, reason: string): void {
    if (c.dropped) return
    c.dropped = true
    this.remove(c)
    this.closeSoon(c.socket, code, reason)
  }

  private closeSoon(socket: WebSocket, code: number, reason: string): void {
    socket.close(code, reason)
    if (socket.readyState === 3) return // already closed (CLOSED)
    const t = this.timers.setTimeout(() => socket.terminate(), WS_CLOSE_GRACE_MS)
    socket.once('close', () => this.timers.clearTimeout(t))
  }

  private startTimers(): void {
    if (this.pushTimer === undefined) this.pushTimer = this.timers.setInterval(() => this.tick(), this.pushMs)
    if (this.pingTimer === undefined) this.pingTimer = this.timers.setInterval(() => this.pingAll(), this.pingMs)
  }

  private stopTimers(): void {
    if (this.pushTimer !== undefined) this.timers.clearInterval(this.pushTimer)
    if (this.pingTimer !== undefined) this.timers.clearInterval(this.pingTimer)
    this.pushTimer = undefined
    this.pingTimer = undefined
  }

  /** A client that did not answer the previous ping is gone (about the original's 72 s read deadline). */
  private pingAll(): void {
    for (const c of [...this.clients]) {
      if (!c.alive) {
        c.socket.terminate()
        this.remove(c)
        continue
      }
      c.alive = false
      try {
        c.socket.ping()
      } catch {
        this.remove(c) // socket already closing; 'close' may not follow
      }
    }
  }
}
