/**
 * cluster/: the replicated-records cluster (docs/architecture.md "Cluster"). node.ts starts, stops
 * and wires the rooms: transport/ (listener, dialler), session/ (handshake both ways, guards),
 * peers/ (membership, tracker, outbox, prober), sync/ (one SyncEngine per cluster_sync_policy),
 * admin.ts, and status.ts for `cluster status`. Owns no protocol logic itself.
 */
import { randomBytes } from 'node:crypto'
import { resolveSrv as dnsResolveSrv } from 'node:dns/promises'
import { networkInterfaces } from 'node:os'
import type { Logger } from 'pino'
import { clusterToken, clusterTokenWeakness } from '../config/cluster-token.js'
import { DnsplaneError } from '../errors.js'
import { Admin } from './admin.js'
import type { ClusterControl, ClusterStatus, JoinInfo, PeerOpResult, PeerRole } from './control.js'
import type { ClusterDeps } from './deps.js'
import { countingParser, EventHub, type ClusterEvent } from './events.js'
import { NodeState } from './node-state.js'
import { Membership } from './peers/membership.js'
import { Outbox } from './peers/outbox.js'
import type { ClusterState } from './peers/peer-state.js'
import { PeerTracker } from './peers/peer-tracker.js'
import { Prober } from './peers/prober.js'
import { cachedSummary } from './peers/records-summary.js'
import { notePeerAnnouncement } from './peers/announcements.js'
import { Dialer } from './session/dialer.js'
import { Acceptor } from './session/serve.js'
import { clusterLimits, PROBE_INTERVAL_MS } from './settings.js'
import { buildClusterStatus, disabledStatus } from './status.js'
import type { EngineContext, SyncEngine } from './sync/engine.js'
import { createEngine } from './sync/create-engine.js'
import { SnapshotEngine } from './sync/snapshot-engine.js'
import { Tasks } from './tasks.js'
import { SyncRounds } from './rounds.js'
import { clusterBindError } from './transport/bind-error.js'
import { FrameBudget } from './transport/frame-budget.js'
import { dialAddress, effectiveListenAddr, joinInfo, type InterfaceMap } from './transport/netinfo.js'
import { TcpTransport } from './transport/tcp-transport.js'
import type { Listener, Transport } from './transport/transport.js'
import { CAP_CHALLENGE, CAP_DNSSEC_KEYS } from './wire/messages.js'

export class ClusterNode implements ClusterControl {
  private readonly log: Logger
  private readonly transport: Transport
  private readonly now: () => number
  private readonly random: (bytes: number) => Buffer
  private readonly events = new EventHub()
  private readonly state: NodeState
  private readonly tracker = new PeerTracker()
  private readonly tasks: Tasks
  private readonly outbox: Outbox
  private readonly membership: Membership
  private readonly dialer: Dialer
  private readonly acceptor: Acceptor
  private readonly admin: Admin
  private readonly prober: Prober
  private readonly rounds: SyncRounds
  private readonly engineCx: EngineContext
  private engine: SyncEngine
  private running = false
  private listener: Listener | undefined
  private abort = new AbortController()

  constructor(private readonly deps: ClusterDeps) {
    const log = (this.log = deps.log.child({ component: 'cluster' }))
    this.transport = deps.transport ?? new TcpTransport()
    const now = (this.now = deps.now ?? Date.now)
    const random = (this.random = deps.random ?? randomBytes)
    const limits = clusterLimits(deps.limits)
    const { tracker, settings } = { tracker: this.tracker, settings: deps.settings }
    const state = (this.state = new NodeState(deps.statePath, log))
    const tasks = (this.tasks = new Tasks(log))
    // What most rooms share; each takes the part it declares.
    const shared = {
      settings, log, now, random, state, tracker, tasks, limits,
      emit: (e: ClusterEvent) => this.events.emit(e),
      parse: countingParser((e) => this.events.emit(e)),
      token: () => this.token(),
      ownCaps: () => [...this.engine.caps(), CAP_CHALLENGE, ...(deps.dnssecKeys ? [CAP_DNSSEC_KEYS] : [])],
      isRunning: () => this.running,
      track: (task: Promise<unknown>) => void tasks.track(task),
      peers: () => this.membership.effective,
      concurrency: limits.peerConcurrency,
      recordsSummary: cachedSummary(() => deps.store.index),
    }
    this.outbox = new Outbox({
      ...shared,
      deliver: (peer, p) => this.rounds.deliverOnce(peer, p),
      onSnapshotTooLarge: (peer) => void (tracker.get(peer).pushBlocked = true),
      retryMinMs: limits.pushRetryMinMs,
      retryMaxMs: limits.pushRetryMaxMs,
    })
    const resolveSrv = deps.resolveSrv ?? ((name) => dnsResolveSrv(name))
    this.membership = new Membership({ ...shared, resolveSrv, onChange: (peers) => {
        this.outbox.retain(peers)
        this.rounds.retainSessions(peers)
      },
    })
    this.dialer = new Dialer({
      ...shared,
      transport: this.transport,
      maxFrameBytes: limits.maxFrameBytes,
      knownNodeId: (peer) => tracker.get(peer).nodeId,
      onAnnounced: (peer, info, sentAt) => notePeerAnnouncement(shared, peer, info, sentAt),
      plainTokenAllowed: () => settings().cluster_allow_plain_token !== false,
      signal: () => this.abort.signal,
    })
    const dial = this.dialer.dial.bind(this.dialer)
    this.admin = new Admin({
      ...shared,
      dial,
      updateSettings: deps.updateSettings,
      requireToken: () => this.requireToken(),
      onBadToken: (ip) => this.acceptor.recordFailedAuth(ip, 'bad_admin_token'),
      onPeersChanged: () => this.membership.recompute(),
      onSettingsChanged: () => {
        this.membership.recompute()
        this.rounds.armPullTimer()
        tasks.track(this.membership.refresh())
      },
    })
    this.acceptor = new Acceptor({
      ...shared,
      frameBudget: deps.frameBudget ?? new FrameBudget(),
      serveSync: (request, ch, from) => this.engine.serve(request, ch, from),
      applyAdmin: (msg, ip) => this.admin.apply(msg, ip),
      credit: (nodeId, ip, synced) => this.membership.creditInbound(nodeId, ip, synced),
      dnssecKeys: deps.dnssecKeys,
    })
    this.prober = new Prober({ ...shared, dial, onReachable: (p) => this.outbox.flush(p) })
    this.rounds = new SyncRounds({ ...shared, dial, engine: () => this.engine })
    this.engineCx = { ...shared, store: deps.store, readOnlySource: deps.readOnlySource === true, outbox: this.outbox, mayPush: () => this.mayPush() }
    this.engine = new SnapshotEngine(this.engineCx)
  }

  /**
   * Loads (or creates) cluster_state.json even when disabled; when enabled, opens the engine, listens,
   * runs discovery, makes the engine's first offers and starts the loops. Throws ERR_STATE_LOAD /
   * ERR_STATE_WRITE, and ERR_BIND_FAILED when the cluster port cannot be bound (after undoing the start).
   */
  async start(): Promise<void> {
    const s = this.deps.settings()
    await this.state.load(s.cluster_node_id, this.random)
    if (!s.cluster_enabled) return
    const weakness = clusterTokenWeakness(s.cluster_auth_token)
    if (weakness) this.log.warn(weakness)
    this.engine = createEngine(s.cluster_sync_policy, this.engineCx, { ...this.deps, now: this.now, log: this.log })
    await this.engine.open()
    this.abort = new AbortController()
    this.running = true
    this.membership.recompute()
    this.engine.start()
    const listenAddr = effectiveListenAddr(s.cluster_listen_addr)
    try {
      this.listener = await this.transport.listen(listenAddr, (conn) => this.acceptor.accept(conn))
    } catch (err) {
      // Like a busy DNS or API port: stop start-up with a clear message rather than run unclustered.
      await this.stop()
      throw clusterBindError(err, listenAddr)
    }
    this.log.info({ addr: this.listener.address, node_id: this.state.nodeId }, 'cluster listening')
    await this.membership.refresh()
    this.engine.offerToPeers()
    this.rounds.armPullTimer()
    this.rounds.startLoops(this.deps.probeIntervalMs ?? PROBE_INTERVAL_MS, () => this.prober.probeAll(), () => this.membership.refresh())
  }

  /** Stops listening, timers, retries and connections, and waits for in-flight work. */
  async stop(): Promise<void> {
    const wasRunning = this.running
    this.running = false
    this.tasks.stopTimers()
    this.outbox.stop()
    this.abort.abort()
    const listener = this.listener
    this.listener = undefined
    await listener?.close()
    this.acceptor.destroyAll()
    this.rounds.retainSessions([])
    this.dialer.destroyAll()
    if (!wasRunning) return
    await this.tasks.settle()
    await this.engine.stop()
    await this.state.settle()
  }

  /** Bound listen address ('host:port'), or undefined when not listening. */
  listenAddress(): string | undefined {
    return this.listener?.address
  }

  /** Subscribes to events; returns the unsubscribe function. Listener errors are swallowed. */
  onEvent(listener: (e: ClusterEvent) => void): () => void {
    return this.events.on(listener)
  }

  /** The node's replication state as last saved or about to be saved (copy). */
  clusterState(): ClusterState {
    const s = this.state.current
    return { ...s, peer_seq: { ...s.peer_seq } }
  }

  /** Effective peers (static first, then SRV). */
  effectivePeers(): string[] {
    return [...this.membership.effective]
  }

  /** The peers status() lists (the effective ones while running, none when stopped), without building the status: per-write use. */
  runningPeers(): string[] {
    return this.running ? this.effectivePeers() : []
  }

  status(): ClusterStatus {
    if (!this.running) return disabledStatus()
    const m = this.membership
    const engine = this.engine.status()
    const s = this.deps.settings()
    return buildClusterStatus({
      state: this.state.current,
      settings: s,
      now: this.now(),
      advertiseAddr: dialAddress(s.cluster_advertise_addr, s.cluster_listen_addr, this.interfaces()),
      peers: m.effective.map((a) => ({ record: this.tracker.get(a), pendingPush: this.outbox.has(a), pendingEntries: this.outbox.get(a)?.entries.size, pendingSince: this.outbox.get(a)?.since })),
      srvPeerCount: m.srvPeerCount,
      discoveryLastRefresh: m.lastRefresh,
      discoveryLastError: m.lastError,
      snapshotsApplied: engine.snapshotsApplied,
      snapshotsRejected: engine.snapshotsRejected,
      replica: engine.replica,
      transportKind: this.deps.transportKind,
    })
  }

  /** Pulls from every effective peer now, in parallel (bounded). Throws ERR_CLUSTER_DISABLED / ERR_CLUSTER_NO_TOKEN. */
  async pull(): Promise<PeerOpResult[]> {
    this.requireRunning()
    this.requireToken()
    return this.rounds.pullAll()
  }

  join(): JoinInfo {
    return joinInfo(this.deps.settings(), this.state.nodeId, this.interfaces())
  }

  addPeer(address: string, role?: PeerRole): Promise<string[]> {
    return this.admin.addPeer(address, role)
  }

  removePeer(address: string): Promise<void> {
    return this.admin.removePeer(address)
  }

  setPeerRole(address: string, role: PeerRole): Promise<void> {
    return this.admin.setPeerRole(address, role)
  }

  pushConfig(address: string): Promise<void> {
    return this.admin.pushConfig(address)
  }

  /**
   * Sends one snapshot with a new seq to `address` (anti-entropy to a record_lww peer) and reports
   * delivery. Refuses on a disabled, replica-only or token-less node, and on a node that never
   * wrote and holds no records (its empty snapshot could only wipe the peer).
   */
  async pushRecords(address: string): Promise<void> {
    this.requireRunning()
    if (this.deps.settings().cluster_replica_only) throw new DnsplaneError('ERR_CLUSTER_REPLICA_ONLY', 'cluster: replica-only node does not push')
    this.requireToken()
    if (this.state.current.local_seq === 0 && this.deps.store.list().length === 0) {
      throw new DnsplaneError('ERR_BAD_REQUEST', 'cluster: this node never wrote records and holds none; refusing to push an empty snapshot')
    }
    await this.rounds.deliverOnce(address.trim(), await this.engine.preparePush())
  }

  /** Re-resolves SRV (if configured) and recomputes the effective peers. */
  refreshDiscovery(): Promise<void> {
    return this.membership.refresh()
  }

  /** Probes one peer: auth + ping + any reply; a success also flushes a pending push at once. */
  probe(peer: string): Promise<boolean> {
    return this.prober.probe(peer)
  }

  private mayPush(): boolean {
    const s = this.deps.settings()
    if (!this.running || !s.cluster_enabled || s.cluster_replica_only || this.deps.readOnlySource) return false
    if (!this.token()) {
      this.log.warn('cluster push skipped: cluster_auth_token is empty')
      return false
    }
    return this.membership.effective.length > 0
  }

  private interfaces(): InterfaceMap {
    return (this.deps.networkInterfaces ?? (networkInterfaces as () => InterfaceMap))()
  }

  /** The cluster token as used everywhere (config/cluster-token.ts); '' = none. */
  private token(): string {
    return clusterToken(this.deps.settings().cluster_auth_token)
  }

  private requireRunning(): void {
    if (!this.running) throw new DnsplaneError('ERR_CLUSTER_DISABLED', 'cluster: not enabled')
  }

  private requireToken(): void {
    if (!this.token()) throw new DnsplaneError('ERR_CLUSTER_NO_TOKEN', 'cluster: cluster_auth_token is empty')
  }
}
