/**
 * What `dnsplane top` draws, from the control API's answers (pure): upstream health rows
 * (GET /dns/upstreams/health) and the cluster grid (GET /api/v1/cluster), each row marked bad the
 * way the dashboard turns a row red.
 */
import { peerRows, statusJson, summaryLine } from '../commands/cluster-view.js'
import { asArray, asNumber, asObject, asString } from '../commands/shape.js'

export interface GridRow {
  cells: string[]
  /** Drawn red: an unhealthy upstream, an unreachable or stale peer. */
  bad: boolean
}

export const UPSTREAM_COLUMNS = ['Upstream', 'Health', 'Failures', 'Last error'] as const
export const CLUSTER_COLUMNS = ['Peer', 'Node', 'Reachable', 'Last sync', 'Lag', 'Pending', 'Records'] as const

/** One row per upstream of a /dns/upstreams/health answer. */
export function upstreamGrid(raw: unknown): GridRow[] {
  return asArray(asObject(raw).upstreams).map((v) => {
    const u = asObject(v)
    const bad = u.unhealthy === true
    return { cells: [asString(u.address_port), bad ? 'DOWN' : 'ok', String(asNumber(u.consecutive_failures) ?? 0), asString(u.last_probe_error)], bad }
  })
}

/**
 * The cluster summary line and one row per peer. A peer is bad when it is unreachable or has
 * pending changes while the daemon says the cluster is not in sync.
 */
export function clusterGrid(raw: unknown): { summary: string; enabled: boolean; ok: boolean; rows: GridRow[] } {
  const status = statusJson(raw)
  const s = asObject(status)
  const line = summaryLine(status, undefined)
  const peers = asArray(s.peers).map(asObject)
  const rows = peerRows(status).map((cells, i) => {
    const p = peers[i]
    const bad = p.reachable !== true || (s.healthy === false && ((asNumber(p.pending_entries) ?? 0) > 0 || p.pending_push === true))
    return { cells: cells.slice(0, CLUSTER_COLUMNS.length), bad }
  })
  // A node with clustering off is not out of sync: nothing is drawn red for it.
  const enabled = s.enabled !== false
  return { summary: line.text, enabled, ok: !enabled || line.tone === 'success', rows }
}
