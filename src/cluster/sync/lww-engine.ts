/**
 * The record_lww engine (ours): every record carries a hybrid-clock version (lww/); local writes
 * become versioned entries queued per peer in the outbox and sent as acknowledged deltas; a pull,
 * start-up and a queue overflow run anti-entropy (digest -> differing buckets -> entries both
 * ways, lww-sync.ts). Peers without record_lww (Go nodes, ours under another policy) get the
 * original's snapshots from an inner SnapshotEngine, whose record_lww policy accepts them like
 * lww_per_node. The replica is reached only through ReplicaPort: the store's journal and
 * dnsrecords.json (replica-store/lww-replica.ts, store/record-versions.ts).
 */
import type { HlcClock } from './lww/hlc.js'
import type { ReplicaState, VersionedEntry } from './lww/replica.js'
import type { PendingPush } from '../peers/outbox.js'
import type { Session } from '../session/dialer.js'
import { DEFAULT_TOMBSTONE_TTL_SECONDS, LWW_ANTI_ENTROPY_DEFAULT_SECONDS, PULL_DEADLINE_MS, PUSH_DEADLINE_MS } from '../settings.js'
import type { FrameChannel } from '../transport/channel.js'
import { CAP_RECORD_LWW, type DeltaMessage, type Message } from '../wire/messages.js'
import type { EngineContext, EngineStatus, InboundPeer, SyncEngine, SyncRequest } from './engine.js'
import { describeRejections, screenVersions } from './entry-guard.js'
import { answerDigest, runAntiEntropy, sendDeltas, type ExchangeContext, type LwwSyncResult } from './lww-sync.js'
import { noteRejected } from './rejections.js'
import { SnapshotEngine } from './snapshot-engine.js'

/** The versioned replica as the engine sees it (filled by the store's journal and snapshot). */
export interface ReplicaPort {
  readonly state: ReplicaState
  readonly clock: HlcClock
  /** Starts versioning local store changes. */
  start(): void
  stop(): Promise<void>
  /** Local writes as versioned entries; returns the unsubscribe function. */
  onLocalEntries(listener: (entries: VersionedEntry[]) => void): () => void
  /** Merges a peer's entries (newer version wins), persists, commits to the store; resolves with the winners. */
  applyRemote(entries: readonly VersionedEntry[]): Promise<VersionedEntry[]>
  /** Forgets tombstones older than `horizonMs`; resolves with how many. */
  collectTombstones(horizonMs: number): Promise<number>
  /** Resolves once every bucket hash is computed, in slices (anti-entropy waits for it). */
  hashed?(): Promise<void>
}

export class LwwEngine implements SyncEngine {
  readonly name = 'record_lww' as const
  private readonly snapshots: SnapshotEngine
  private replica: ReplicaPort | undefined
  private unsubscribe: (() => void) | undefined
  private batchSeq = 0
  private deltasApplied = 0
  private antiEntropyRounds = 0

  constructor(
    private readonly cx: EngineContext,
    private readonly openReplica: () => Promise<ReplicaPort>,
  ) {
    this.snapshots = new SnapshotEngine(cx, { wantsSnapshot: (p) => cx.tracker.get(p).syncMode !== 'record_lww' })
  }

  caps(): string[] {
    return [CAP_RECORD_LWW]
  }

  async open(): Promise<void> {
    this.replica = await this.openReplica()
    await this.replica.collectTombstones(this.tombstoneTtlMs())
  }

  start(): void {
    this.snapshots.start()
    const replica = this.need()
    replica.start()
    this.unsubscribe = replica.onLocalEntries((entries) => {
      this.cx.emit({ kind: 'local_versions', entries: entries.length })
      for (const peer of this.cx.peers()) this.queueEntries(peer, entries)
    })
  }

  /**
   * Anti-entropy with every peer (catches up both sides, including writes whose delta was pending
   * when this node stopped); peers without record_lww get the last snapshot instead.
   */
  offerToPeers(): void {
    if (!this.cx.token()) return
    const snapshot = this.snapshots.lastSnapshot()
    for (const peer of this.cx.peers()) this.cx.outbox.queueAntiEntropy(peer, snapshot)
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.snapshots.stop()
    await this.replica?.stop().catch(() => undefined)
    this.replica = undefined
  }

  /** record_lww always runs anti-entropy: it is what heals a peer that missed deltas. */
  pullIntervalSeconds(configured: number): number {
    return configured > 0 ? configured : LWW_ANTI_ENTROPY_DEFAULT_SECONDS
  }

  async beforePullRound(): Promise<void> {
    await this.replica?.collectTombstones(this.tombstoneTtlMs())
  }

  preparePush(): Promise<PendingPush> {
    return this.snapshots.preparePush()
  }

  /** To a record_lww peer: anti-entropy when due, then the queued entries as acknowledged deltas. */
  async deliver(peer: string, session: Session, p: PendingPush): Promise<void> {
    if (!session.caps.includes(CAP_RECORD_LWW)) return this.snapshots.deliver(peer, session, p)
    this.cx.tracker.get(peer).syncMode = 'record_lww'
    p.snapshot = undefined
    if (p.antiEntropy) {
      p.antiEntropy = false
      try {
        await this.antiEntropyOver(peer, session)
      } catch (err) {
        p.antiEntropy = true
        throw err
      }
    }
    const batch = [...p.entries.values()]
    if (batch.length === 0) return
    await sendDeltas(this.exchange(session.ch, PUSH_DEADLINE_MS), batch)
    for (const e of batch) if (p.entries.get(e.key) === e) p.entries.delete(e.key)
    this.cx.emit({ kind: 'delta_acked', peer, entries: batch.length })
  }

  /** record_lww: a pull is an anti-entropy round (both sides end with the newer entries). */
  async pull(peer: string, session: Session): Promise<boolean> {
    if (!session.caps.includes(CAP_RECORD_LWW)) return this.snapshots.pull(peer, session)
    this.cx.tracker.get(peer).syncMode = 'record_lww'
    try {
      await this.antiEntropyOver(peer, session)
    } finally {
      session.close()
    }
    return true
  }

  async serve(request: SyncRequest, ch: FrameChannel, from: InboundPeer): Promise<void> {
    if (request.kind === 'apply_delta') {
      await ch.send(await this.receiveDelta(request.message, from))
      return
    }
    if (request.kind === 'anti_entropy') {
      const n = await answerDigest(ch, this.cx.state.nodeId, this.need(), request.message)
      from.credit(request.message.node_id, true)
      from.log.debug({ node_id: request.message.node_id, entries: n }, 'cluster anti-entropy answered')
      return
    }
    return this.snapshots.serve(request, ch, from)
  }

  status(): EngineStatus {
    const r = this.replica
    return {
      ...this.snapshots.status(),
      replica: r && {
        entries: r.state.size,
        live: r.state.liveCount,
        tombstones: r.state.tombstoneCount,
        tombstoneTtlMs: this.tombstoneTtlMs(),
        clock: r.clock.current(),
        deltasApplied: this.deltasApplied,
        antiEntropyRounds: this.antiEntropyRounds,
      },
    }
  }

  /** Merges a delta and answers delta_ack once it is on disk, or an error frame (the sender retries). */
  private async receiveDelta(msg: DeltaMessage, from: InboundPeer): Promise<Message> {
    const { cx } = this
    if (cx.readOnlySource) return { type: 'error', message: 'records source is read-only; delta not applied' }
    const t0 = cx.now()
    // Invalid records and versions too far ahead are refused; the valid rest is still applied.
    const screened = screenVersions(msg.entries, t0)
    const rejected = [...(msg.rejected ?? []), ...screened.rejected]
    let won: VersionedEntry[]
    try {
      won = await this.need().applyRemote(screened.accepted)
    } catch (err) {
      from.log.warn({ error: (err as Error).message, node_id: msg.node_id }, 'cluster delta apply failed')
      return { type: 'error', message: `delta not applied: ${(err as Error).message}` }
    }
    this.deltasApplied++
    const duration = Math.max(0, cx.now() - t0)
    cx.emit({ kind: 'delta_applied', from: msg.node_id, entries: msg.entries.length, won: won.length, duration_ms: duration })
    if (won.length > 0) from.log.info({ node_id: msg.node_id, entries: msg.entries.length, won: won.length }, 'cluster delta applied')
    from.credit(msg.node_id, true)
    if (rejected.length > 0) {
      // No delta_ack: the sender keeps the batch and retries (a version ahead is accepted later).
      const text = describeRejections(`delta batch ${msg.batch}`, 'entries', rejected)
      noteRejected(cx, rejected, msg.node_id, 'delta', text)
      return { type: 'error', message: text }
    }
    return { type: 'delta_ack', batch: msg.batch, applied: won.length }
  }

  /** Anti-entropy with a record_lww peer over an open session; counts and logs the round. */
  private async antiEntropyOver(peer: string, session: Session): Promise<LwwSyncResult> {
    try {
      const send = !this.cx.settings().cluster_replica_only
      const r = await runAntiEntropy(this.exchange(session.ch, PULL_DEADLINE_MS), this.need(), { send })
      this.antiEntropyRounds++
      this.cx.emit({ kind: 'anti_entropy', peer, ok: true, buckets_differ: r.buckets_differ, received: r.received, sent: r.sent })
      if (r.buckets_differ > 0) this.cx.log.info({ peer, ...r }, 'cluster anti-entropy exchanged entries')
      return r
    } catch (err) {
      this.cx.emit({ kind: 'anti_entropy', peer, ok: false })
      throw err
    }
  }

  /** Queues entries for a peer unless this node may not send (see Outbox.queueEntries). */
  private queueEntries(peer: string, entries: readonly VersionedEntry[]): void {
    if (!this.cx.isRunning() || this.cx.settings().cluster_replica_only || !this.cx.token()) return
    this.cx.outbox.queueEntries(peer, entries)
  }

  private exchange(ch: FrameChannel, timeoutMs: number): ExchangeContext {
    return {
      ch,
      nodeId: this.cx.state.nodeId,
      timeoutMs,
      parse: (f) => this.cx.parse(f),
      nextBatch: () => ++this.batchSeq,
      screen: (entries, codecRejected) => {
        const screened = screenVersions(entries, this.cx.now())
        noteRejected(this.cx, [...codecRejected, ...screened.rejected], '', 'bucket_entries')
        return screened.accepted
      },
    }
  }

  private tombstoneTtlMs(): number {
    const sec = this.cx.settings().cluster_tombstone_ttl_seconds
    return (sec !== undefined && sec > 0 ? sec : DEFAULT_TOMBSTONE_TTL_SECONDS) * 1000
  }

  private need(): ReplicaPort {
    if (!this.replica) throw new Error('record_lww replica is not open')
    return this.replica
  }
}
