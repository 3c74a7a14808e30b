/**
 * Reachability probes (ours: status, /ready and the dashboard): authenticate, ping, read any
 * reply. A probe that succeeds also flushes the peer's pending outbox at once. One round at a time.
 */
import { isDnsplaneError } from '../../errors.js'
import type { ClusterEvent } from '../events.js'
import type { Session } from '../session/dialer.js'
import { DIAL_TIMEOUT_MS, PROBE_DEADLINE_MS } from '../settings.js'
import { mapBounded } from '../tasks.js'
import type { ParseResult } from '../wire/messages.js'
import type { PeerTracker } from './peer-tracker.js'

export interface ProberDeps {
  tracker: PeerTracker
  dial: (peer: string, dialTimeoutMs: number, deadlineMs: number) => Promise<Session>
  parse: (frame: Buffer) => ParseResult
  peers: () => readonly string[]
  concurrency: number
  now: () => number
  emit: (e: ClusterEvent) => void
  /** The trimmed cluster token; no probes without one. */
  token: () => string
  /** The peer answered: deliver what is pending for it now. */
  onReachable: (peer: string) => void
}

export class Prober {
  private running = false

  constructor(private readonly deps: ProberDeps) {}

  /** Probes every effective peer (bounded); skipped while a round runs or without a token. */
  async probeAll(): Promise<void> {
    if (this.running || !this.deps.token()) return
    this.running = true
    try {
      await mapBounded(this.deps.peers(), this.deps.concurrency, (peer) => this.probe(peer))
    } finally {
      this.running = false
    }
  }

  /** Probes one peer: auth + ping + any reply; resolves true when it answered. */
  async probe(peer: string): Promise<boolean> {
    const { deps } = this
    const tracked = deps.tracker.get(peer)
    const t0 = deps.now()
    try {
      const session = await deps.dial(peer, DIAL_TIMEOUT_MS, PROBE_DEADLINE_MS)
      try {
        await session.ch.send({ type: 'ping' })
        deps.parse(await session.ch.next(PROBE_DEADLINE_MS))
      } finally {
        session.close()
      }
      const now = deps.now()
      tracked.reachable = true
      tracked.lastProbeOk = now
      tracked.lastProbeRttMs = Math.max(0, Math.round(now - t0))
      tracked.lastProbeError = undefined
      deps.emit({ kind: 'probe', peer, ok: true, rtt_ms: tracked.lastProbeRttMs })
      deps.onReachable(peer)
      return true
    } catch (err) {
      tracked.reachable = false
      tracked.lastProbeError = isDnsplaneError(err, 'ERR_AUTH_FAILED') ? 'auth failed' : (err as Error).message
      deps.emit({ kind: 'probe', peer, ok: false })
      return false
    }
  }
}
