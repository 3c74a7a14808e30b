/**
 * cluster/sync/: how records travel between nodes. One SyncEngine interface, implemented by the
 * original's snapshot engine (snapshot-engine.ts, with its policies in policies/) and by the
 * record_lww engine (lww-engine.ts: versions in lww/, the replica file behind replica-store/).
 * The node picks one at start from cluster_sync_policy; sessions, peers and the outbox are the
 * node's, and an engine only sees them through EngineContext. Engines never dial or listen.
 */
import type { Logger } from 'pino'
import type { RecordStore } from '../../store/record-store.js'
import type { ClusterEvent } from '../events.js'
import type { NodeState } from '../node-state.js'
import type { Outbox, PendingPush } from '../peers/outbox.js'
import type { PeerTracker } from '../peers/peer-tracker.js'
import type { Session } from '../session/dialer.js'
import type { SyncEffect } from '../session/protocol.js'
import type { InboundPeer } from '../session/serve.js'
import type { ClusterSettings } from '../settings.js'
import type { FrameChannel } from '../transport/channel.js'
import type { ParseResult } from '../wire/messages.js'
import type { ReplicaView } from '../status.js'

/** The requests of an authenticated peer that an engine answers (session/protocol.ts effects). */
export type SyncRequest = SyncEffect
export type { InboundPeer }

/** What an engine reports in `cluster status`. */
export interface EngineStatus {
  snapshotsApplied: number
  snapshotsRejected: Readonly<Record<string, number>>
  replica?: ReplicaView
}

export interface SyncEngine {
  readonly name: 'snapshot' | 'record_lww'
  /** Capabilities announced in the handshake besides challenge auth. */
  caps(): string[]
  /** Opens what the engine keeps (the record_lww replica) before the node listens. Throws ERR_STATE_LOAD / ERR_STATE_WRITE. */
  open(): Promise<void>
  /** Starts reacting to local store changes. */
  start(): void
  /** Once listening and after the first discovery: the first offer to every peer. */
  offerToPeers(): void
  /** Stops reacting and waits for applies and pushes in progress. */
  stop(): Promise<void>
  /** Seconds between periodic pull rounds for the configured interval (0 = no rounds). */
  pullIntervalSeconds(configured: number): number
  /** Work before each periodic pull round (tombstone collection). */
  beforePullRound(): Promise<void>
  /** One outbox delivery to `peer` over an open session; throws when it did not complete. */
  deliver(peer: string, session: Session, pending: PendingPush): Promise<void>
  /** One pull from `peer` over an open session, which it closes; true when the exchange counts as a sync. */
  pull(peer: string, session: Session): Promise<boolean>
  /** A manual push (API): bumps and saves local_seq, returns what one delivery carries. */
  preparePush(): Promise<PendingPush>
  /** Answers one sync request of an authenticated peer on `ch`. */
  serve(request: SyncRequest, ch: FrameChannel, from: InboundPeer): Promise<void>
  status(): EngineStatus
}

/** What the node lends an engine. */
export interface EngineContext {
  settings: () => ClusterSettings
  store: RecordStore
  /** Records come from url/git/bind_dir: incoming applies fail. */
  readOnlySource: boolean
  state: NodeState
  tracker: PeerTracker
  outbox: Outbox
  /** Effective peers, in order. */
  peers: () => readonly string[]
  log: Logger
  /** Epoch ms. */
  now: () => number
  emit: (e: ClusterEvent) => void
  /** Parses an inbound frame and counts it. */
  parse: (frame: Buffer) => ParseResult
  /** Running, enabled, writable, not replica-only, a token and at least one peer. */
  mayPush: () => boolean
  isRunning: () => boolean
  /** The trimmed cluster token; '' = none. */
  token: () => string
}
