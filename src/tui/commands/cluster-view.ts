/**
 * The compact human view of `cluster status` and `cluster peer list` (pure): one summary line and
 * one table row per peer, built from GET /api/v1/cluster (and the record count of GET
 * /api/v1/status). `--json` prints the one status object instead (see statusJson).
 */
import { asArray, asNumber, asObject, asString } from './shape.js'
import { displayTime, UNSET } from './present.js'
import type { OutputBlock } from './types.js'
import { formatDuration } from '../format.js'

/** Columns of the peer table. */
export const PEER_COLUMNS = ['Peer', 'Node', 'Reachable', 'Last sync', 'Lag', 'Pending', 'Records', 'Last error'] as const

/**
 * The status object of a /api/v1/cluster answer: the daemon wraps it (`{node_id, enabled, healthy,
 * peers, status}`, the first four a summary of the fifth); `--json` prints only `status`, so each
 * key appears once. An answer without `status` is printed as it came.
 */
export function statusJson(raw: unknown): unknown {
  const o = asObject(raw)
  return o.status !== null && typeof o.status === 'object' && !Array.isArray(o.status) ? o.status : raw
}

function yesNo(p: Record<string, unknown>): string {
  if (p.reachable !== true) return 'no'
  const rtt = asNumber(p.last_probe_rtt_ms)
  return rtt === undefined ? 'yes' : `yes (${rtt < 10 ? rtt.toFixed(1) : Math.round(rtt)} ms)`
}

/** How long ago the last exchange of records was ("12s ago"), from last_sync_ok and `now`. */
function lastSync(p: Record<string, unknown>, now: number): string {
  const at = displayTime(asString(p.last_sync_ok))
  if (at === '') return 'never'
  const ms = Date.parse(at)
  return Number.isNaN(ms) ? at : `${formatDuration((now - ms) / 1000)} ago`
}

/**
 * Replication lag: the age of the oldest change not yet delivered to the peer (the daemon's
 * replication_lag_seconds); "0s" when nothing is queued, "—" before any contact.
 */
function lag(p: Record<string, unknown>): string {
  const n = asNumber(p.replication_lag_seconds)
  return n === undefined ? UNSET : formatDuration(n)
}

function pending(p: Record<string, unknown>): string {
  const n = asNumber(p.pending_entries) ?? 0
  if (n > 0) return String(n)
  return p.pending_push === true ? 'push queued' : '0'
}

/**
 * Records column: the peer's count and whether its digest matches ours; "—" when the peer does not
 * say (a Go peer announces no caps); "…" for one of ours whose figures a sync just made stale, until
 * its next handshake.
 */
function records(p: Record<string, unknown>): string {
  const n = asNumber(p.records)
  const match = typeof p.digest_match === 'boolean' ? (p.digest_match ? ' ✓' : ' ✗ differs') : ''
  if (n !== undefined) return `${n}${match}`
  if (match !== '') return match.trim()
  return asArray(p.caps).length > 0 ? '…' : UNSET
}

function lastError(p: Record<string, unknown>): string {
  return asString(p.last_probe_error) || asString(p.last_outbound_error)
}

/** One row per peer, in the daemon's order (`now` in epoch ms, for "last sync … ago"). */
export function peerRows(status: unknown, now = Date.now()): string[][] {
  return asArray(asObject(status).peers).map((v) => {
    const p = asObject(v)
    return [asString(p.address), asString(p.node_id) || UNSET, yesNo(p), lastSync(p, now), lag(p), pending(p), records(p), lastError(p)]
  })
}

/**
 * `node n1 · policy record_lww · 42 records · in sync (2/2 peers reachable)`. The verdict is the
 * daemon's `healthy` (every peer synced recently, docs/clustering.md), not a guess from here.
 */
export function summaryLine(status: unknown, recordCount: number | undefined): { text: string; tone: 'success' | 'warning' } {
  const s = asObject(status)
  if (s.enabled === false) return { text: 'clustering is off on this node (cluster_enabled: false)', tone: 'warning' }
  const peers = asArray(s.peers).map(asObject)
  const reachable = peers.filter((p) => p.reachable === true).length
  const count = recordCount ?? asNumber(asObject(s.replica).live)
  const parts = [`node ${asString(s.node_id) || UNSET}`, `policy ${asString(s.sync_policy) || UNSET}`]
  if (count !== undefined) parts.push(`${count} record${count === 1 ? '' : 's'}`)
  if (s.replica_only === true) parts.push('replica only')
  const ok = s.healthy !== false
  const peerText = peers.length === 0 ? 'no peers' : `${reachable}/${peers.length} peers reachable`
  parts.push(ok ? `in sync (${peerText})` : `NOT in sync (${peerText})`)
  return { text: parts.join(' · '), tone: ok ? 'success' : 'warning' }
}

/** The peer table block. */
export function peerTable(status: unknown): OutputBlock {
  return { kind: 'table', columns: [...PEER_COLUMNS], rows: peerRows(status), empty: 'no peers (cluster_peers is empty and discovery found none)' }
}

/** The whole compact view: summary, peer table, and discovery's last error when there is one. */
export function clusterStatusBlocks(status: unknown, recordCount?: number): OutputBlock[] {
  const s = asObject(status)
  const summary = summaryLine(status, recordCount)
  const out: OutputBlock[] = [{ kind: 'text', text: summary.text, tone: summary.tone }]
  if (s.enabled === false) return out
  out.push(peerTable(status))
  const discovery = asString(s.discovery_last_error)
  if (discovery !== '') out.push({ kind: 'text', text: `discovery (${asString(s.cluster_discovery_srv)}): ${discovery}`, tone: 'warning' })
  return out
}
