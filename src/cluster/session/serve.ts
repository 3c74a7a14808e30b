/**
 * The accepting side of a session: connection guards (inbound limit, sources blocked after
 * repeated auth failures), the read loop with its auth and idle timeouts, and the pure server
 * machine (protocol.ts, handshake.ts) whose effects go to the sync engine or the admin room.
 */
import type { Logger } from 'pino'
import { isDnsplaneError } from '../../errors.js'
import type { AuthFailureReason, ClusterEvent } from '../events.js'
import type { NodeState } from '../node-state.js'
import type { ClusterLimits, ClusterSettings } from '../settings.js'
import { FrameChannel } from '../transport/channel.js'
import type { FrameBudget } from '../transport/frame-budget.js'
import type { Connection } from '../transport/transport.js'
import { PRE_AUTH_MAX_FRAME_BYTES } from '../wire/codec.js'
import type { AdminConfigApplyMessage, AuthChallengeMessage, AuthMessage, Message, ParseResult } from '../wire/messages.js'
import { newNonce } from './auth-challenge.js'
import { AuthGuard } from './auth-guard.js'
import { createChallenge, hasChallengeCap, verifyClientResponse, type PendingChallenge } from './handshake.js'
import { step, type ConnState, type Effect, type StepContext, type SyncEffect } from './protocol.js'
import { checkToken } from './tokens.js'

/** The peer behind an inbound request. */
export interface InboundPeer {
  remoteAddress: string
  /** Credits the configured peer that announced `nodeId` (status: last inbound, last sync). */
  credit(nodeId: string, synced: boolean): void
  log: Logger
}

export interface ServeDeps {
  settings: () => ClusterSettings
  state: NodeState
  limits: ClusterLimits
  frameBudget: FrameBudget
  log: Logger
  now: () => number
  random: (bytes: number) => Buffer
  token: () => string
  ownCaps: () => string[]
  isRunning: () => boolean
  /** Answers a sync request of an authenticated peer (the node's sync engine). */
  serveSync: (request: SyncEffect, ch: FrameChannel, from: InboundPeer) => Promise<void>
  /** Receiver side of admin_config_apply (admin.ts). */
  applyAdmin: (msg: AdminConfigApplyMessage, remoteIp: string) => Promise<Message>
  credit: (nodeId: string, remoteIp: string, synced: boolean) => void
  emit: (e: ClusterEvent) => void
  parse: (frame: Buffer) => ParseResult
  track: (task: Promise<unknown>) => void
  /** Ours: our record count and digest, announced in auth_ok for the dialler's status. */
  recordsSummary?: () => { count: number; digest: string }
  /** Ours: answers an authenticated peer's dnssec_keys_pull (dnssec_keys or error); absent = not a signer. */
  dnssecKeys?: (zone: string, remoteIp: string) => Message
}

export class Acceptor {
  private readonly inbound = new Set<Connection>()
  private readonly guard: AuthGuard

  constructor(private readonly deps: ServeDeps) {
    this.guard = new AuthGuard(deps.limits)
  }

  /** Takes a new connection, or refuses it (not running, source blocked, too many connections). */
  accept(conn: Connection): void {
    const { deps } = this
    if (!deps.isRunning()) {
      conn.destroy()
      return
    }
    if (this.guard.isBlocked(conn.remoteIp, deps.now())) {
      deps.emit({ kind: 'connection_refused', reason: 'source_blocked' })
      conn.destroy()
      return
    }
    if (this.inbound.size >= deps.limits.maxInboundConnections) {
      deps.emit({ kind: 'connection_refused', reason: 'max_connections' })
      deps.log.warn({ remote: conn.remoteAddress, limit: deps.limits.maxInboundConnections }, 'cluster connection refused: too many connections')
      conn.destroy()
      return
    }
    this.inbound.add(conn)
    conn.onClose(() => this.inbound.delete(conn))
    deps.track(this.serve(conn))
  }

  /** Destroys every inbound connection (stop). */
  destroyAll(): void {
    for (const c of this.inbound) c.destroy()
    this.inbound.clear()
  }

  /** Counts one failed auth of `ip`; blocks the source after too many. */
  recordFailedAuth(ip: string, reason: AuthFailureReason): void {
    this.deps.emit({ kind: 'auth_failure', reason })
    if (this.guard.recordFailure(ip, this.deps.now())) {
      this.deps.log.warn({ ip, window_ms: this.deps.limits.failedAuthWindowMs }, 'cluster source blocked after repeated auth failures')
    }
  }

  private async serve(conn: Connection): Promise<void> {
    const { deps } = this
    const ch = new FrameChannel(conn, PRE_AUTH_MAX_FRAME_BYTES, (msg, bytes) => deps.emit({ kind: 'frame_out', type: msg.type, bytes }), deps.frameBudget)
    const log = deps.log.child({ remote: conn.remoteAddress })
    let state: ConnState = 'awaiting_auth'
    let graceful = false
    const ctx = this.stepContext()
    try {
      while (state !== 'closed' && deps.isRunning()) {
        const frame = await this.nextFrame(ch, state, conn, log)
        if (!frame) {
          if (frame === null) state = 'closed'
          break
        }
        const outcome = step(state, deps.parse(frame), ctx)
        state = outcome.state
        for (const reply of outcome.replies) await ch.send(reply)
        for (const effect of outcome.effects) await this.perform(effect, ch, conn, log)
        if (state === 'closed') graceful = true
      }
    } catch (err) {
      log.debug({ error: (err as Error).message }, 'cluster connection ended')
    } finally {
      // Got our challenge, then left without a valid proof: counts as a failed auth, or one
      // connection per guess would be free (issue #10 item 5).
      if (state === 'awaiting_proof' && deps.isRunning()) {
        this.recordFailedAuth(conn.remoteIp, 'abandoned')
        log.warn('cluster client left after the challenge without a proof')
      }
      if (graceful) ch.close()
      else ch.destroy()
    }
  }

  /** The next frame; null after an auth timeout (counted), undefined when the stream ended otherwise. */
  private async nextFrame(ch: FrameChannel, state: ConnState, conn: Connection, log: Logger): Promise<Buffer | null | undefined> {
    const { limits } = this.deps
    try {
      return state === 'awaiting_auth' || state === 'awaiting_proof'
        ? await ch.next(limits.authTimeoutMs, 'ERR_AUTH_TIMEOUT')
        : await ch.next(limits.idleTimeoutMs)
    } catch (err) {
      if (isDnsplaneError(err, 'ERR_AUTH_TIMEOUT')) {
        this.recordFailedAuth(conn.remoteIp, 'timeout')
        log.warn('cluster client sent no auth in time')
        return null
      }
      if (isDnsplaneError(err, 'ERR_FRAME_TOO_LARGE')) {
        log.warn({ error: err.message, authenticated: state === 'ready' }, 'cluster frame too large')
      }
      return undefined
    }
  }

  /** Per-connection server context: token rule, our challenge and what its answer must prove, our auth_ok. */
  private stepContext(): StepContext {
    const { deps } = this
    let pending: PendingChallenge | undefined
    return {
      checkToken: (t) => checkToken(t, deps.settings().cluster_auth_token),
      plainTokenAllowed: () => deps.settings().cluster_allow_plain_token !== false,
      challenge: (req: AuthMessage): AuthChallengeMessage | undefined => {
        const token = deps.token()
        if (!token) return undefined
        const start = { token, serverNonce: newNonce(deps.random), serverNodeId: deps.state.nodeId, caps: deps.ownCaps(), clockMs: deps.now() }
        const out = createChallenge(req, start)
        pending = out.pending
        return out.message
      },
      verifyResponse: (response) => {
        const p = pending
        pending = undefined
        return p ? verifyClientResponse(p, response) : undefined
      },
      authOk: (proof) => {
        const summary = deps.recordsSummary?.()
        const records = summary ? { records: summary.count, records_digest: summary.digest } : {}
        return { type: 'auth_ok', node_id: deps.state.nodeId, caps: deps.ownCaps(), clock_unix_ms: deps.now(), ...(proof ? { proof } : {}), ...records }
      },
    }
  }

  private async perform(effect: Effect, ch: FrameChannel, conn: Connection, log: Logger): Promise<void> {
    const { deps } = this
    switch (effect.kind) {
      case 'authenticated':
        ch.setMaxFrameBytes(deps.limits.maxFrameBytes)
        // Only after the peer proved the token, so nobody can pin a node id as challenge-only.
        if (hasChallengeCap(effect.peer.caps)) deps.state.noteChallengePeer(undefined, effect.peer.node_id)
        return
      case 'auth_failed':
        this.recordFailedAuth(conn.remoteIp, effect.reason)
        log.warn({ reason: effect.reason }, 'cluster auth failed')
        return
      case 'admin_apply':
        await ch.send(await deps.applyAdmin(effect.message, conn.remoteIp))
        return
      case 'serve_keys':
        await ch.send(deps.dnssecKeys?.(effect.message.zone, conn.remoteIp) ?? { type: 'error', message: 'this node shares no DNSSEC keys' })
        return
      case 'invalid_frame':
        log.debug({ reason: effect.reason }, 'cluster invalid frame')
        return
      case 'close':
        return
      default: {
        const from: InboundPeer = { remoteAddress: conn.remoteAddress, log, credit: (nodeId, synced) => deps.credit(nodeId, conn.remoteIp, synced) }
        await deps.serveSync(effect, ch, from)
      }
    }
  }
}
