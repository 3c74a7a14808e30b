/**
 * Whether the node is ready (pure): GET /ready, `dnsplane health` and the dashboard follow from here.
 * With cluster_ready_requires_sync a node waits for a first sync with a peer, but only for
 * cluster_ready_sync_timeout_seconds: after a site-wide outage every node restarts with every peer
 * down, and waiting forever would leave no node ready (and no node holding the VIP).
 */
import type { Readiness } from '../api/deps.js'
import type { Config } from '../config/schema.js'

export interface ReadinessInput {
  dnsUp: boolean
  clusterEnabled: boolean
  requiresSync: boolean
  /** cluster_ready_sync_timeout_seconds; 0 = wait for a first sync forever. */
  syncTimeoutSeconds: number
  syncedOnce: boolean
  /** Peers the node knows (static + discovered); with none there is nobody to wait for. */
  peerCount: number
  /** When the cluster started (ms since the epoch): the wait is counted from here. */
  clusterStartedAtMs: number
  nowMs: number
}

export interface ReadinessVerdict {
  ready: boolean
  /** Why the node is not ready (empty when ready). */
  reasons: string[]
  /** Why the node is ready although something is missing (e.g. it gave up waiting for a first sync). */
  notes: string[]
}

export const NOT_SYNCED_REASON = 'not yet synced with a peer (cluster_ready_requires_sync)'

/** True when the node has waited for a first sync as long as cluster_ready_sync_timeout_seconds allows. */
export function hasSyncWaitExpired(i: ReadinessInput): boolean {
  return i.syncTimeoutSeconds > 0 && i.nowMs - i.clusterStartedAtMs >= i.syncTimeoutSeconds * 1000
}

/** Is this node waiting for a first sync it still needs? */
export function isAwaitingFirstSync(i: ReadinessInput): boolean {
  return i.clusterEnabled && i.requiresSync && !i.syncedOnce && i.peerCount > 0
}

export function assessReadiness(i: ReadinessInput): ReadinessVerdict {
  const reasons: string[] = []
  const notes: string[] = []
  if (!i.dnsUp) reasons.push('dns not listening')
  if (isAwaitingFirstSync(i)) {
    if (hasSyncWaitExpired(i)) notes.push(syncTimeoutNote(i.syncTimeoutSeconds))
    else reasons.push(NOT_SYNCED_REASON)
  }
  return { ready: reasons.length === 0, reasons, notes }
}

/** The note (and log line) of a node that became ready without its first sync. */
export function syncTimeoutNote(timeoutSeconds: number): string {
  return `ready without a first sync: no peer synced within cluster_ready_sync_timeout_seconds (${timeoutSeconds} s); serving the local copy`
}

/**
 * The GET /ready body: the verdict, what is up, the configured listeners and the build. `notes` appears
 * only when there is one.
 */
export function readinessReport(
  c: Pick<Config, 'port' | 'apiport' | 'api' | 'server_socket'>,
  verdict: ReadinessVerdict,
  up: { api: boolean; dns: boolean },
  build: Record<string, unknown>,
): Readiness {
  const { ready, reasons, notes } = verdict
  return {
    ready,
    api: up.api,
    dns: up.dns,
    listeners: {
      dns_port: c.port,
      api_port: c.apiport,
      api_enabled: c.api,
      client_socket_path: c.server_socket,
      client_tcp_address: '',
    },
    build,
    reasons,
    ...(notes.length > 0 ? { notes } : {}),
  }
}
