/**
 * In-memory per-peer bookkeeping for `cluster status` (spec §11), keyed by the configured peer
 * address. Times are epoch milliseconds here and Go RFC 3339 strings in status.
 */
import type { PeerStatus } from '../control.js'

export interface PeerRecord {
  address: string
  reachable: boolean
  lastOutboundOk?: number
  lastOutboundError?: string
  lastInboundOk?: number
  lastPullOk?: number
  lastProbeOk?: number
  lastProbeRttMs?: number
  lastProbeError?: string
  lastSyncOk?: number
  /** Node id the peer announced in a pull response (used to match inbound pushes to it). */
  nodeId?: string
  /** Capabilities from the last handshake (undefined until one succeeded). */
  caps?: string[]
  syncMode?: 'record_lww' | 'records_full'
  clockSkewMs?: number
  /** A push failed in a way retries cannot fix (snapshot over the frame limit): unhealthy until one succeeds. */
  pushBlocked?: boolean
  /** Ours: record count the peer announced in its last auth_ok (Go peers announce none). */
  records?: number
  /** Whether that announced digest equalled ours then (undefined: none announced, or a later sync made both stale). */
  digestMatch?: boolean
}

export class PeerTracker {
  private readonly peers = new Map<string, PeerRecord>()
  /**
   * A session with the peer completed an exchange of records (pull, push or inbound): the peer is
   * up, so it is reachable and an older probe error is stale; `rttMs` is the dial + handshake time
   * of an outbound session (inbound sessions have none). A count and digest mismatch seen at the
   * start of a session predate its sync, so they become unknown until the next handshake (a probe at
   * the latest) rather than showing "differs" and an old count for records the sync just exchanged.
   */
  synced(address: string, now: number, rttMs?: number): void {
    const p = this.contact(address, rttMs)
    p.lastSyncOk = now
    if (p.digestMatch === false) {
      p.digestMatch = undefined
      p.records = undefined
    }
  }

  /** The peer completed an authenticated session with us: reachable, and the last probe error is stale. */
  contact(address: string, rttMs?: number): PeerRecord {
    const p = this.get(address)
    p.reachable = true
    p.lastProbeError = undefined
    if (rttMs !== undefined) p.lastProbeRttMs = Math.max(0, Math.round(rttMs))
    return p
  }

  get(address: string): PeerRecord {
    let p = this.peers.get(address)
    if (!p) {
      p = { address, reachable: false }
      this.peers.set(address, p)
    }
    return p
  }

  /** Addresses whose announced node id is `nodeId`. */
  addressesOf(nodeId: string, among: readonly string[]): string[] {
    return among.filter((a) => this.peers.get(a)?.nodeId === nodeId)
  }

  /**
   * The one configured peer (with no node id learned yet) whose host is the IP literal `ip`, if exactly
   * one matches: lets an inbound push be credited before a pull taught us the sender's node id.
   */
  addressByIp(ip: string, among: readonly string[]): string | undefined {
    const want = ip.replace(/^::ffff:/i, '').toLowerCase()
    const hits = among.filter((a) => this.peers.get(a)?.nodeId === undefined && hostOf(a) === want)
    return hits.length === 1 ? hits[0] : undefined
  }

  /** Forgets peers that are no longer effective. */
  retain(addresses: readonly string[]): void {
    const keep = new Set(addresses)
    for (const a of this.peers.keys()) if (!keep.has(a)) this.peers.delete(a)
  }

  /** The original's peer entry (omitempty keys left out) plus our extras. */
  status(address: string, now: number, extra: PeerStatusExtra): PeerStatus {
    return peerStatus(this.get(address), now, extra)
  }
}

/** What the status of one peer adds to its tracker record: its applied seq and outbox queue. */
export interface PeerStatusExtra {
  peerSeq?: number
  pendingPush: boolean
  pendingEntries?: number
  /** Epoch ms of the oldest change queued for the peer and not yet delivered (outbox). */
  pendingSince?: number
}

/** The original's peer entry (omitempty keys left out) plus our extras; pure (`now` in epoch ms). */
export function peerStatus(p: Readonly<PeerRecord>, now: number, extra: PeerStatusExtra): PeerStatus {
  const out: PeerStatus = { address: p.address } as PeerStatus
  if (p.lastOutboundOk !== undefined) out.last_outbound_ok = formatLocalTime(p.lastOutboundOk)
  if (p.lastOutboundError) out.last_outbound_error = p.lastOutboundError
  if (p.lastInboundOk !== undefined) out.last_inbound_ok = formatLocalTime(p.lastInboundOk)
  if (p.lastPullOk !== undefined) out.last_pull_ok = formatLocalTime(p.lastPullOk)
  if (p.lastProbeOk !== undefined) out.last_probe_ok = formatLocalTime(p.lastProbeOk)
  if (p.lastProbeRttMs) out.last_probe_rtt_ms = p.lastProbeRttMs
  if (p.lastProbeError) out.last_probe_error = p.lastProbeError
  out.reachable = p.reachable
  if (p.lastSyncOk !== undefined) out.last_sync_ok = formatLocalTime(p.lastSyncOk)
  const lag = replicationLagSeconds(p, now, extra.pendingSince)
  if (lag !== undefined) out.replication_lag_seconds = lag
  if (extra.pendingSince !== undefined) out.oldest_pending_seconds = lag
  if (p.records !== undefined) out.records = p.records
  if (p.digestMatch !== undefined) out.digest_match = p.digestMatch
  if (p.nodeId) out.node_id = p.nodeId
  if (extra.peerSeq !== undefined) out.peer_seq = extra.peerSeq
  if (extra.pendingPush) out.pending_push = true
  if (p.caps) out.caps = [...p.caps]
  if (p.syncMode) out.sync_mode = p.syncMode
  if (p.clockSkewMs !== undefined) out.clock_skew_ms = p.clockSkewMs
  if (extra.pendingEntries) out.pending_entries = extra.pendingEntries
  return out
}

/**
 * The real replication lag towards the peer: the age of the oldest change queued for it and not yet
 * delivered (0 when nothing is queued and we have exchanged records or spoken with it; undefined
 * before any contact). Not the time since the last sync: an idle, in-sync peer has lag 0.
 */
export function replicationLagSeconds(p: Readonly<PeerRecord>, now: number, pendingSince: number | undefined): number | undefined {
  if (pendingSince !== undefined) return Math.max(0, Math.floor((now - pendingSince) / 1000))
  return p.lastSyncOk !== undefined || p.reachable ? 0 : undefined
}

/**
 * Go's time.RFC3339Nano rendering in the process's local offset, e.g.
 * `2025-01-01T10:00:00.123+01:00` (fraction without trailing zeros; `Z` at offset 0).
 */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms)
  const pad = (n: number, w = 2) => String(n).padStart(w, '0')
  const offsetMin = -d.getTimezoneOffset()
  const frac = d.getMilliseconds() ? '.' + pad(d.getMilliseconds(), 3).replace(/0+$/, '') : ''
  const zone =
    offsetMin === 0 ? 'Z' : (offsetMin > 0 ? '+' : '-') + pad(Math.floor(Math.abs(offsetMin) / 60)) + ':' + pad(Math.abs(offsetMin) % 60)
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${frac}${zone}`
  )
}

/** RFC 3339 UTC with whole seconds (discovery_last_refresh). */
export function formatUtcSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/** Host part of `host:port` or `[v6]:port`, lower-cased, brackets removed. */
function hostOf(address: string): string {
  const m = /^\[([^\]]+)\]:\d+$/.exec(address)
  if (m) return m[1].toLowerCase()
  const i = address.lastIndexOf(':')
  return (i < 0 ? address : address.slice(0, i)).toLowerCase()
}
