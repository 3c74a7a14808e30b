/**
 * cluster/peers/: what the cluster knows and owes about each peer. This file is the per-peer outbox:
 * what each peer still has to receive (the newest snapshot, record_lww entries, an anti-entropy
 * request) and the retry timers with backoff. It does not dial: the node's `deliver` (rounds.ts) does, over
 * one session, and the outbox decides when to call it again. Imports no transport and no metrics.
 */
import type { Logger } from 'pino'
import { isDnsplaneError } from '../../errors.js'
import { setClampedTimeout } from '../../timers.js'
import { backoffDelayMs, PUSH_RETRY_MAX_MS, PUSH_RETRY_MIN_MS, random01From } from './backoff.js'
import { compareHlc } from '../sync/lww/hlc.js'
import type { RecordsFullMessage } from '../wire/messages.js'
import type { VersionedEntry } from '../sync/lww/replica.js'
import { MAX_PENDING_ENTRIES } from '../settings.js'

/** What one peer still has to receive; `deliver` updates it as parts are acknowledged. */
export interface PendingPush {
  /** For a peer without record_lww: the newest snapshot (the original's push). */
  snapshot?: RecordsFullMessage
  /** For a record_lww peer: entries not yet acknowledged, newest version per key. */
  entries: Map<string, VersionedEntry>
  /** Run anti-entropy at the next contact (start-up, or the entry queue overflowed). */
  antiEntropy: boolean
  attempt: number
  inFlight: boolean
  /** Bumped on every change, so a delivery knows whether something arrived meanwhile. */
  version: number
  timer?: unknown
  /** Epoch ms of the oldest change not yet delivered (status: the real replication lag). */
  since?: number
  /** Epoch ms of the first change that arrived while a delivery was in flight. */
  changedDuringDelivery?: number
}

/** The event the outbox emits when a delivery failed and a retry is scheduled. */
export interface PushFailedEvent {
  kind: 'push_failed'
  peer: string
  attempt: number
  retry_in_ms: number
}

/** Timer functions (injectable for tests); the default clamps the delay (src/timers.ts). */
export interface OutboxTimers {
  set(fn: () => void, ms: number): unknown
  clear(handle: unknown): void
}

export interface OutboxDeps {
  /** One delivery attempt of `pending` to `peer` over one session; throws when it did not complete. */
  deliver: (peer: string, pending: PendingPush) => Promise<void>
  /** False once the owner stopped: no delivery starts, and a finished one schedules nothing. */
  isRunning: () => boolean
  /** The snapshot cannot fit one frame (ERR_FRAME_TOO_LARGE): the owner marks the peer unhealthy. */
  onSnapshotTooLarge: (peer: string) => void
  emit: (e: PushFailedEvent) => void
  /** Registers an async task the owner waits for at stop. */
  track: (task: Promise<unknown>) => void
  log: Logger
  /** Random bytes for the retry jitter. */
  random: (bytes: number) => Buffer
  /** Backoff bounds in ms; default PUSH_RETRY_MIN_MS / PUSH_RETRY_MAX_MS. */
  retryMinMs?: number
  retryMaxMs?: number
  timers?: OutboxTimers
  /** Epoch ms; default Date.now. */
  now?: () => number
}

const DEFAULT_TIMERS: OutboxTimers = {
  set: (fn, ms) => setClampedTimeout(fn, ms),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout> | undefined),
}

/** A fresh, empty PendingPush (also used by the sync engines for a one-off push). */
export function emptyPending(): PendingPush {
  return { entries: new Map(), antiEntropy: false, attempt: 0, inFlight: false, version: 0 }
}

/**
 * Per-peer queues with retries: a change (re)starts delivery at once and resets the backoff; a failure
 * schedules a retry after backoffDelayMs(attempt) and emits push_failed; a change that arrives during
 * a delivery is sent right after it. stop() cancels every timer and forgets the queues.
 */
export class Outbox {
  private readonly pending = new Map<string, PendingPush>()
  private readonly timers: OutboxTimers
  private readonly retryMinMs: number
  private readonly retryMaxMs: number

  constructor(private readonly deps: OutboxDeps) {
    this.timers = deps.timers ?? DEFAULT_TIMERS
    this.retryMinMs = deps.retryMinMs ?? PUSH_RETRY_MIN_MS
    this.retryMaxMs = deps.retryMaxMs ?? PUSH_RETRY_MAX_MS
  }

  /** True while `peer` has something queued (or a retry scheduled). */
  has(peer: string): boolean {
    return this.pending.has(peer)
  }

  /** The queue of `peer`, if any (read-only use: status). */
  get(peer: string): Readonly<PendingPush> | undefined {
    return this.pending.get(peer)
  }

  /** Keeps only the newest snapshot per peer; starts delivery unless one is in flight. */
  queueSnapshot(peer: string, snapshot: RecordsFullMessage): void {
    const p = this.pendingFor(peer)
    p.snapshot = snapshot
    this.kick(peer, p)
  }

  /** Queues record_lww entries for a peer (newest version per key; overflow -> anti-entropy). */
  queueEntries(peer: string, entries: readonly VersionedEntry[]): void {
    const p = this.pendingFor(peer)
    for (const e of entries) {
      const cur = p.entries.get(e.key)
      if (!cur || compareHlc(e.version, cur.version) > 0) p.entries.set(e.key, e)
    }
    if (p.entries.size > MAX_PENDING_ENTRIES) {
      p.entries.clear()
      p.antiEntropy = true
      this.deps.log.warn({ peer, limit: MAX_PENDING_ENTRIES }, 'cluster entry queue overflow; peer will be caught up by anti-entropy')
    }
    this.kick(peer, p)
  }

  /** Asks for anti-entropy at the next contact (and, when given, offers `snapshot` to a non-record_lww peer). */
  queueAntiEntropy(peer: string, snapshot?: RecordsFullMessage): void {
    const p = this.pendingFor(peer)
    p.antiEntropy = true
    if (snapshot) p.snapshot = snapshot
    this.kick(peer, p)
  }

  /** Delivers what `peer` has queued now (e.g. after a successful probe), unless a delivery is in flight. */
  flush(peer: string): void {
    const p = this.pending.get(peer)
    if (p && !p.inFlight) this.deps.track(this.deliverPending(peer))
  }

  /** Drops the queues (and retry timers) of peers not in `peers`. */
  retain(peers: readonly string[]): void {
    const keep = new Set(peers)
    for (const [addr, p] of this.pending) {
      if (!keep.has(addr)) {
        this.timers.clear(p.timer)
        this.pending.delete(addr)
      }
    }
  }

  /** Cancels every retry timer and forgets all queues; a delivery in flight finds its queue gone and stops. */
  stop(): void {
    for (const p of this.pending.values()) this.timers.clear(p.timer)
    this.pending.clear()
  }

  private pendingFor(peer: string): PendingPush {
    let p = this.pending.get(peer)
    if (!p) {
      p = emptyPending()
      this.pending.set(peer, p)
    }
    return p
  }

  /** Notes a change and starts delivery now (resetting the backoff) unless one is in flight. */
  private kick(peer: string, p: PendingPush): void {
    const now = (this.deps.now ?? Date.now)()
    p.since ??= now
    if (p.inFlight) p.changedDuringDelivery ??= now
    p.version++
    this.timers.clear(p.timer)
    p.timer = undefined
    p.attempt = 0
    if (!p.inFlight) this.deps.track(this.deliverPending(peer))
  }

  private async deliverPending(peer: string): Promise<void> {
    const p = this.pending.get(peer)
    if (!p || p.inFlight || !this.deps.isRunning()) return
    this.timers.clear(p.timer)
    p.timer = undefined
    p.inFlight = true
    p.changedDuringDelivery = undefined
    const version = p.version
    let failure: unknown
    try {
      await this.deps.deliver(peer, p)
    } catch (err) {
      failure = err
    }
    p.inFlight = false
    if (this.pending.get(peer) !== p || !this.deps.isRunning()) return // peer removed or owner stopped
    if (isDnsplaneError(failure, 'ERR_FRAME_TOO_LARGE')) {
      // Retrying cannot help: the snapshot is over the protocol's 64 MiB frame limit. Keep the peer
      // unhealthy until a later delivery succeeds (record_lww peers get chunked deltas instead).
      p.snapshot = undefined
      this.deps.onSnapshotTooLarge(peer)
      this.deps.log.error({ peer, error: failure.message }, 'cluster snapshot too large for one records_full frame; not retried (use record_lww)')
      if (p.entries.size === 0 && !p.antiEntropy) this.pending.delete(peer)
      return
    }
    if (failure === undefined) {
      if (!p.snapshot && p.entries.size === 0 && !p.antiEntropy) {
        this.pending.delete(peer)
        return
      }
      if (p.version !== version) {
        // What was queued before is delivered; the oldest change left is the first that came meanwhile.
        p.since = p.changedDuringDelivery ?? p.since
        // Something new arrived meanwhile: send it now.
        this.deps.track(this.deliverPending(peer))
        return
      }
    }
    p.attempt++
    const delay = backoffDelayMs(p.attempt, random01From(this.deps.random(4)), this.retryMinMs, this.retryMaxMs)
    p.timer = this.timers.set(() => this.deps.track(this.deliverPending(peer)), delay)
    this.deps.emit({ kind: 'push_failed', peer, attempt: p.attempt, retry_in_ms: delay })
    this.deps.log.warn(
      { peer, seq: p.snapshot?.seq, entries: p.entries.size, attempt: p.attempt, retry_in_ms: delay, error: (failure as Error | undefined)?.message ?? 'undelivered' },
      'cluster push failed',
    )
  }
}
