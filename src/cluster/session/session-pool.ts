/**
 * Idle authenticated sessions kept per peer between our own outbox deliveries (ours: the Go
 * clients open one connection per request), so a burst of writes does not pay a TCP (or TLS)
 * connect and a challenge handshake per delivery. Spec §2 lets a server connection carry many
 * requests; our acceptor keeps reading frames until its idle deadline (IDLE_TIMEOUT_MS, 120 s).
 *
 * A session is handed out again only while its connection is open, it is younger than
 * `maxAgeMs` (a rotated token is proven by a fresh handshake soon) and idle for less than
 * `maxIdleMs` (far below the server's idle deadline, so the server never closes it under us in
 * the normal case), and the `key` (a fingerprint of token and TLS settings) is unchanged.
 * Pure bookkeeping: the caller passes the time and closes nothing but through `destroy`.
 */

/** How long a session is reused after its handshake, and how long it may sit idle. */
export const SESSION_MAX_AGE_MS = 30_000
export const SESSION_MAX_IDLE_MS = 5_000

/** What the pool needs of a session: whether its connection is still open, and tearing it down. */
export interface PoolableSession {
  ch: { conn: { readonly closed: boolean }; destroy(): void }
}

export interface PooledSession<S extends PoolableSession> {
  session: S
  /** When its handshake completed (epoch ms). */
  openedAt: number
}

interface Entry<S extends PoolableSession> extends PooledSession<S> {
  idleSince: number
}

export interface SessionPoolLimits {
  maxAgeMs: number
  maxIdleMs: number
}

export class SessionPool<S extends PoolableSession> {
  private readonly idle = new Map<string, Entry<S>>()
  private key: string | undefined

  constructor(private readonly limits: SessionPoolLimits = { maxAgeMs: SESSION_MAX_AGE_MS, maxIdleMs: SESSION_MAX_IDLE_MS }) {}

  /** Idle sessions held. */
  get size(): number {
    return this.idle.size
  }

  /**
   * Takes `peer`'s idle session if it may still be used; otherwise destroys it and returns
   * undefined. A changed `key` (token or TLS settings) drops every idle session first.
   */
  take(peer: string, key: string, now: number): PooledSession<S> | undefined {
    this.rekey(key)
    const e = this.idle.get(peer)
    if (!e) return undefined
    this.idle.delete(peer)
    if (e.session.ch.conn.closed || now - e.openedAt >= this.limits.maxAgeMs || now - e.idleSince >= this.limits.maxIdleMs) {
      e.session.ch.destroy()
      return undefined
    }
    return { session: e.session, openedAt: e.openedAt }
  }

  /**
   * Parks `session` as `peer`'s idle session (replacing, and destroying, one parked meanwhile).
   * Returns false, having destroyed it, when it is closed, too old or made under another key.
   */
  put(peer: string, key: string, pooled: PooledSession<S>, now: number): boolean {
    this.rekey(key)
    const { session, openedAt } = pooled
    if (session.ch.conn.closed || now - openedAt >= this.limits.maxAgeMs) {
      session.ch.destroy()
      return false
    }
    const old = this.idle.get(peer)
    if (old && old.session !== session) old.session.ch.destroy()
    this.idle.set(peer, { session, openedAt, idleSince: now })
    return true
  }

  /** Destroys the idle sessions of peers not in `peers` (a peer was removed). */
  retain(peers: readonly string[]): void {
    const keep = new Set(peers)
    for (const peer of [...this.idle.keys()]) if (!keep.has(peer)) this.drop(peer)
  }

  /** Destroys every idle session (stop, settings change). */
  clear(): void {
    for (const peer of [...this.idle.keys()]) this.drop(peer)
  }

  private drop(peer: string): void {
    this.idle.get(peer)?.session.ch.destroy()
    this.idle.delete(peer)
  }

  private rekey(key: string): void {
    if (this.key !== undefined && this.key !== key) this.clear()
    this.key = key
  }
}
