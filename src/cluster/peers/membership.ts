/**
 * The effective peer list: static cluster_peers first, then the SRV targets (refreshed with a
 * bounded lookup), and crediting an inbound exchange to the configured peer that sent it.
 */
import type { Logger } from 'pino'
import type { ClusterEvent } from '../events.js'
import { DISCOVERY_TIMEOUT_MS, type ClusterSettings } from '../settings.js'
import { discoverSrvPeers, mergePeers, normalizeSrvName, staticPeerList, type ResolveSrv } from './discovery.js'
import type { PeerTracker } from './peer-tracker.js'

export interface MembershipDeps {
  settings: () => ClusterSettings
  resolveSrv: ResolveSrv
  tracker: PeerTracker
  now: () => number
  log: Logger
  emit: (e: ClusterEvent) => void
  /** Called with the new effective list after every recompute (the outbox forgets dropped peers). */
  onChange: (effective: readonly string[]) => void
}

export class Membership {
  private list: string[] = []
  private srvPeers: string[] = []
  lastRefresh: number | undefined
  lastError: string | undefined

  constructor(private readonly deps: MembershipDeps) {}

  /** Effective peers in order (static first, then SRV); do not mutate. */
  get effective(): readonly string[] {
    return this.list
  }

  get srvPeerCount(): number {
    return this.srvPeers.length
  }

  /** Recomputes the effective list from the current settings and the last SRV answer. */
  recompute(): void {
    const staticPeers = staticPeerList(this.deps.settings().cluster_peers ?? [])
    const merged = mergePeers(staticPeers, this.srvPeers)
    this.list = merged.length > 0 ? merged : staticPeers
    this.deps.tracker.retain(this.list)
    this.deps.onChange(this.list)
  }

  /** Re-resolves SRV (if configured, bounded by DISCOVERY_TIMEOUT_MS) and recomputes the effective peers. */
  async refresh(): Promise<void> {
    const name = normalizeSrvName(this.deps.settings().cluster_discovery_srv)
    if (!name) {
      this.srvPeers = []
      this.lastError = undefined
      this.recompute()
      return
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SRV lookup of ${name} timed out`)), DISCOVERY_TIMEOUT_MS)
    })
    const result = await discoverSrvPeers(name, (n) => Promise.race([this.deps.resolveSrv(n), timeout])).finally(() => clearTimeout(timer))
    this.srvPeers = result.peers
    this.lastError = result.error
    this.lastRefresh = this.deps.now()
    if (result.error) this.deps.log.warn({ srv: name, error: result.error }, 'cluster SRV discovery failed')
    this.deps.emit({ kind: 'discovery_refresh', ok: !result.error, srv_peers: result.peers.length })
    this.recompute()
  }

  /** Ours: credit the configured peer whose announced node id sent this (the original keyed it by the ephemeral socket address). */
  creditInbound(nodeId: string, remoteIp: string, synced: boolean): void {
    const { tracker } = this.deps
    const now = this.deps.now()
    let credited = tracker.addressesOf(nodeId, this.list)
    if (credited.length === 0 && nodeId) {
      const byIp = tracker.addressByIp(remoteIp, this.list)
      if (byIp) {
        tracker.get(byIp).nodeId = nodeId
        credited = [byIp]
      }
    }
    for (const addr of credited) {
      // The peer just dialled us and authenticated: it is up, whatever our last probe of it said.
      tracker.contact(addr).lastInboundOk = now
      if (synced) {
        tracker.synced(addr, now)
        this.deps.emit({ kind: 'sync_ok', peer: addr, op: 'inbound' })
      }
    }
  }
}
