/**
 * The dialling side of a session: connect, run the handshake (authenticate.ts over the pure
 * machine in handshake.ts), record what the peer announced, and hand back an open Session. The
 * plain-token fallback is decided here from the handshake's value (decidePlainFallback), per
 * attempt, never remembered.
 */
import type { Logger } from 'pino'
import { DnsplaneError } from '../../errors.js'
import type { ClusterEvent } from '../events.js'
import type { NodeState } from '../node-state.js'
import { FrameChannel } from '../transport/channel.js'
import type { Connection, Transport } from '../transport/transport.js'
import type { ParseResult } from '../wire/messages.js'
import { newNonce } from './auth-challenge.js'
import { authenticateClient } from './authenticate.js'
import { decidePlainFallback, type ClientMode, type PeerAnnouncement } from './handshake.js'

/** An authenticated outbound connection. */
export interface Session {
  ch: FrameChannel
  /** Closes gracefully (after queued frames). */
  close(): void
  /** Restarts the whole-connection deadline at `deadlineMs` from now (a pooled session's next use, or its idle limit). */
  rearm?(deadlineMs: number): void
  /** Capabilities the peer announced in auth_ok / auth_challenge ([] for a Go peer). */
  caps: string[]
  peerNodeId?: string
}

export interface DialerDeps {
  transport: Transport
  /** The node id we announce, and whether a peer ever announced challenge auth. */
  state: Pick<NodeState, 'nodeId' | 'isChallengePeer'>
  /** The node id `peer` announced before, if any (a known challenge peer never gets the plain token). */
  knownNodeId: (peer: string) => string | undefined
  /** The peer authenticated and announced `info`; `sentAt` is when our auth went out (epoch ms). Returns what the session reports. */
  onAnnounced: (peer: string, info: PeerAnnouncement, sentAt: number) => { caps: string[]; nodeId?: string }
  log: Logger
  now: () => number
  random: (bytes: number) => Buffer
  maxFrameBytes: number
  /** The trimmed cluster token (config/cluster-token.ts); '' = none. */
  token: () => string
  plainTokenAllowed: () => boolean
  ownCaps: () => string[]
  signal: () => AbortSignal
  emit: (e: ClusterEvent) => void
  parse: (frame: Buffer) => ParseResult
}

type Attempt = { kind: 'session'; session: Session } | { kind: 'legacy_peer' }

export class Dialer {
  private readonly open = new Set<Connection>()

  constructor(private readonly deps: DialerDeps) {}

  /**
   * Dials and authenticates. Ours: announces node id, capabilities and clock (extra keys Go
   * ignores) and uses challenge/2. When the peer refuses the challenge request like a Go node, this
   * attempt alone may dial again with the plain token: never when cluster_allow_plain_token is
   * false or the peer ever announced challenge auth. Throws ERR_PEER_UNREACHABLE / ERR_AUTH_FAILED.
   */
  async dial(peer: string, dialTimeoutMs: number, deadlineMs: number): Promise<Session> {
    const first = await this.attempt(peer, dialTimeoutMs, deadlineMs, 'challenge')
    if (first.kind === 'session') return first.session
    const known = this.deps.state.isChallengePeer(peer, this.deps.knownNodeId(peer))
    const fallback = decidePlainFallback(this.deps.plainTokenAllowed(), known)
    if (!fallback.allowed) {
      if (fallback.reason === 'challenge_peer') {
        this.deps.log.warn({ peer }, 'cluster peer that announced challenge auth refused it; not sending the plain token (downgrade?)')
        throw new DnsplaneError('ERR_AUTH_FAILED', `${peer} announced challenge auth before and now refuses it; the plain token is not sent to it`)
      }
      throw new DnsplaneError('ERR_AUTH_FAILED', `${peer} does not support challenge auth and cluster_allow_plain_token is false`)
    }
    this.deps.log.debug({ peer }, 'cluster peer has no challenge auth (Go node?); using the plain token for this connection')
    const second = await this.attempt(peer, dialTimeoutMs, deadlineMs, 'plain')
    // The plain exchange never ends as legacy_peer (handshake.ts clientStep).
    if (second.kind === 'session') return second.session
    throw new DnsplaneError('ERR_AUTH_FAILED', `${peer}: auth failed`)
  }

  /** Destroys every outbound connection (stop). */
  destroyAll(): void {
    for (const c of this.open) c.destroy()
    this.open.clear()
  }

  private async attempt(peer: string, dialTimeoutMs: number, deadlineMs: number, mode: ClientMode): Promise<Attempt> {
    const { deps } = this
    let conn: Connection
    try {
      conn = await deps.transport.dial(peer, { timeoutMs: dialTimeoutMs, signal: deps.signal() })
    } catch (cause) {
      throw new DnsplaneError('ERR_PEER_UNREACHABLE', `dial ${peer}: ${(cause as Error).message}`, { cause })
    }
    const ch = new FrameChannel(conn, deps.maxFrameBytes, (msg, bytes) => deps.emit({ kind: 'frame_out', type: msg.type, bytes }))
    // Whole-connection deadline, as the original's SetDeadline.
    let deadline = setTimeout(() => conn.destroy(), deadlineMs)
    this.open.add(conn)
    conn.onClose(() => {
      clearTimeout(deadline)
      this.open.delete(conn)
    })
    try {
      const t0 = deps.now()
      const result = await authenticateClient(
        { send: (m) => ch.send(m), next: async () => deps.parse(await ch.next(deadlineMs)) },
        { mode, token: deps.token(), nodeId: deps.state.nodeId, caps: deps.ownCaps(), clockMs: t0, clientNonce: newNonce(deps.random) },
      )
      if (result.kind === 'legacy_peer') {
        clearTimeout(deadline)
        ch.destroy()
        return result
      }
      const known = deps.onAnnounced(peer, result.peer, t0)
      const close = () => {
        clearTimeout(deadline)
        ch.close()
      }
      const rearm = (ms: number) => {
        clearTimeout(deadline)
        if (!conn.closed) deadline = setTimeout(() => conn.destroy(), ms)
      }
      return { kind: 'session', session: { ch, caps: known.caps, peerNodeId: known.nodeId, close, rearm } }
    } catch (err) {
      clearTimeout(deadline)
      ch.destroy()
      throw wrapPeerError(peer, err)
    }
  }
}

function wrapPeerError(peer: string, err: unknown): Error {
  if (err instanceof DnsplaneError) return err
  return new DnsplaneError('ERR_PEER_UNREACHABLE', `${peer}: ${(err as Error).message}`, { cause: err })
}
