/** What a dialled peer announced in its handshake, recorded for status and the downgrade rule. */
import type { Logger } from 'pino'
import type { ClusterEvent } from '../events.js'
import type { NodeState } from '../node-state.js'
import { hasChallengeCap, type PeerAnnouncement } from '../session/handshake.js'
import { CLOCK_SKEW_WARN_MS } from '../settings.js'
import type { PeerRecord, PeerTracker } from './peer-tracker.js'
import type { RecordsSummary } from './records-summary.js'

export interface AnnouncementDeps {
  tracker: PeerTracker
  state: NodeState
  now: () => number
  log: Logger
  emit: (e: ClusterEvent) => void
  /** Our record count and digest, to compare with what the peer announced. */
  recordsSummary?: () => RecordsSummary
}

/**
 * Records node id, capabilities and clock skew of `peer` (a challenge-capable peer is remembered
 * for good); returns the capabilities and node id the session reports.
 */
export function notePeerAnnouncement(deps: AnnouncementDeps, peer: string, info: PeerAnnouncement, sentAt: number): { caps: string[]; nodeId?: string } {
  const tracked = deps.tracker.get(peer)
  tracked.caps = info.caps ? [...info.caps] : []
  if (info.node_id) tracked.nodeId = info.node_id
  if (hasChallengeCap(info.caps)) deps.state.noteChallengePeer(peer, info.node_id)
  noteRecords(tracked, info, deps.recordsSummary?.())
  if (info.clock_unix_ms) {
    // The peer read its clock about half-way through the round trip.
    tracked.clockSkewMs = Math.round(info.clock_unix_ms - (sentAt + deps.now()) / 2)
    deps.emit({ kind: 'clock_skew', peer, skew_ms: tracked.clockSkewMs })
    if (Math.abs(tracked.clockSkewMs) > CLOCK_SKEW_WARN_MS) {
      deps.log.warn({ peer, skew_ms: tracked.clockSkewMs, bound_ms: CLOCK_SKEW_WARN_MS }, 'cluster peer clock skew beyond bound')
    }
  }
  return { caps: tracked.caps, nodeId: tracked.nodeId }
}

/** The peer's announced record count and whether its digest equals ours now (cleared when it announces none). */
function noteRecords(tracked: PeerRecord, info: PeerAnnouncement, own: RecordsSummary | undefined): void {
  if (info.records === undefined || !info.records_digest) {
    tracked.records = undefined
    tracked.digestMatch = undefined
    return
  }
  tracked.records = info.records
  tracked.digestMatch = own ? own.digest === info.records_digest : undefined
}
