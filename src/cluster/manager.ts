/**
 * ClusterManager: wires transport, protocol, policies, state file, discovery and the record
 * store into the running cluster (spec §2-§12 with our improvements, see docs/clustering.md).
 * The daemon constructs it with ClusterDeps; it implements ClusterControl for the API.
 */
import { randomBytes } from 'node:crypto'
import { resolveSrv as dnsResolveSrv } from 'node:dns/promises'
import { networkInterfaces } from 'node:os'
import type { Logger } from 'pino'
import { DnsplaneError, isDnsplaneError } from '../errors.js'
import type { RecordStore } from '../store/record-store.js'
import { canonicalName } from '../store/record.js'
import { PUSH_RETRY_MAX_MS, PUSH_RETRY_MIN_MS } from './peers/backoff.js'
import { FrameChannel } from './transport/channel.js'
import { FrameBudget } from './transport/frame-budget.js'
import { MAX_FRAME_BYTES, PRE_AUTH_MAX_FRAME_BYTES } from './wire/codec.js'
import type { ClusterControl, ClusterStatus, JoinInfo, PeerOpResult, PeerRole } from './control.js'
import { discoverSrvPeers, mergePeers, normalizeSrvName, staticPeerList, type ResolveSrv } from './peers/discovery.js'
import { newNonce } from './session/auth-challenge.js'
import { LwwReplica } from './sync/replica-store/lww-replica.js'
import { answerDigest, runAntiEntropy, sendDeltas, type ExchangeContext, type LwwSyncResult } from './sync/lww-sync.js'
import {
  CAP_CHALLENGE,
  CAP_RECORD_LWW,
  parseMessage,
  type AdminConfigApplyMessage,
  type AuthChallengeMessage,
  type AuthMessage,
  type DeltaMessage,
  type Message,
  type RecordRejection,
  type MessageType,
  type ParseResult,
  type RecordsFullMessage,
} from './wire/messages.js'
import { countRejections, describeRejections, screenVersions } from './sync/entry-guard.js'
import type { VersionedEntry } from './sync/lww/replica.js'
import { dialAddress, effectiveListenAddr, tokenFingerprint, type InterfaceMap } from './transport/netinfo.js'
import { commitApplied, decideSnapshot, emptyState, type ClusterState } from './peers/peer-state.js'
import { PeerTracker } from './peers/peer-tracker.js'
import { buildClusterStatus, disabledStatus } from './status.js'
import { emptyPending, Outbox, type PendingPush } from './peers/outbox.js'
import { normalizePolicyName, policyFor, type RejectReason } from './sync/policies/index.js'
import { step, type AuthPeer, type ConnState, type Effect, type StepContext } from './session/protocol.js'
import {
  ADMIN_DEADLINE_MS,
  ADMIN_DIAL_TIMEOUT_MS,
  CLOCK_SKEW_WARN_MS,
  DEFAULT_TOMBSTONE_TTL_SECONDS,
  LWW_ANTI_ENTROPY_DEFAULT_SECONDS,
  AUTH_TIMEOUT_MS,
  DIAL_TIMEOUT_MS,
  DISCOVERY_TIMEOUT_MS,
  FAILED_AUTH_WINDOW_MS,
  IDLE_TIMEOUT_MS,
  MAX_FAILED_AUTHS_PER_IP,
  MAX_INBOUND_CONNECTIONS,
  PEER_CONCURRENCY,
  PROBE_DEADLINE_MS,
  PROBE_INTERVAL_MS,
  PULL_DEADLINE_MS,
  PUSH_DEADLINE_MS,
  type ClusterLimits,
  type ClusterSettings,
} from './settings.js'
import { authenticateClient } from './session/authenticate.js'
import { isChallengePeer, noteChallengePeer } from './session/challenge-peers.js'
import { createChallenge, decidePlainFallback, hasChallengeCap, verifyClientResponse, type ClientMode, type PendingChallenge } from './session/handshake.js'
import { loadClusterState, saveClusterState } from './state-file.js'
import { clusterToken, clusterTokenProblem, clusterTokenWeakness } from '../config/cluster-token.js'
import { checkToken, secretsEqual } from './session/tokens.js'
import { TcpTransport } from './transport/tcp-transport.js'
import { setClampedInterval } from '../timers.js'
import { clusterBindError } from './transport/bind-error.js'
import type { Connection, Listener, Transport } from './transport/transport.js'

export type { ClusterLimits, ClusterSettings } from './settings.js'

export interface ClusterDeps {
  /** Current settings, read at each use (so token/peer/role changes apply to the next operation). */
  settings: () => ClusterSettings
  /** Persists a change of cluster_* keys to dnsplane.json (peer add/remove, admin_config_apply). */
  updateSettings: (patch: Partial<ClusterSettings>) => Promise<void>
  store: RecordStore
  /** Path of cluster_state.json (next to dnsplane.json; see state-file.statePathFor). */
  statePath: string
  /** Path of cluster_replica.json (record_lww); default: cluster_replica.json beside statePath. */
  replicaPath?: string
  /** Reported in status: 'tls' / 'mutual_tls' when the daemon built a TLS transport. */
  transportKind?: 'tcp' | 'tls' | 'mutual_tls'
  log: Logger
  /** SRV lookup; default node:dns/promises resolveSrv (the system resolver). */
  resolveSrv?: ResolveSrv
  /** Default: TcpTransport. */
  transport?: Transport
  /** Epoch milliseconds; default Date.now. */
  now?: () => number
  /** Random bytes; default crypto.randomBytes. */
  random?: (bytes: number) => Buffer
  /** Probe period; default PROBE_INTERVAL_MS (30 s). */
  probeIntervalMs?: number
  /** True when records come from url/git/bind_dir: no pushes, incoming applies fail. */
  readOnlySource?: boolean
  /** Default os.networkInterfaces (for the join dial-address guess). */
  networkInterfaces?: () => InterfaceMap
  /** Override limits (tests). */
  limits?: Partial<ClusterLimits>
  /** Node-wide memory budget of inbound frames (default INBOUND_FRAME_BUDGET_BYTES; the daemon shares it with metrics). */
  frameBudget?: FrameBudget
}

export type SnapshotVia = 'push' | 'pull'
export type AuthFailureReason =
  | 'auth_required'
  | 'no_token'
  | 'bad_token'
  | 'timeout'
  | 'bad_admin_token'
  | 'bad_proof'
  | 'plain_token_refused'
  | 'challenge_v1_refused'
  /** The client went away (or timed out) after our challenge without a valid proof. */
  | 'abandoned'

/** Observable events for metrics and the dashboard. `from` is a peer-supplied node id: never a metric label. */
export type ClusterEvent =
  | { kind: 'frame_in'; type: MessageType | 'invalid'; bytes: number }
  | { kind: 'frame_out'; type: MessageType; bytes: number }
  | { kind: 'connection_refused'; reason: 'max_connections' | 'source_blocked' }
  | { kind: 'auth_failure'; reason: AuthFailureReason }
  | { kind: 'snapshot_sent'; peer: string; seq: number; records: number; via: 'push' | 'pull_response' }
  | { kind: 'push_acked'; peer: string; seq: number }
  | { kind: 'push_failed'; peer: string; attempt: number; retry_in_ms: number }
  | { kind: 'snapshot_applied'; from: string; records: number; duration_ms: number; via: SnapshotVia }
  | { kind: 'snapshot_rejected'; from: string; reason: RejectReason; via: SnapshotVia }
  | { kind: 'snapshot_duplicate'; from: string; via: SnapshotVia }
  | { kind: 'snapshot_apply_failed'; from: string; via: SnapshotVia }
  | { kind: 'sync_ok'; peer: string; op: 'push' | 'pull' | 'inbound' }
  | { kind: 'pull_failed'; peer: string }
  | { kind: 'probe'; peer: string; ok: boolean; rtt_ms?: number }
  | { kind: 'admin_config'; outcome: 'applied' | 'refused_disabled' | 'refused_token' | 'refused_invalid' | 'persist_failed' }
  | { kind: 'discovery_refresh'; ok: boolean; srv_peers: number }
  | { kind: 'delta_applied'; from: string; entries: number; won: number; duration_ms: number }
  | { kind: 'delta_acked'; peer: string; entries: number }
  | { kind: 'anti_entropy'; peer: string; ok: boolean; buckets_differ?: number; received?: number; sent?: number }
  | { kind: 'clock_skew'; peer: string; skew_ms: number }
  | { kind: 'records_rejected'; from: string; reason: RecordRejection['reason']; count: number; via: 'delta' | 'records_full' | 'bucket_entries' }
  | { kind: 'local_versions'; entries: number }

export type SnapshotOutcome = 'applied' | 'duplicate' | 'rejected'

interface Session {
  ch: FrameChannel
  close(): void
  /** Capabilities the peer announced in auth_ok / auth_challenge ([] for a Go peer). */
  caps: string[]
  peerNodeId?: string
}

export class ClusterManager implements ClusterControl {
  private readonly log: Logger
  private readonly transport: Transport
  private readonly now: () => number
  private readonly random: (bytes: number) => Buffer
  private readonly resolveSrv: ResolveSrv
  private readonly limits: ClusterLimits
  private readonly frameBudget: FrameBudget
  private state: ClusterState = emptyState()
  private running = false
  private listener: Listener | undefined
  private effective: string[] = []
  private srvPeers: string[] = []
  private discoveryLastRefresh: number | undefined
  private discoveryLastError: string | undefined
  private readonly tracker = new PeerTracker()
  private readonly outbox: Outbox
  private readonly inbound = new Set<Connection>()
  private readonly outbound = new Set<Connection>()
  private readonly failedAuths = new Map<string, { times: number[]; blockedUntil: number }>()
  private readonly timers = new Set<ReturnType<typeof setInterval>>()
  private pullTimer: ReturnType<typeof setInterval> | undefined
  private pullRunning = false
  private probeRunning = false
  private unsubscribe: (() => void) | undefined
  private pushChain: Promise<void> = Promise.resolve()
  private applyChain: Promise<unknown> = Promise.resolve()
  private saveChain: Promise<void> = Promise.resolve()
  private readonly inflight = new Set<Promise<unknown>>()
  private readonly eventListeners = new Set<(e: ClusterEvent) => void>()
  private abort = new AbortController()
  private snapshotsApplied = 0
  private readonly snapshotsRejected: Record<string, number> = {}
  /** The record_lww replica, when that policy was set at start. */
  private replica: LwwReplica | undefined
  private unsubscribeReplica: (() => void) | undefined
  private batchSeq = 0
  private deltasApplied = 0
  private antiEntropyRounds = 0

  constructor(private readonly deps: ClusterDeps) {
    this.log = deps.log.child({ component: 'cluster' })
    this.transport = deps.transport ?? new TcpTransport()
    this.now = deps.now ?? Date.now
    this.random = deps.random ?? randomBytes
    this.resolveSrv = deps.resolveSrv ?? ((name) => dnsResolveSrv(name))
    this.limits = {
      authTimeoutMs: AUTH_TIMEOUT_MS,
      idleTimeoutMs: IDLE_TIMEOUT_MS,
      maxInboundConnections: MAX_INBOUND_CONNECTIONS,
      maxFailedAuthsPerIp: MAX_FAILED_AUTHS_PER_IP,
      failedAuthWindowMs: FAILED_AUTH_WINDOW_MS,
      peerConcurrency: PEER_CONCURRENCY,
      pushRetryMinMs: PUSH_RETRY_MIN_MS,
      pushRetryMaxMs: PUSH_RETRY_MAX_MS,
      maxFrameBytes: MAX_FRAME_BYTES,
      ...deps.limits,
    }
    this.frameBudget = deps.frameBudget ?? new FrameBudget()
    this.outbox = new Outbox({
      deliver: (peer, p) => this.deliverOnce(peer, p),
      isRunning: () => this.running,
      onSnapshotTooLarge: (peer) => {
        this.tracker.get(peer).pushBlocked = true
      },
      emit: (e) => this.emit(e),
      track: (task) => this.track(task),
      log: this.log,
      random: this.random,
      retryMinMs: this.limits.pushRetryMinMs,
      retryMaxMs: this.limits.pushRetryMaxMs,
    })
  }

  // ------------------------------------------------------------ lifecycle

  /**
   * Loads (or creates) cluster_state.json even when clustering is disabled; when enabled,
   * installs the push hook, listens, runs discovery once and starts the pull/probe/discovery
   * loops. Throws ERR_STATE_LOAD / ERR_STATE_WRITE, and ERR_BIND_FAILED when the cluster port cannot
   * be bound (after undoing the start; the original logged it and ran without clustering).
   */
  async start(): Promise<void> {
    const s = this.deps.settings()
    const { state } = await loadClusterState(this.deps.statePath, s.cluster_node_id, this.random)
    this.state = state
    if (!s.cluster_enabled) return
    const weakness = clusterTokenWeakness(s.cluster_auth_token)
    if (weakness) this.log.warn(weakness)
    if (normalizePolicyName(s.cluster_sync_policy) === 'record_lww') {
      this.replica = await LwwReplica.open({
        store: this.deps.store,
        path: this.deps.replicaPath ?? this.deps.statePath.replace(/cluster_state\.json$/, 'cluster_replica.json'),
        nodeId: this.state.node_id,
        now: this.now,
        log: this.log,
      })
      await this.replica.collectTombstones(this.tombstoneTtlMs())
    }
    this.abort = new AbortController()
    this.running = true
    this.recomputePeers()
    this.unsubscribe = this.deps.store.onChange((change) => {
      if (change.source === 'local') this.onLocalChange()
    })
    if (this.replica) {
      this.replica.start()
      this.unsubscribeReplica = this.replica.onLocalEntries((entries) => {
        this.emit({ kind: 'local_versions', entries: entries.length })
        for (const peer of this.effective) this.queueEntries(peer, entries)
      })
    }
    const listenAddr = effectiveListenAddr(s.cluster_listen_addr)
    try {
      this.listener = await this.transport.listen(listenAddr, (conn) => this.accept(conn))
    } catch (err) {
      // Like a busy DNS or API port: stop start-up with a clear message rather than run unclustered.
      await this.stop()
      throw clusterBindError(err, listenAddr)
    }
    this.log.info({ addr: this.listener.address, node_id: this.state.node_id }, 'cluster listening')
    if (normalizePolicyName(s.cluster_sync_policy) === 'primary_writer' && staticPeerList(s.cluster_allowed_writer_node_ids).length === 0) {
      this.log.warn('cluster_sync_policy primary_writer with empty cluster_allowed_writer_node_ids: every snapshot is rejected')
    }
    await this.refreshDiscovery()
    if (this.replica) this.startAntiEntropy()
    else this.reofferLastSnapshot()
    this.armPullTimer()
    const probeMs = this.deps.probeIntervalMs ?? PROBE_INTERVAL_MS
    if (probeMs > 0) {
      // Ours: probe once at start so status, /ready and the dashboard know reachability at once
      // (the original waits a whole interval).
      this.track(this.probeAll())
      this.every(probeMs, () => this.probeAll())
    }
    const srv = normalizeSrvName(s.cluster_discovery_srv)
    const discSec = s.cluster_discovery_interval_seconds ?? (srv ? 60 : 0)
    if (srv && discSec > 0) this.every(discSec * 1000, () => this.refreshDiscovery())
  }

  /** Stops listening, timers, retries and inbound connections, and waits for in-flight work. */
  async stop(): Promise<void> {
    const wasRunning = this.running
    this.running = false
    this.unsubscribe?.()
    this.unsubscribe = undefined
    this.unsubscribeReplica?.()
    this.unsubscribeReplica = undefined
    for (const t of this.timers) clearInterval(t)
    this.timers.clear()
    if (this.pullTimer) clearInterval(this.pullTimer)
    this.pullTimer = undefined
    this.outbox.stop()
    this.abort.abort()
    const listener = this.listener
    this.listener = undefined
    await listener?.close()
    for (const c of [...this.inbound, ...this.outbound]) c.destroy()
    this.inbound.clear()
    this.outbound.clear()
    if (!wasRunning) return
    await Promise.allSettled([...this.inflight])
    await this.pushChain
    await this.applyChain.catch(() => undefined)
    await this.saveChain.catch(() => undefined)
    await this.replica?.stop().catch(() => undefined)
    this.replica = undefined
  }

  /** Bound listen address ('host:port'), or undefined when not listening. */
  listenAddress(): string | undefined {
    return this.listener?.address
  }

  /** Subscribes to events; returns the unsubscribe function. Listener errors are swallowed. */
  onEvent(listener: (e: ClusterEvent) => void): () => void {
    this.eventListeners.add(listener)
    return () => this.eventListeners.delete(listener)
  }

  /** The node's replication state as last saved or about to be saved (copy). */
  clusterState(): ClusterState {
    return { ...this.state, peer_seq: { ...this.state.peer_seq } }
  }

  /** Effective peers (static first, then SRV). */
  effectivePeers(): string[] {
    return [...this.effective]
  }

  // ------------------------------------------------------------ control surface

  status(): ClusterStatus {
    if (!this.running) return disabledStatus()
    const r = this.replica
    return buildClusterStatus({
      state: this.state,
      settings: this.deps.settings(),
      now: this.now(),
      advertiseAddr: this.dialAddress(),
      peers: this.effective.map((a) => ({ record: this.tracker.get(a), pendingPush: this.outbox.has(a), pendingEntries: this.outbox.get(a)?.entries.size })),
      srvPeerCount: this.srvPeers.length,
      discoveryLastRefresh: this.discoveryLastRefresh,
      discoveryLastError: this.discoveryLastError,
      snapshotsApplied: this.snapshotsApplied,
      snapshotsRejected: this.snapshotsRejected,
      replica: r && {
        entries: r.state.size,
        live: r.state.liveCount,
        tombstones: r.state.tombstoneCount,
        tombstoneTtlMs: this.tombstoneTtlMs(),
        clock: r.clock.current(),
        deltasApplied: this.deltasApplied,
        antiEntropyRounds: this.antiEntropyRounds,
      },
      transportKind: this.deps.transportKind,
    })
  }

  /** Pulls from every effective peer now, in parallel (bounded). Throws ERR_CLUSTER_DISABLED / ERR_CLUSTER_NO_TOKEN. */
  async pull(): Promise<PeerOpResult[]> {
    this.requireRunning()
    this.requireToken()
    return this.pullAll()
  }

  join(): JoinInfo {
    const s = this.deps.settings()
    return {
      node_id: this.state.node_id || (s.cluster_node_id ?? '').trim(),
      listen_addr: effectiveListenAddr(s.cluster_listen_addr),
      dial_address: this.dialAddress(),
      token_sha256_hex: tokenFingerprint(s.cluster_auth_token),
    }
  }

  async addPeer(address: string, role?: PeerRole): Promise<string[]> {
    const addr = address.trim()
    if (!addr) throw new DnsplaneError('ERR_BAD_REQUEST', 'peer address is empty')
    const peers = [...(this.deps.settings().cluster_peers ?? [])]
    if (peers.some((p) => p.trim() === addr)) throw new DnsplaneError('ERR_BAD_REQUEST', `peer already in cluster_peers: ${addr}`)
    await this.deps.updateSettings({ cluster_peers: [...peers, addr] })
    this.recomputePeers()
    const messages = ['cluster: peer added and persisted']
    if (role) {
      try {
        await this.setPeerRole(addr, role)
        messages.push('cluster: peer role updated on remote')
      } catch (err) {
        messages.push(`peer added locally; remote set-role failed: ${(err as Error).message}`)
      }
    }
    return messages
  }

  async removePeer(address: string): Promise<void> {
    const addr = address.trim()
    const peers = [...(this.deps.settings().cluster_peers ?? [])]
    const kept = peers.filter((p) => p.trim() !== addr)
    if (kept.length === peers.length) throw new DnsplaneError('ERR_NOT_FOUND', `peer not found in cluster_peers: ${addr}`)
    await this.deps.updateSettings({ cluster_peers: kept })
    this.recomputePeers()
  }

  async setPeerRole(address: string, role: PeerRole): Promise<void> {
    await this.sendAdmin(address.trim(), { cluster_replica_only: role === 'readonly' })
  }

  /**
   * Sends one snapshot with a new seq to `address` and reports delivery (the original always
   * claimed success). Refuses on a disabled, replica-only or token-less node, and on a node that
   * never wrote and holds no records (its empty snapshot could only wipe the peer).
   */
  async pushRecords(address: string): Promise<void> {
    this.requireRunning()
    const s = this.deps.settings()
    if (s.cluster_replica_only) throw new DnsplaneError('ERR_CLUSTER_REPLICA_ONLY', 'cluster: replica-only node does not push')
    this.requireToken()
    if (this.state.local_seq === 0 && this.deps.store.list().length === 0) {
      throw new DnsplaneError('ERR_BAD_REQUEST', 'cluster: this node never wrote records and holds none; refusing to push an empty snapshot')
    }
    this.state = { ...this.state, local_seq: this.state.local_seq + 1 }
    await this.saveState()
    // To a record_lww peer this runs anti-entropy (the snapshot is for peers without record_lww).
    const once: PendingPush = { ...emptyPending(), snapshot: this.buildSnapshot(this.state.local_seq), antiEntropy: true }
    await this.deliverOnce(address.trim(), once)
  }

  /**
   * admin_config_apply with this node's token and peers. Ours: the target's own address is left
   * out of the peer list, and this node's cluster_advertise_addr (when set) is added.
   */
  async pushConfig(address: string): Promise<void> {
    const addr = address.trim()
    const s = this.deps.settings()
    const peers = staticPeerList(s.cluster_peers ?? []).filter((p) => p !== addr)
    const adv = (s.cluster_advertise_addr ?? '').trim()
    if (adv && adv !== addr && !peers.includes(adv)) peers.push(adv)
    await this.sendAdmin(addr, { cluster_auth_token: this.token(), cluster_peers: peers })
  }

  // ------------------------------------------------------------ discovery & peers

  /** Re-resolves SRV (if configured, bounded by DISCOVERY_TIMEOUT_MS) and recomputes the effective peers. */
  async refreshDiscovery(): Promise<void> {
    const s = this.deps.settings()
    const name = normalizeSrvName(s.cluster_discovery_srv)
    if (!name) {
      this.srvPeers = []
      this.discoveryLastError = undefined
      this.recomputePeers()
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SRV lookup of ${name} timed out`)), DISCOVERY_TIMEOUT_MS)
    })
    const result = await discoverSrvPeers(name, (n) => Promise.race([this.resolveSrv(n), timeout])).finally(() => clearTimeout(timer))
    this.srvPeers = result.peers
    this.discoveryLastError = result.error
    this.discoveryLastRefresh = this.now()
    if (result.error) this.log.warn({ srv: name, error: result.error }, 'cluster SRV discovery failed')
    this.emit({ kind: 'discovery_refresh', ok: !result.error, srv_peers: result.peers.length })
    this.recomputePeers()
  }

  private recomputePeers(): void {
    const s = this.deps.settings()
    const staticPeers = staticPeerList(s.cluster_peers ?? [])
    const merged = mergePeers(staticPeers, this.srvPeers)
    this.effective = merged.length > 0 ? merged : staticPeers
    this.outbox.retain(this.effective)
    this.tracker.retain(this.effective)
  }

  private dialAddress(): string {
    const s = this.deps.settings()
    const ifaces = (this.deps.networkInterfaces ?? (networkInterfaces as () => InterfaceMap))()
    return dialAddress(s.cluster_advertise_addr, s.cluster_listen_addr, ifaces)
  }

  // ------------------------------------------------------------ timers

  private every(ms: number, fn: () => Promise<unknown>): void {
    const t = setClampedInterval(() => this.track(fn()), ms)
    this.timers.add(t)
  }

  /** (Re)arms the periodic pull from the current cluster_sync_interval_seconds (ours: also after admin changes). */
  private armPullTimer(): void {
    if (this.pullTimer) clearInterval(this.pullTimer)
    this.pullTimer = undefined
    const configured = Math.max(0, this.deps.settings().cluster_sync_interval_seconds ?? 0)
    // record_lww always runs anti-entropy: it is what heals a peer that missed deltas.
    const sec = configured > 0 ? configured : this.replica ? LWW_ANTI_ENTROPY_DEFAULT_SECONDS : 0
    if (!this.running || sec <= 0) return
    this.pullTimer = setClampedInterval(() => {
      const s = this.deps.settings()
      if (this.pullRunning || !s.cluster_enabled || !this.token()) return
      this.pullRunning = true
      const gc = this.replica ? this.replica.collectTombstones(this.tombstoneTtlMs()) : Promise.resolve(0)
      this.track(gc.then(() => this.pullAll()).finally(() => (this.pullRunning = false)))
    }, sec * 1000)
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const guarded = p.catch((err) => {
      this.log.error({ err }, 'cluster background task failed')
    }) as Promise<unknown>
    this.inflight.add(guarded)
    void guarded.finally(() => this.inflight.delete(guarded))
    return p
  }

  // ------------------------------------------------------------ outbound: sessions

  /**
   * Dials and authenticates. Ours: announces node id, capabilities and clock (extra keys Go
   * ignores) and uses challenge/2. When the peer refuses the challenge request like a Go node, this
   * attempt alone may dial again with the plain token (session/handshake.ts decidePlainFallback):
   * never when cluster_allow_plain_token is false or the peer ever announced challenge auth.
   */
  private async openSession(peer: string, dialTimeoutMs: number, deadlineMs: number): Promise<Session> {
    try {
      return await this.openSessionOnce(peer, dialTimeoutMs, deadlineMs, 'challenge')
    } catch (err) {
      if (!isDnsplaneError(err, 'ERR_AUTH_LEGACY_PEER')) throw err
      const known = isChallengePeer(this.state.challenge_peers, peer, this.tracker.get(peer).nodeId)
      const fallback = decidePlainFallback(this.deps.settings().cluster_allow_plain_token !== false, known)
      if (!fallback.allowed) {
        if (fallback.reason === 'challenge_peer') {
          this.log.warn({ peer }, 'cluster peer that announced challenge auth refused it; not sending the plain token (downgrade?)')
          throw new DnsplaneError('ERR_AUTH_FAILED', `${peer} announced challenge auth before and now refuses it; the plain token is not sent to it`)
        }
        throw new DnsplaneError('ERR_AUTH_FAILED', `${peer} does not support challenge auth and cluster_allow_plain_token is false`)
      }
      this.log.debug({ peer }, 'cluster peer has no challenge auth (Go node?); using the plain token for this connection')
      return this.openSessionOnce(peer, dialTimeoutMs, deadlineMs, 'plain')
    }
  }

  private async openSessionOnce(peer: string, dialTimeoutMs: number, deadlineMs: number, mode: ClientMode): Promise<Session> {
    let conn: Connection
    try {
      conn = await this.transport.dial(peer, { timeoutMs: dialTimeoutMs, signal: this.abort.signal })
    } catch (cause) {
      throw new DnsplaneError('ERR_PEER_UNREACHABLE', `dial ${peer}: ${(cause as Error).message}`, { cause })
    }
    const ch = new FrameChannel(conn, this.limits.maxFrameBytes, (msg, bytes) => this.emit({ kind: 'frame_out', type: msg.type, bytes }))
    // Whole-connection deadline, as the original's SetDeadline.
    const deadline = setTimeout(() => conn.destroy(), deadlineMs)
    this.outbound.add(conn)
    conn.onClose(() => {
      clearTimeout(deadline)
      this.outbound.delete(conn)
    })
    try {
      const t0 = this.now()
      const announced = await authenticateClient(
        { send: (m) => ch.send(m), next: async () => this.parseIn(await ch.next(deadlineMs)) },
        { mode, token: this.token(), nodeId: this.state.node_id, caps: this.ownCaps(), clockMs: t0, clientNonce: newNonce(this.random) },
      )
      this.notePeerHandshake(peer, announced, t0)
      const tracked = this.tracker.get(peer)
      return {
        ch,
        caps: tracked.caps ?? [],
        peerNodeId: tracked.nodeId,
        close: () => {
          clearTimeout(deadline)
          ch.close()
        },
      }
    } catch (err) {
      clearTimeout(deadline)
      ch.destroy()
      throw wrapPeerError(peer, err)
    }
  }

  /** Records what a peer announced in its handshake: node id, capabilities, clock skew. */
  private notePeerHandshake(peer: string, info: AuthPeer, sentAt: number): void {
    const tracked = this.tracker.get(peer)
    tracked.caps = info.caps ? [...info.caps] : []
    if (info.node_id) tracked.nodeId = info.node_id
    if (hasChallengeCap(info.caps)) this.noteChallengePeer(peer, info.node_id)
    if (info.clock_unix_ms) {
      const now = this.now()
      // The peer read its clock about half-way through the round trip.
      tracked.clockSkewMs = Math.round(info.clock_unix_ms - (sentAt + now) / 2)
      this.emit({ kind: 'clock_skew', peer, skew_ms: tracked.clockSkewMs })
      if (Math.abs(tracked.clockSkewMs) > CLOCK_SKEW_WARN_MS) {
        this.log.warn({ peer, skew_ms: tracked.clockSkewMs, bound_ms: CLOCK_SKEW_WARN_MS }, 'cluster peer clock skew beyond bound')
      }
    }
  }

  /** Remembers (and persists) that an address / node id speaks challenge auth: it never gets the plain token. */
  private noteChallengePeer(address: string | undefined, nodeId: string | undefined): void {
    const next = noteChallengePeer(this.state.challenge_peers, address, nodeId)
    if (!next) return
    this.state = { ...this.state, challenge_peers: next }
    // A failed save is logged by saveState; the in-memory rule holds until the next save.
    this.saveState().catch(() => undefined)
  }

  /** Capabilities this node announces: record_lww only while that policy runs. */
  private ownCaps(): string[] {
    return this.replica ? [CAP_RECORD_LWW, CAP_CHALLENGE] : [CAP_CHALLENGE]
  }

  private tombstoneTtlMs(): number {
    const sec = this.deps.settings().cluster_tombstone_ttl_seconds
    return (sec !== undefined && sec > 0 ? sec : DEFAULT_TOMBSTONE_TTL_SECONDS) * 1000
  }

  private exchangeContext(ch: FrameChannel, timeoutMs: number): ExchangeContext {
    return {
      ch,
      nodeId: this.state.node_id,
      timeoutMs,
      parse: (f) => this.parseIn(f),
      nextBatch: () => ++this.batchSeq,
      screen: (entries, codecRejected) => {
        const screened = screenVersions(entries, this.now())
        this.noteRejected([...codecRejected, ...screened.rejected], '', 'bucket_entries')
        return screened.accepted
      },
    }
  }

  /** Counts and logs records refused from a peer (never stored); the caller answers the peer. */
  private noteRejected(rejected: readonly RecordRejection[], from: string, via: 'delta' | 'records_full' | 'bucket_entries', text?: string): void {
    if (rejected.length === 0) return
    for (const [reason, count] of countRejections(rejected)) this.emit({ kind: 'records_rejected', from, reason, count, via })
    this.log.warn({ node_id: from || undefined, via, refused: rejected.length, detail: text ?? describeRejections(via, via === 'records_full' ? 'records' : 'entries', rejected) }, 'cluster records from peer refused')
  }

  private parseIn(frame: Buffer): ParseResult {
    const parsed = parseMessage(frame)
    this.emit({ kind: 'frame_in', type: parsed.ok ? parsed.message.type : 'invalid', bytes: frame.length + 4 })
    return parsed
  }

  // ------------------------------------------------------------ outbound: push

  private onLocalChange(): void {
    this.pushChain = this.pushChain.then(
      () => this.pushLocalChange(),
      () => this.pushLocalChange(),
    ).catch((err) => this.log.error({ err }, 'cluster push-on-change failed'))
  }

  /**
   * One local_seq increment per persisted local change, saved before anything is sent (spec §4.1).
   * The snapshot goes to peers without record_lww; record_lww peers get the replica's entries.
   */
  private async pushLocalChange(): Promise<void> {
    if (!this.mayPush()) return
    this.state = { ...this.state, local_seq: this.state.local_seq + 1 }
    await this.saveState()
    // record_lww peers get the replica's entries (queued by its listener); a snapshot only goes to
    // peers not yet known to speak record_lww (built once, only when there is one).
    const peers = this.replica ? this.effective.filter((p) => this.tracker.get(p).syncMode !== 'record_lww') : this.effective
    if (peers.length === 0) return
    const snapshot = this.buildSnapshot(this.state.local_seq)
    for (const peer of peers) this.outbox.queueSnapshot(peer, snapshot)
  }

  private mayPush(): boolean {
    const s = this.deps.settings()
    if (!this.running || !s.cluster_enabled || s.cluster_replica_only || this.deps.readOnlySource) return false
    if (!this.token()) {
      this.log.warn('cluster push skipped: cluster_auth_token is empty')
      return false
    }
    return this.effective.length > 0
  }

  /**
   * Ours (fault lab): a push still pending when the process died is lost with it, so a write
   * acknowledged just before a crash would reach peers only with the next write. At start, a node
   * that has written (local_seq >= 1) offers its current records under the saved local_seq to every
   * peer; a peer that already has that seq drops it as a duplicate (no state change).
   */
  private reofferLastSnapshot(): void {
    if (this.state.local_seq < 1 || !this.mayPush()) return
    const snapshot = this.buildSnapshot(this.state.local_seq)
    for (const peer of this.effective) this.outbox.queueSnapshot(peer, snapshot)
  }

  /**
   * record_lww at start: anti-entropy with every peer (catches up both sides, including writes
   * whose delta was pending when this node stopped); peers without record_lww get the last
   * snapshot, as reofferLastSnapshot.
   */
  private startAntiEntropy(): void {
    if (!this.token()) return
    const snapshot = this.state.local_seq >= 1 && this.mayPush() ? this.buildSnapshot(this.state.local_seq) : undefined
    for (const peer of this.effective) this.outbox.queueAntiEntropy(peer, snapshot)
  }

  /** Queues record_lww entries for a peer unless this node may not send (see Outbox.queueEntries). */
  private queueEntries(peer: string, entries: readonly VersionedEntry[]): void {
    const s = this.deps.settings()
    if (!this.running || s.cluster_replica_only || !this.token()) return
    this.outbox.queueEntries(peer, entries)
  }

  /**
   * One delivery over one session: to a record_lww peer, anti-entropy when due, then the queued
   * entries as acknowledged deltas; to any other peer, the pending snapshot.
   */
  private async deliverOnce(peer: string, p: PendingPush): Promise<void> {
    const tracked = this.tracker.get(peer)
    let session: Session | undefined
    try {
      session = await this.openSession(peer, DIAL_TIMEOUT_MS, PUSH_DEADLINE_MS)
      if (this.replica && session.caps.includes(CAP_RECORD_LWW)) {
        tracked.syncMode = 'record_lww'
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
        if (batch.length > 0) {
          await sendDeltas(this.exchangeContext(session.ch, PUSH_DEADLINE_MS), batch)
          for (const e of batch) if (p.entries.get(e.key) === e) p.entries.delete(e.key)
          this.emit({ kind: 'delta_acked', peer, entries: batch.length })
        }
      } else {
        tracked.syncMode = 'records_full'
        p.entries.clear()
        p.antiEntropy = false
        const snap = p.snapshot
        if (snap) {
          await session.ch.send(snap)
          if (p.snapshot === snap) p.snapshot = undefined
          this.emit({ kind: 'snapshot_sent', peer, seq: snap.seq, records: snap.records?.length ?? 0, via: 'push' })
        }
      }
    } catch (err) {
      tracked.lastOutboundError = (err as Error).message
      session?.ch.destroy()
      throw err
    }
    session.close()
    const now = this.now()
    tracked.lastOutboundOk = now
    tracked.lastOutboundError = undefined
    tracked.pushBlocked = undefined
    tracked.lastSyncOk = now
    this.emit({ kind: 'push_acked', peer, seq: this.state.local_seq })
    this.emit({ kind: 'sync_ok', peer, op: 'push' })
  }

  /** Anti-entropy with a record_lww peer over an open session; counts and logs the round. */
  private async antiEntropyOver(peer: string, session: Session): Promise<LwwSyncResult> {
    const replica = this.replica as LwwReplica
    try {
      const send = !this.deps.settings().cluster_replica_only
      const r = await runAntiEntropy(this.exchangeContext(session.ch, PULL_DEADLINE_MS), replica, { send })
      this.antiEntropyRounds++
      this.emit({ kind: 'anti_entropy', peer, ok: true, buckets_differ: r.buckets_differ, received: r.received, sent: r.sent })
      if (r.buckets_differ > 0) this.log.info({ peer, ...r }, 'cluster anti-entropy exchanged entries')
      return r
    } catch (err) {
      this.emit({ kind: 'anti_entropy', peer, ok: false })
      throw err
    }
  }

  private buildSnapshot(seq: number): RecordsFullMessage {
    const records = this.deps.store.list()
    return {
      type: 'records_full',
      node_id: this.state.node_id,
      seq,
      timestamp_unix: Math.floor(this.now() / 1000),
      records: records.length > 0 ? [...records] : null,
    }
  }

  // ------------------------------------------------------------ outbound: pull & probe

  private pullAll(): Promise<PeerOpResult[]> {
    return mapBounded(this.effective, this.limits.peerConcurrency, (peer) => this.pullFrom(peer))
  }

  private async pullFrom(peer: string): Promise<PeerOpResult> {
    const tracked = this.tracker.get(peer)
    try {
      const session = await this.openSession(peer, DIAL_TIMEOUT_MS, PULL_DEADLINE_MS)
      if (this.replica && session.caps.includes(CAP_RECORD_LWW)) {
        // record_lww: a pull is an anti-entropy round (both sides end with the newer entries).
        tracked.syncMode = 'record_lww'
        try {
          await this.antiEntropyOver(peer, session)
        } finally {
          session.close()
        }
        const now = this.now()
        tracked.lastPullOk = now
        tracked.lastSyncOk = now
        this.emit({ kind: 'sync_ok', peer, op: 'pull' })
        return { address: peer, ok: true }
      }
      tracked.syncMode = 'records_full'
      let msg: RecordsFullMessage
      try {
        await session.ch.send({ type: 'pull' })
        const parsed = this.parseIn(await session.ch.next(PULL_DEADLINE_MS))
        if (!parsed.ok) throw new DnsplaneError('ERR_MESSAGE_INVALID', parsed.error)
        if (parsed.message.type !== 'records_full') {
          throw new DnsplaneError('ERR_MESSAGE_INVALID', `expected records_full, got ${parsed.message.type}`)
        }
        msg = parsed.message
      } finally {
        session.close()
      }
      if (msg.node_id) tracked.nodeId = msg.node_id
      if (msg.rejected) this.noteRejected(msg.rejected, msg.node_id, 'records_full')
      const outcome = await this.receiveSnapshot(msg, 'pull')
      const now = this.now()
      tracked.lastPullOk = now
      if (outcome !== 'rejected') {
        tracked.lastSyncOk = now
        this.emit({ kind: 'sync_ok', peer, op: 'pull' })
      }
      return { address: peer, ok: true }
    } catch (err) {
      this.emit({ kind: 'pull_failed', peer })
      this.log.warn({ peer, error: (err as Error).message }, 'cluster pull failed')
      return { address: peer, ok: false, error: (err as Error).message }
    }
  }

  private async probeAll(): Promise<void> {
    if (this.probeRunning || !this.token()) return
    this.probeRunning = true
    try {
      await mapBounded(this.effective, this.limits.peerConcurrency, (peer) => this.probe(peer))
    } finally {
      this.probeRunning = false
    }
  }

  /** Probes one peer: auth + ping + any reply; a success also flushes a pending push at once. */
  async probe(peer: string): Promise<boolean> {
    const tracked = this.tracker.get(peer)
    const t0 = this.now()
    try {
      const session = await this.openSession(peer, DIAL_TIMEOUT_MS, PROBE_DEADLINE_MS)
      try {
        await session.ch.send({ type: 'ping' })
        this.parseIn(await session.ch.next(PROBE_DEADLINE_MS))
      } finally {
        session.close()
      }
      const now = this.now()
      tracked.reachable = true
      tracked.lastProbeOk = now
      tracked.lastProbeRttMs = Math.max(0, Math.round(now - t0))
      tracked.lastProbeError = undefined
      this.emit({ kind: 'probe', peer, ok: true, rtt_ms: tracked.lastProbeRttMs })
      this.outbox.flush(peer)
      return true
    } catch (err) {
      tracked.reachable = false
      tracked.lastProbeError = isDnsplaneError(err, 'ERR_AUTH_FAILED') ? 'auth failed' : (err as Error).message
      this.emit({ kind: 'probe', peer, ok: false })
      return false
    }
  }

  // ------------------------------------------------------------ outbound: admin

  private async sendAdmin(address: string, fields: Omit<AdminConfigApplyMessage, 'type' | 'admin_token'>): Promise<void> {
    const s = this.deps.settings()
    if (!s.cluster_admin) throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: cluster_admin is false on this node')
    this.requireToken()
    const adminToken = (s.cluster_admin_token ?? '').trim()
    if (!adminToken) throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: set cluster_admin_token on this node to send admin')
    const session = await this.openSession(address, ADMIN_DIAL_TIMEOUT_MS, ADMIN_DEADLINE_MS)
    try {
      await session.ch.send({ type: 'admin_config_apply', admin_token: adminToken, ...fields })
      const reply = this.parseIn(await session.ch.next(ADMIN_DEADLINE_MS))
      if (reply.ok && reply.message.type === 'admin_config_ok') return
      if (reply.ok && reply.message.type === 'admin_config_fail') {
        throw new DnsplaneError('ERR_CLUSTER_ADMIN', `cluster: remote: ${(reply.message as { message?: string }).message ?? ''}`)
      }
      throw new DnsplaneError('ERR_CLUSTER_ADMIN', 'cluster: unexpected response')
    } finally {
      session.close()
    }
  }

  // ------------------------------------------------------------ inbound

  private accept(conn: Connection): void {
    if (!this.running) {
      conn.destroy()
      return
    }
    const ip = conn.remoteIp
    const entry = this.failedAuths.get(ip)
    if (entry && entry.blockedUntil > this.now()) {
      this.emit({ kind: 'connection_refused', reason: 'source_blocked' })
      conn.destroy()
      return
    }
    if (this.inbound.size >= this.limits.maxInboundConnections) {
      this.emit({ kind: 'connection_refused', reason: 'max_connections' })
      this.log.warn({ remote: conn.remoteAddress, limit: this.limits.maxInboundConnections }, 'cluster connection refused: too many connections')
      conn.destroy()
      return
    }
    this.inbound.add(conn)
    conn.onClose(() => this.inbound.delete(conn))
    this.track(this.serve(conn))
  }

  private async serve(conn: Connection): Promise<void> {
    const ch = new FrameChannel(conn, PRE_AUTH_MAX_FRAME_BYTES, (msg, bytes) => this.emit({ kind: 'frame_out', type: msg.type, bytes }), this.frameBudget)
    const log = this.log.child({ remote: conn.remoteAddress })
    let state: ConnState = 'awaiting_auth'
    let graceful = false
    const ctx = this.stepContext()
    try {
      while (state !== 'closed' && this.running) {
        let frame: Buffer
        try {
          frame =
            state === 'awaiting_auth' || state === 'awaiting_proof'
              ? await ch.next(this.limits.authTimeoutMs, 'ERR_AUTH_TIMEOUT')
              : await ch.next(this.limits.idleTimeoutMs)
        } catch (err) {
          if (isDnsplaneError(err, 'ERR_AUTH_TIMEOUT')) {
            this.recordFailedAuth(conn.remoteIp, 'timeout')
            log.warn('cluster client sent no auth in time')
            state = 'closed'
          } else if (isDnsplaneError(err, 'ERR_FRAME_TOO_LARGE')) {
            log.warn({ error: err.message, authenticated: state === 'ready' }, 'cluster frame too large')
          }
          break
        }
        const parsed = this.parseIn(frame)
        const outcome = step(state, parsed, ctx)
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
      if (state === 'awaiting_proof' && this.running) {
        this.recordFailedAuth(conn.remoteIp, 'abandoned')
        log.warn('cluster client left after the challenge without a proof')
      }
      if (graceful) ch.close()
      else ch.destroy()
    }
  }

  /** Per-connection server context: token rule, our challenge and what its answer must prove, our auth_ok. */
  private stepContext(): StepContext {
    let pending: PendingChallenge | undefined
    return {
      checkToken: (t) => checkToken(t, this.deps.settings().cluster_auth_token),
      plainTokenAllowed: () => this.deps.settings().cluster_allow_plain_token !== false,
      challenge: (req: AuthMessage): AuthChallengeMessage | undefined => {
        const token = this.token()
        if (!token) return undefined
        const out = createChallenge(req, { token, serverNonce: newNonce(this.random), serverNodeId: this.state.node_id, caps: this.ownCaps(), clockMs: this.now() })
        pending = out.pending
        return out.message
      },
      verifyResponse: (response) => {
        const p = pending
        pending = undefined
        return p ? verifyClientResponse(p, response) : undefined
      },
      authOk: (proof) => ({ type: 'auth_ok', node_id: this.state.node_id, caps: this.ownCaps(), clock_unix_ms: this.now(), ...(proof ? { proof } : {}) }),
    }
  }

  private async perform(effect: Effect, ch: FrameChannel, conn: Connection, log: Logger): Promise<void> {
    switch (effect.kind) {
      case 'authenticated':
        ch.setMaxFrameBytes(this.limits.maxFrameBytes)
        // Only after the peer proved the token, so nobody can pin a node id as challenge-only.
        if (hasChallengeCap(effect.peer.caps)) this.noteChallengePeer(undefined, effect.peer.node_id)
        return
      case 'apply_delta':
        await ch.send(await this.receiveDelta(effect.message, conn, log))
        return
      case 'anti_entropy': {
        if (!this.replica) {
          await ch.send({ type: 'error', message: 'record_lww is not enabled on this node' })
          return
        }
        const n = await answerDigest(ch, this.state.node_id, this.replica, effect.message)
        this.creditInbound(effect.message.node_id, conn, true)
        log.debug({ node_id: effect.message.node_id, entries: n }, 'cluster anti-entropy answered')
        return
      }
      case 'auth_failed':
        this.recordFailedAuth(conn.remoteIp, effect.reason)
        log.warn({ reason: effect.reason }, 'cluster auth failed')
        return
      case 'send_snapshot': {
        const snap = this.buildSnapshot(this.state.local_seq)
        await ch.send(snap)
        this.emit({ kind: 'snapshot_sent', peer: conn.remoteAddress, seq: snap.seq, records: snap.records?.length ?? 0, via: 'pull_response' })
        return
      }
      case 'apply_snapshot': {
        const msg = effect.message
        if (msg.rejected) {
          const text = describeRejections(`records_full seq ${msg.seq}`, 'records', msg.rejected)
          this.noteRejected(msg.rejected, msg.node_id, 'records_full', text)
          await ch.send({ type: 'error', message: text })
        }
        let outcome: SnapshotOutcome | undefined
        try {
          outcome = await this.receiveSnapshot(msg, 'push')
        } catch (err) {
          log.warn({ error: (err as Error).message, node_id: msg.node_id }, 'cluster snapshot apply failed')
        }
        this.creditInbound(msg.node_id, conn, outcome === 'applied' || outcome === 'duplicate')
        return
      }
      case 'admin_apply':
        await ch.send(await this.applyAdmin(effect.message, conn.remoteIp))
        return
      case 'invalid_frame':
        log.debug({ reason: effect.reason }, 'cluster invalid frame')
        return
      case 'close':
        return
    }
  }

  /** Ours: credit the configured peer whose announced node id sent this (the original keyed it by the ephemeral socket address). */
  private creditInbound(nodeId: string, conn: Connection, synced: boolean): void {
    const now = this.now()
    let credited = this.tracker.addressesOf(nodeId, this.effective)
    if (credited.length === 0 && nodeId) {
      const byIp = this.tracker.addressByIp(conn.remoteIp, this.effective)
      if (byIp) {
        this.tracker.get(byIp).nodeId = nodeId
        credited = [byIp]
      }
    }
    for (const addr of credited) {
      const p = this.tracker.get(addr)
      p.lastInboundOk = now
      if (synced) {
        p.lastSyncOk = now
        this.emit({ kind: 'sync_ok', peer: addr, op: 'inbound' })
      }
    }
  }

  /** Merges a delta and answers delta_ack once it is on disk, or an error frame (the sender retries). */
  private async receiveDelta(msg: DeltaMessage, conn: Connection, log: Logger): Promise<Message> {
    if (!this.replica) return { type: 'error', message: 'record_lww is not enabled on this node' }
    if (this.deps.readOnlySource) return { type: 'error', message: 'records source is read-only; delta not applied' }
    const t0 = this.now()
    // Invalid records and versions too far ahead are refused; the valid rest is still applied.
    const screened = screenVersions(msg.entries, t0)
    const rejected = [...(msg.rejected ?? []), ...screened.rejected]
    let won: VersionedEntry[]
    try {
      won = await this.replica.applyRemote(screened.accepted)
    } catch (err) {
      log.warn({ error: (err as Error).message, node_id: msg.node_id }, 'cluster delta apply failed')
      return { type: 'error', message: `delta not applied: ${(err as Error).message}` }
    }
    this.deltasApplied++
    const duration = Math.max(0, this.now() - t0)
    this.emit({ kind: 'delta_applied', from: msg.node_id, entries: msg.entries.length, won: won.length, duration_ms: duration })
    if (won.length > 0) log.info({ node_id: msg.node_id, entries: msg.entries.length, won: won.length }, 'cluster delta applied')
    this.creditInbound(msg.node_id, conn, true)
    if (rejected.length > 0) {
      // No delta_ack: the sender keeps the batch and retries (a version ahead is accepted later).
      const text = describeRejections(`delta batch ${msg.batch}`, 'entries', rejected)
      this.noteRejected(rejected, msg.node_id, 'delta', text)
      return { type: 'error', message: text }
    }
    return { type: 'delta_ack', batch: msg.batch, applied: won.length }
  }

  private recordFailedAuth(ip: string, reason: AuthFailureReason): void {
    this.emit({ kind: 'auth_failure', reason })
    const now = this.now()
    const entry = this.failedAuths.get(ip) ?? { times: [], blockedUntil: 0 }
    entry.times = entry.times.filter((t) => now - t < this.limits.failedAuthWindowMs)
    entry.times.push(now)
    if (entry.times.length >= this.limits.maxFailedAuthsPerIp) {
      entry.blockedUntil = now + this.limits.failedAuthWindowMs
      entry.times = []
      this.log.warn({ ip, window_ms: this.limits.failedAuthWindowMs }, 'cluster source blocked after repeated auth failures')
    }
    this.failedAuths.set(ip, entry)
    // Bound the table: forget the oldest sources first.
    if (this.failedAuths.size > 4096) this.failedAuths.delete(this.failedAuths.keys().next().value as string)
  }

  /** Receiver side of admin_config_apply (spec §6), with constant-time token compare. */
  private async applyAdmin(msg: AdminConfigApplyMessage, ip: string): Promise<Message> {
    const expected = (this.deps.settings().cluster_admin_token ?? '').trim()
    if (!expected) {
      this.emit({ kind: 'admin_config', outcome: 'refused_disabled' })
      return { type: 'admin_config_fail', message: 'remote admin disabled (empty cluster_admin_token)' }
    }
    if (!secretsEqual(msg.admin_token, expected)) {
      this.emit({ kind: 'admin_config', outcome: 'refused_token' })
      this.recordFailedAuth(ip, 'bad_admin_token')
      return { type: 'admin_config_fail', message: 'invalid admin token' }
    }
    const patch: Partial<ClusterSettings> = {}
    if (msg.cluster_auth_token) {
      const problem = clusterTokenProblem(msg.cluster_auth_token)
      if (problem) {
        this.emit({ kind: 'admin_config', outcome: 'refused_invalid' })
        return { type: 'admin_config_fail', message: `cluster_auth_token: ${problem}` }
      }
      patch.cluster_auth_token = clusterToken(msg.cluster_auth_token)
    }
    if (msg.cluster_peers) patch.cluster_peers = [...msg.cluster_peers]
    if (msg.cluster_replica_only !== undefined) patch.cluster_replica_only = msg.cluster_replica_only
    if (msg.cluster_reject_local_writes !== undefined) patch.cluster_reject_local_writes = msg.cluster_reject_local_writes
    if (msg.cluster_admin !== undefined) patch.cluster_admin = msg.cluster_admin
    if (msg.cluster_sync_interval_seconds !== undefined) patch.cluster_sync_interval_seconds = Math.max(0, msg.cluster_sync_interval_seconds)
    try {
      await this.deps.updateSettings(patch)
    } catch (err) {
      this.emit({ kind: 'admin_config', outcome: 'persist_failed' })
      this.log.error({ err }, 'cluster admin config could not be persisted')
      return { type: 'admin_config_fail', message: `cannot persist settings: ${(err as Error).message}` }
    }
    this.log.info({ keys: Object.keys(patch) }, 'cluster admin config applied')
    this.emit({ kind: 'admin_config', outcome: 'applied' })
    this.recomputePeers()
    this.armPullTimer()
    this.track(this.refreshDiscovery())
    return { type: 'admin_config_ok' }
  }

  // ------------------------------------------------------------ receiving snapshots

  /** Serialises snapshot handling so seq checks and commits never interleave. Throws on a failed apply. */
  private receiveSnapshot(msg: RecordsFullMessage, via: SnapshotVia): Promise<SnapshotOutcome> {
    const run = () => this.processSnapshot(msg, via)
    const p = this.applyChain.then(run, run)
    this.applyChain = p.catch(() => undefined)
    return p
  }

  private async processSnapshot(msg: RecordsFullMessage, via: SnapshotVia): Promise<SnapshotOutcome> {
    const s = this.deps.settings()
    const policy = policyFor(s.cluster_sync_policy)
    const input = { node_id: msg.node_id, seq: msg.seq, timestamp_unix: msg.timestamp_unix, record_count: msg.records?.length ?? 0 }
    const decision = decideSnapshot(
      this.state,
      input,
      policy,
      {
        allowed_writer_node_ids: s.cluster_allowed_writer_node_ids ?? [],
        last_global_lww_unix: this.state.last_global_lww_unix,
        last_global_lww_node_id: this.state.last_global_lww_node_id,
      },
      this.deps.store.list().length > 0,
    )
    if (decision.action === 'duplicate') {
      this.emit({ kind: 'snapshot_duplicate', from: msg.node_id, via })
      return 'duplicate'
    }
    if (decision.action === 'reject') {
      if (decision.state !== this.state) {
        this.state = decision.state
        await this.saveState()
      }
      this.snapshotsRejected[decision.reason] = (this.snapshotsRejected[decision.reason] ?? 0) + 1
      this.emit({ kind: 'snapshot_rejected', from: msg.node_id, reason: decision.reason, via })
      this.log.debug({ node_id: msg.node_id, seq: msg.seq, reason: decision.reason, via }, 'cluster snapshot rejected')
      return 'rejected'
    }
    if (this.deps.readOnlySource) {
      this.emit({ kind: 'snapshot_apply_failed', from: msg.node_id, via })
      throw new DnsplaneError('ERR_READ_ONLY_SOURCE', 'records source is read-only; cluster snapshot not applied')
    }
    const t0 = this.now()
    // Names canonicalised (trim, trailing dots) as the original; every other field, incl. id and times, kept.
    const records = (msg.records ?? []).map((r) => ({ ...r, name: canonicalName(r.name) }))
    try {
      await this.deps.store.replaceAll(records, 'cluster')
    } catch (err) {
      this.emit({ kind: 'snapshot_apply_failed', from: msg.node_id, via })
      throw err
    }
    this.state = commitApplied(this.state, input, policy)
    await this.saveState()
    this.snapshotsApplied++
    const duration = Math.max(0, this.now() - t0)
    this.emit({ kind: 'snapshot_applied', from: msg.node_id, records: records.length, duration_ms: duration, via })
    this.log.info({ node_id: msg.node_id, seq: msg.seq, records: records.length, via }, 'cluster snapshot applied')
    return 'applied'
  }

  // ------------------------------------------------------------ helpers

  private saveState(): Promise<void> {
    const run = () => saveClusterState(this.deps.statePath, this.state)
    const p = this.saveChain.then(run, run)
    this.saveChain = p.catch((err) => this.log.error({ err }, 'cluster state save failed'))
    return p
  }

  private requireRunning(): void {
    if (!this.running) throw new DnsplaneError('ERR_CLUSTER_DISABLED', 'cluster: not enabled')
  }

  /** The cluster token as used everywhere (config/cluster-token.ts); '' = none. */
  private token(): string {
    return clusterToken(this.deps.settings().cluster_auth_token)
  }

  private requireToken(): void {
    if (!this.token()) {
      throw new DnsplaneError('ERR_CLUSTER_NO_TOKEN', 'cluster: cluster_auth_token is empty')
    }
  }

  private emit(e: ClusterEvent): void {
    for (const l of this.eventListeners) {
      try {
        l(e)
      } catch {
        // A broken metrics/dashboard listener must not break replication.
      }
    }
  }
}

function wrapPeerError(peer: string, err: unknown): Error {
  if (err instanceof DnsplaneError) return err
  return new DnsplaneError('ERR_PEER_UNREACHABLE', `${peer}: ${(err as Error).message}`, { cause: err })
}

/** Runs `fn` over `items` with at most `limit` at once; results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await fn(items[i])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return out
}
