/**
 * What a receiver refuses from a peer beyond the record codec (messages.ts): versions too far
 * ahead of its own clock (issue #10 item 3), and the `error` frame text that names every refused
 * record. Pure: the clock is an argument.
 */
import { formatHlc } from './lww/hlc.js'
import type { RecordRejection } from '../wire/messages.js'
import type { VersionedEntry } from './lww/replica.js'

/**
 * How far (ms) a received version's wall time may be ahead of the receiver's clock. A hybrid
 * logical clock never runs ahead of the fastest physical clock in the cluster, so honest peers
 * stay within their real skew (warned about beyond CLOCK_SKEW_WARN_MS = 1 s); a version beyond
 * this bound would drag every clock it reaches into the future (at the codec's limit: frozen).
 * The sender keeps a refused entry queued and retries, so a larger real skew only delays it.
 */
export const MAX_VERSION_AHEAD_MS = 60_000

/** At most this many refused records are named in one error frame (the count is always given). */
export const MAX_NAMED_REJECTIONS = 8

/** Splits entries into those within the bound and those too far ahead of `nowMs`. */
export function screenVersions(
  entries: readonly VersionedEntry[],
  nowMs: number,
  maxAheadMs = MAX_VERSION_AHEAD_MS,
): { accepted: VersionedEntry[]; rejected: RecordRejection[] } {
  const limit = nowMs + maxAheadMs
  if (entries.every((e) => e.version.wall <= limit)) return { accepted: entries as VersionedEntry[], rejected: [] }
  const accepted: VersionedEntry[] = []
  const rejected: RecordRejection[] = []
  for (const e of entries) {
    if (e.version.wall <= limit) {
      accepted.push(e)
      continue
    }
    const r: RecordRejection = {
      key: e.key.slice(0, 64),
      reason: 'future_version',
      message: `version ${formatHlc(e.version).slice(0, 96)} is ${e.version.wall - nowMs} ms ahead of this node's clock (bound ${maxAheadMs} ms)`,
    }
    if (e.record) r.name = e.record.name.slice(0, 64)
    rejected.push(r)
  }
  return { accepted, rejected }
}

/**
 * The `error` frame text for refused records: what was refused, how many, and the first few by
 * index, key and name with the reason, e.g.
 * `delta batch 7: 2 entries refused, not stored: entries[1] key "rr:..." name "x": value: must be an IPv4 address; ...`.
 */
export function describeRejections(what: string, list: 'entries' | 'records', rejected: readonly RecordRejection[]): string {
  const named = rejected.slice(0, MAX_NAMED_REJECTIONS).map((r) => {
    let s = r.index !== undefined ? `${list}[${r.index}]` : 'entry'
    if (r.key !== undefined) s += ` key ${JSON.stringify(r.key)}`
    if (r.name !== undefined) s += ` name ${JSON.stringify(r.name)}`
    return `${s}: ${r.message}`
  })
  const more = rejected.length > named.length ? `; and ${rejected.length - named.length} more` : ''
  return `${what}: ${rejected.length} ${list} refused, not stored: ${named.join('; ')}${more}`
}

/** Rejections counted by reason (for the metric and the log). */
export function countRejections(rejected: readonly RecordRejection[]): Map<RecordRejection['reason'], number> {
  const out = new Map<RecordRejection['reason'], number>()
  for (const r of rejected) out.set(r.reason, (out.get(r.reason) ?? 0) + 1)
  return out
}
