/**
 * The node's timed and outbound work: the periodic pull round (its timer re-armed when settings
 * change), the probe and discovery loops, one pull from one peer, and one outbox delivery. Each opens a session with the
 * dialler, lets the sync engine run the exchange, and records the outcome in the peer tracker.
 */
import type { Logger } from 'pino'
import type { PeerOpResult } from './control.js'
import type { ClusterEvent } from './events.js'
import type { NodeState } from './node-state.js'
import { normalizeSrvName } from './peers/discovery.js'
import type { PendingPush } from './peers/outbox.js'
import type { PeerTracker } from './peers/peer-tracker.js'
import type { Session } from './session/dialer.js'
import { DIAL_TIMEOUT_MS, PULL_DEADLINE_MS, PUSH_DEADLINE_MS, type ClusterSettings } from './settings.js'
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

  /** One outbox delivery over one session (the engine decides what it carries); throws when it did not complete. */
  async deliverOnce(peer: string, p: PendingPush): Promise<void> {
    const { deps } = this
    const tracked = deps.tracker.get(peer)
    let session: Session | undefined
    let rtt: number
    try {
      const t0 = deps.now()
      session = await deps.dial(peer, DIAL_TIMEOUT_MS, PUSH_DEADLINE_MS)
      rtt = deps.now() - t0
      await deps.engine().deliver(peer, session, p)
    } catch (err) {
      tracked.lastOutboundError = (err as Error).message
      session?.ch.destroy()
      throw err
    }
    session.close()
    const now = deps.now()
    tracked.lastOutboundOk = now
    tracked.lastOutboundError = undefined
    tracked.pushBlocked = undefined
    deps.tracker.synced(peer, now, rtt)
    deps.emit({ kind: 'push_acked', peer, seq: deps.state.current.local_seq })
    deps.emit({ kind: 'sync_ok', peer, op: 'push' })
  }
}
