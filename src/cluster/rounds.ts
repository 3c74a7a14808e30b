/**
 * The node's timed and outbound work: the periodic pull round (its timer re-armed when settings
 * change), the probe and discovery loops, one pull from one peer, and one outbox delivery. Each opens a session with the
 * dialler, lets the sync engine run the exchange, and records the outcome in the peer tracker.
 */
import { createHash } from 'node:crypto'
import type { Logger } from 'pino'
import type { PeerOpResult } from './control.js'
import type { ClusterEvent } from './events.js'
import type { NodeState } from './node-state.js'
import { normalizeSrvName } from './peers/discovery.js'
import type { PendingPush } from './peers/outbox.js'
import type { PeerTracker } from './peers/peer-tracker.js'
import type { Session } from './session/dialer.js'
import { SESSION_MAX_IDLE_MS, SessionPool, type PooledSession } from './session/session-pool.js'
import { DIAL_TIMEOUT_MS, PULL_DEADLINE_MS, PUSH_DEADLINE_MS, type ClusterSettings } from './settings.js'
import { CAP_RECORD_LWW } from './wire/messages.js'
import type { SyncEngine } from './sync/engine.js'
import { mapBounded, type Tasks, type TimerHandle } from './tasks.js'

export interface RoundsDeps {
  settings: () => ClusterSettings
  engine: () => SyncEngine
  dial: (peer: string, dialTimeoutMs: number, deadlineMs: number) => Promise<Session>
  tracker: PeerTracker
  state: NodeState
  peers: () => readonly string[]
  tasks: Tasks
  concurrency: number
  isRunning: () => boolean
  token: () => string
  now: () => number
  log: Logger
  emit: (e: ClusterEvent) => void
}

export class SyncRounds {
  private pullTimer: TimerHandle | undefined
  private pullRunning = false
  /** Idle sessions of acknowledged (record_lww) deliveries, reused by the next one to the same peer. */
  private readonly sessions = new SessionPool<Session>()

  constructor(private readonly deps: RoundsDeps) {}

  /** (Re)arms the periodic pull from the current cluster_sync_interval_seconds (ours: also after admin changes). */
  armPullTimer(): void {
    const { deps } = this
    deps.tasks.cancel(this.pullTimer)
    this.pullTimer = undefined
    const sec = deps.engine().pullIntervalSeconds(Math.max(0, deps.settings().cluster_sync_interval_seconds ?? 0))
    if (!deps.isRunning() || sec <= 0) return
    this.pullTimer = deps.tasks.every(sec * 1000, () => {
      if (this.pullRunning || !deps.settings().cluster_enabled || !deps.token()) return
      this.pullRunning = true
      return deps
        .engine()
        .beforePullRound()
        .then(() => this.pullAll())
        .finally(() => (this.pullRunning = false))
    })
  }

  /**
   * The periodic loops besides the pull: probes every `probeMs` (ours: one round at once, so status,
   * /ready and the dashboard know reachability from the start), and SRV refresh when configured.
   */
  startLoops(probeMs: number, probeAll: () => Promise<void>, refreshDiscovery: () => Promise<void>): void {
    const { tasks, settings } = this.deps
    if (probeMs > 0) {
      tasks.track(probeAll())
      tasks.every(probeMs, probeAll)
    }
    const s = settings()
    const srv = normalizeSrvName(s.cluster_discovery_srv)
    const discSec = s.cluster_discovery_interval_seconds ?? (srv ? 60 : 0)
    if (srv && discSec > 0) tasks.every(discSec * 1000, refreshDiscovery)
  }

  /** Pulls from every effective peer, at most `concurrency` at once; one result per peer. */
  pullAll(): Promise<PeerOpResult[]> {
    return mapBounded(this.deps.peers(), this.deps.concurrency, (peer) => this.pullFrom(peer))
  }

  private async pullFrom(peer: string): Promise<PeerOpResult> {
    const { deps } = this
    try {
      const t0 = deps.now()
      const session = await deps.dial(peer, DIAL_TIMEOUT_MS, PULL_DEADLINE_MS)
      const rtt = deps.now() - t0
      const synced = await deps.engine().pull(peer, session)
      const now = deps.now()
      // A pull that completed proves the peer reachable now, whatever an older probe said.
      deps.tracker.contact(peer, rtt).lastPullOk = now
      if (synced) {
        deps.tracker.synced(peer, now)
        deps.emit({ kind: 'sync_ok', peer, op: 'pull' })
      }
      return { address: peer, ok: true }
    } catch (err) {
      deps.emit({ kind: 'pull_failed', peer })
      deps.log.warn({ peer, error: (err as Error).message }, 'cluster pull failed')
      return { address: peer, ok: false, error: (err as Error).message }
    }
  }

  /**
   * One outbox delivery (the engine decides what it carries); throws when it did not complete.
   * Ours: reuses the peer's idle session from the last acknowledged delivery (session-pool.ts);
   * when that fails it is destroyed and the delivery runs once more at once on a fresh session.
   */
  async deliverOnce(peer: string, p: PendingPush): Promise<void> {
    const { deps } = this
    const tracked = deps.tracker.get(peer)
    const key = this.sessionKey()
    let rtt: number | undefined
    try {
      const reused = this.sessions.take(peer, key, deps.now())
      if (reused) {
        try {
          await this.deliverOver(peer, reused, p, key)
        } catch (err) {
          // Safe to send again: a record_lww delivery is an idempotent merge (deltas carry versioned
          // entries, the higher version wins and an equal one changes nothing; entries leave the
          // queue only once acknowledged; anti-entropy restarts from digests), and only such
          // deliveries are pooled (records_full pushes never are).
          // deliverOver destroyed the broken session already.
          deps.log.debug({ peer, error: (err as Error).message }, 'cluster reused session failed; delivering on a fresh one')
          rtt = await this.deliverFresh(peer, p, key)
        }
      } else {
        rtt = await this.deliverFresh(peer, p, key)
      }
    } catch (err) {
      tracked.lastOutboundError = (err as Error).message
      throw err
    }
    const now = deps.now()
    tracked.lastOutboundOk = now
    tracked.lastOutboundError = undefined
    tracked.pushBlocked = undefined
    deps.tracker.synced(peer, now, rtt)
    deps.emit({ kind: 'push_acked', peer, seq: deps.state.current.local_seq })
    deps.emit({ kind: 'sync_ok', peer, op: 'push' })
  }

  /** Destroys the idle sessions of peers no longer configured (all of them when `peers` is empty: stop). */
  retainSessions(peers: readonly string[]): void {
    this.sessions.retain(peers)
  }

  /** Dials, delivers and parks or closes the session; resolves with the dial's round trip. */
  private async deliverFresh(peer: string, p: PendingPush, key: string): Promise<number> {
    const { deps } = this
    const t0 = deps.now()
    const session = await deps.dial(peer, DIAL_TIMEOUT_MS, PUSH_DEADLINE_MS)
    const openedAt = deps.now()
    await this.deliverOver(peer, { session, openedAt }, p, key)
    return openedAt - t0
  }

  /** Delivers over `pooled`; afterwards parks it when the delivery was acknowledged (record_lww), else closes it. Destroys it on failure. */
  private async deliverOver(peer: string, pooled: PooledSession<Session>, p: PendingPush, key: string): Promise<void> {
    const { deps } = this
    const { session } = pooled
    try {
      session.rearm?.(PUSH_DEADLINE_MS)
      await deps.engine().deliver(peer, session, p)
    } catch (err) {
      session.ch.destroy()
      throw err
    }
    const acked = session.caps.includes(CAP_RECORD_LWW) && deps.tracker.get(peer).syncMode === 'record_lww'
    if (!acked || !session.rearm || !deps.isRunning() || !this.sessions.put(peer, key, pooled, deps.now())) {
      session.close()
      return
    }
    // Our own idle limit closes it if nothing else comes; the server's (120 s) is far later.
    session.rearm(SESSION_MAX_IDLE_MS)
  }

  /**
   * Sessions made under another token or auth rule are never reused (hashed, so the pool holds no
   * copy of the token). TLS settings need no part here: the transport is built once per node
   * (daemon/build-cluster.ts), and a restart starts with an empty pool.
   */
  private sessionKey(): string {
    const parts = [this.deps.token(), String(this.deps.settings().cluster_allow_plain_token)]
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex')
  }
}
