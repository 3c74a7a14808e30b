/**
 * What `dnsplane top` draws, from the control API's answers (pure): query latency (GET
 * /stats/dashboard/data, the web dashboard's own figures), upstream health rows (GET
 * /dns/upstreams/health) and the cluster grid (GET /api/v1/cluster), each row marked bad the way
 * the dashboard turns a row red.
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

/** Query latency as the web dashboard charts it: average resolve time per minute (last 60 minutes). */
export interface LatencyView {
  /** Average ms per minute, oldest first (0 for a minute without replies). */
  perMinute: number[]
  /** Average of the latest minute that had replies, if any. */
  recentMs?: number
  /** Since start (or the last perf reset): average and maximum resolve time. */
  avgMs?: number
  maxMs?: number
}

/** The latency figures of a /stats/dashboard/data answer (`series[].avg_ms`, `perf.avg_total_ms` / `max_total_ms`). */
export function latencyView(raw: unknown): LatencyView {
  const o = asObject(raw)
  const points = asArray(o.series).map(asObject)
  const perMinute = points.map((p) => asNumber(p.avg_ms) ?? 0)
  const recent = points.filter((p) => (asNumber(p.replies) ?? 0) > 0).at(-1)
  const perf = asObject(o.perf)
  const total = asNumber(perf.total) ?? 0
  return {
    perMinute,
    recentMs: recent ? asNumber(recent.avg_ms) : undefined,
    avgMs: total > 0 ? asNumber(perf.avg_total_ms) : undefined,
    maxMs: total > 0 ? asNumber(perf.max_total_ms) : undefined,
  }
}

/**
 * What the DNS abuse limits did, from the `dns_limits` of a /stats/dashboard/data answer (the web
 * dashboard's "DNS limits" card): "refused 7 · rrl dropped 3 · slipped 3 · truncated 1 · forgotten 0"
 * (the window count only when not 0); undefined when no limit is set.
 */
export function limitsLine(raw: unknown): { text: string; active: boolean } | undefined {
  const o = asObject(raw).dns_limits
  if (o === undefined || o === null) return undefined
  const l = asObject(o)
  const n = (k: string): number => asNumber(l[k]) ?? 0
  const parts = [`refused ${n('refused_rate')}`]
  if (n('refused_window') > 0) parts.push(`window-refused ${n('refused_window')}`)
  parts.push(`rrl dropped ${n('rrl_dropped')}`, `slipped ${n('rrl_slipped')}`, `truncated ${n('amplification_truncated')}`, `forgotten ${n('evictions')}`)
  const active = ['refused_rate', 'refused_window', 'rrl_dropped', 'rrl_slipped', 'amplification_truncated'].some((k) => n(k) > 0)
  return { text: `limits: ${parts.join(' · ')}`, active }
}

/** "1.25 ms", or "—" when there is no figure yet. */
export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(0)} ms`
}
