/**
 * The original's sync engine (spec §4-§7): every local change bumps local_seq and pushes the whole
 * record set as records_full; a pull asks a peer for its records_full; a received snapshot is
 * applied or refused by the configured policy (policies/: lww_per_node, primary_writer,
 * global_lww) against the per-peer seqs in cluster_state.json.
 */
import { DnsplaneError } from '../../errors.js'
import { canonicalName, type DnsRecord } from '../../store/record.js'
import type { SnapshotOutcome, SnapshotVia } from '../events.js'
import { emptyPending, type PendingPush } from '../peers/outbox.js'
import { commitApplied, decideSnapshot } from '../peers/peer-state.js'
import type { Session } from '../session/dialer.js'
import { staticPeerList } from '../peers/discovery.js'
import type { FrameChannel } from '../transport/channel.js'
import type { RecordsFullMessage } from '../wire/messages.js'
import type { EngineContext, EngineStatus, InboundPeer, SyncEngine, SyncRequest } from './engine.js'
import { describeRejections } from './entry-guard.js'
import { normalizePolicyName, policyFor } from './policies/index.js'
import { noteRejected } from './rejections.js'
import { PULL_DEADLINE_MS } from '../settings.js'

export const NOT_LWW_MESSAGE = 'record_lww is not enabled on this node'

export interface SnapshotEngineOptions {
  /** Which peers get a pushed snapshot (record_lww: those not known to speak it); default all. */
  wantsSnapshot?: (peer: string) => boolean
}

export class SnapshotEngine implements SyncEngine {
  readonly name = 'snapshot' as const
  private unsubscribe: (() => void) | undefined
  private pushChain: Promise<void> = Promise.resolve()
  private applyChain: Promise<unknown> = Promise.resolve()
  private snapshotsApplied = 0
  private readonly snapshotsRejected: Record<string, number> = {}

  constructor(
    private readonly cx: EngineContext,
    private readonly opts: SnapshotEngineOptions = {},
  ) {}

  caps(): string[] {
    return []
  }

  async open(): Promise<void> {
    const s = this.cx.settings()
    if (normalizePolicyName(s.cluster_sync_policy) === 'primary_writer' && staticPeerList(s.cluster_allowed_writer_node_ids).length === 0) {
      this.cx.log.warn('cluster_sync_policy primary_writer with empty cluster_allowed_writer_node_ids: every snapshot is rejected')
    }
  }

  start(): void {
    this.unsubscribe = this.cx.store.onChange((change) => {
      if (change.source === 'local') this.onLocalChange()
    })
  }

  /**
   * Ours (fault lab): a push still pending when the process died is lost with it, so a write
   * acknowledged just before a crash would reach peers only with the next write. At start, a node
   * that has written (local_seq >= 1) offers its current records under the saved local_seq to every
   * peer; a peer that already has that seq drops it as a duplicate (no state change).
   */
  offerToPeers(): void {
    const snapshot = this.lastSnapshot()
    if (!snapshot) return
    for (const peer of this.cx.peers()) this.cx.outbox.queueSnapshot(peer, snapshot)
  }

  /** The snapshot under the saved local_seq, when this node has written and may push. */
  lastSnapshot(): RecordsFullMessage | undefined {
    const seq = this.cx.state.current.local_seq
    return seq >= 1 && this.cx.mayPush() ? this.buildSnapshot(seq) : undefined
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    this.unsubscribe = undefined
    await this.pushChain
    await this.applyChain.catch(() => undefined)
  }

  pullIntervalSeconds(configured: number): number {
    return configured
  }

  async beforePullRound(): Promise<void> {}

  async preparePush(): Promise<PendingPush> {
    const seq = await this.cx.state.nextLocalSeq()
    // To a record_lww peer this runs anti-entropy (the snapshot is for peers without record_lww).
    return { ...emptyPending(), snapshot: this.buildSnapshot(seq), antiEntropy: true }
  }

  async deliver(peer: string, session: Session, p: PendingPush): Promise<void> {
    this.cx.tracker.get(peer).syncMode = 'records_full'
    p.entries.clear()
    p.antiEntropy = false
    const snap = p.snapshot
    if (!snap) return
    await session.ch.send(snap)
    if (p.snapshot === snap) p.snapshot = undefined
    this.cx.emit({ kind: 'snapshot_sent', peer, seq: snap.seq, records: snap.records?.length ?? 0, via: 'push' })
  }

  async pull(peer: string, session: Session): Promise<boolean> {
    const tracked = this.cx.tracker.get(peer)
    tracked.syncMode = 'records_full'
    let msg: RecordsFullMessage
    try {
      await session.ch.send({ type: 'pull' })
      const parsed = this.cx.parse(await session.ch.next(PULL_DEADLINE_MS))
      if (!parsed.ok) throw new DnsplaneError('ERR_MESSAGE_INVALID', parsed.error)
      if (parsed.message.type !== 'records_full') {
        throw new DnsplaneError('ERR_MESSAGE_INVALID', `expected records_full, got ${parsed.message.type}`)
      }
      msg = parsed.message
    } finally {
      session.close()
    }
    if (msg.node_id) tracked.nodeId = msg.node_id
    if (msg.rejected) noteRejected(this.cx, msg.rejected, msg.node_id, 'records_full')
    return (await this.receive(msg, 'pull')) !== 'rejected'
  }

  async serve(request: SyncRequest, ch: FrameChannel, from: InboundPeer): Promise<void> {
    switch (request.kind) {
      case 'send_snapshot': {
        const snap = this.buildSnapshot(this.cx.state.current.local_seq)
        await ch.send(snap)
        this.cx.emit({ kind: 'snapshot_sent', peer: from.remoteAddress, seq: snap.seq, records: snap.records?.length ?? 0, via: 'pull_response' })
        return
      }
      case 'apply_snapshot':
        return this.serveSnapshot(request.message, ch, from)
      case 'apply_delta':
      case 'anti_entropy':
        await ch.send({ type: 'error', message: NOT_LWW_MESSAGE })
        return
    }
  }

  /** The records of the last records_full built, and the list they were copied from. */
  private snapshotOf: { list: readonly DnsRecord[]; records: RecordsFullMessage['records'] } | undefined

  status(): EngineStatus {
    return { snapshotsApplied: this.snapshotsApplied, snapshotsRejected: this.snapshotsRejected }
  }

  /**
   * The records_full this node sends under `seq`: its records as stored, null when none. The list is
   * the served index's frozen array, so its copy is made once per record generation, not per message.
   */
  buildSnapshot(seq: number): RecordsFullMessage {
    const records = this.cx.store.list()
    if (this.snapshotOf?.list !== records) this.snapshotOf = { list: records, records: records.length > 0 ? [...records] : null }
    return {
      type: 'records_full',
      node_id: this.cx.state.nodeId,
      seq,
      timestamp_unix: Math.floor(this.cx.now() / 1000),
      records: this.snapshotOf.records,
    }
  }

  /** A pushed records_full: refused records are named in an error frame, the rest applied (no reply, as the original). */
  private async serveSnapshot(msg: RecordsFullMessage, ch: FrameChannel, from: InboundPeer): Promise<void> {
    if (msg.rejected) {
      const text = describeRejections(`records_full seq ${msg.seq}`, 'records', msg.rejected)
      noteRejected(this.cx, msg.rejected, msg.node_id, 'records_full', text)
      await ch.send({ type: 'error', message: text })
    }
    let outcome: SnapshotOutcome | undefined
    try {
      outcome = await this.receive(msg, 'push')
    } catch (err) {
      from.log.warn({ error: (err as Error).message, node_id: msg.node_id }, 'cluster snapshot apply failed')
    }
    from.credit(msg.node_id, outcome === 'applied' || outcome === 'duplicate')
  }

  private onLocalChange(): void {
    const push = () => this.pushLocalChange()
    this.pushChain = this.pushChain.then(push, push).catch((err) => this.cx.log.error({ err }, 'cluster push-on-change failed'))
  }

  /** One local_seq increment per persisted local change, saved before anything is sent (spec §4.1). */
  private async pushLocalChange(): Promise<void> {
    if (!this.cx.mayPush()) return
    const seq = await this.cx.state.nextLocalSeq()
    const wants = this.opts.wantsSnapshot
    const peers = wants ? this.cx.peers().filter(wants) : this.cx.peers()
    if (peers.length === 0) return
    // Built once, only when some peer takes it.
    const snapshot = this.buildSnapshot(seq)
    for (const peer of peers) this.cx.outbox.queueSnapshot(peer, snapshot)
  }

  /** Serialises snapshot handling so seq checks and commits never interleave. Throws on a failed apply. */
  private receive(msg: RecordsFullMessage, via: SnapshotVia): Promise<SnapshotOutcome> {
    const run = () => this.apply(msg, via)
    const p = this.applyChain.then(run, run)
    this.applyChain = p.catch(() => undefined)
    return p
  }

  private async apply(msg: RecordsFullMessage, via: SnapshotVia): Promise<SnapshotOutcome> {
    const { cx } = this
    const s = cx.settings()
    const policy = policyFor(s.cluster_sync_policy)
    const input = { node_id: msg.node_id, seq: msg.seq, timestamp_unix: msg.timestamp_unix, record_count: msg.records?.length ?? 0 }
    const state = cx.state.current
    const policyState = {
      allowed_writer_node_ids: s.cluster_allowed_writer_node_ids ?? [],
      last_global_lww_unix: state.last_global_lww_unix,
      last_global_lww_node_id: state.last_global_lww_node_id,
    }
    const decision = decideSnapshot(state, input, policy, policyState, cx.store.list().length > 0)
    if (decision.action === 'duplicate') {
      cx.emit({ kind: 'snapshot_duplicate', from: msg.node_id, via })
      return 'duplicate'
    }
    if (decision.action === 'reject') {
      if (decision.state !== state) {
        cx.state.set(decision.state)
        await cx.state.save()
      }
      this.snapshotsRejected[decision.reason] = (this.snapshotsRejected[decision.reason] ?? 0) + 1
      cx.emit({ kind: 'snapshot_rejected', from: msg.node_id, reason: decision.reason, via })
      cx.log.debug({ node_id: msg.node_id, seq: msg.seq, reason: decision.reason, via }, 'cluster snapshot rejected')
      return 'rejected'
    }
    if (cx.readOnlySource) {
      cx.emit({ kind: 'snapshot_apply_failed', from: msg.node_id, via })
      throw new DnsplaneError('ERR_READ_ONLY_SOURCE', 'records source is read-only; cluster snapshot not applied')
    }
    const t0 = cx.now()
    // Names canonicalised (trim, trailing dots) as the original; every other field, incl. id and times, kept.
    const records = (msg.records ?? []).map((r) => ({ ...r, name: canonicalName(r.name) }))
    try {
      await cx.store.replaceAll(records, 'cluster')
    } catch (err) {
      cx.emit({ kind: 'snapshot_apply_failed', from: msg.node_id, via })
      throw err
    }
    cx.state.set(commitApplied(cx.state.current, input, policy))
    await cx.state.save()
    this.snapshotsApplied++
    const duration = Math.max(0, cx.now() - t0)
    cx.emit({ kind: 'snapshot_applied', from: msg.node_id, records: records.length, duration_ms: duration, via })
    cx.log.info({ node_id: msg.node_id, seq: msg.seq, records: records.length, via }, 'cluster snapshot applied')
    return 'applied'
  }
}
