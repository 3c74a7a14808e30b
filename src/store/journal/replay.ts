/**
 * Start-up replay of the records journal over the dnsrecords.json snapshot (pure). The journal
 * names the snapshot it applies to by SHA-256 (`base`, or a later `flush` marker written just
 * before a snapshot replaced the file); entries after that point are applied by position, each
 * checked against the record it names. A snapshot the journal does not know (the file was edited
 * while the node was stopped) gets the entries re-based by record identity instead, so an
 * acknowledged change is never dropped.
 */
import { recordKey, type DnsRecord } from '../record.js'
import type { ChangeEntry, JournalEntry } from './codec.js'

/** How the entries were matched to the snapshot. */
export type ReplayMode = 'positional' | 'rebased'

export interface ReplayResult {
  records: DnsRecord[]
  /** Change entries applied (add/update/delete). */
  applied: number
  mode: ReplayMode
  /** Entries whose positions did not name the records they carry (applied by identity instead). */
  mismatched: number
  /** The `lww` payloads of the applied entries, oldest first (record-versions.ts). */
  versions: unknown[]
}

/**
 * Applies the journal `entries` (as decodeJournal returns them, with their byte `offsets`) to
 * `snapshot`, whose file bytes hash to `snapshotSha256`. Returns a new array; `snapshot` is not
 * modified. A `flush` marker with `from` (a background flush) names the snapshot of the entries
 * before that offset: the entries from there on, also those before the marker, are replayed.
 */
export function replayJournal(snapshot: readonly DnsRecord[], snapshotSha256: string, entries: readonly JournalEntry[], offsets?: readonly number[]): ReplayResult {
  let start = -1
  entries.forEach((e, i) => {
    if ((e.op !== 'base' && e.op !== 'flush') || e.snapshot_sha256 !== snapshotSha256) return
    start = i
    if (e.op === 'flush' && e.from !== undefined && offsets) {
      // The last entry before `from`: every later one was written after the snapshot's generation was taken.
      let k = i
      while (k > 0 && offsets[k] >= e.from) k--
      start = k
    }
  })
  const mode: ReplayMode = start >= 0 || entries.length === 0 ? 'positional' : 'rebased'
  const records = snapshot.slice()
  let applied = 0
  let mismatched = 0
  const versions: unknown[] = []
  for (const e of entries.slice(start + 1)) {
    if (e.op === 'base' || e.op === 'flush') continue
    applied++
    if (e.lww !== undefined) versions.push(e.lww)
    if (mode === 'positional' && applyAt(records, e)) continue
    if (mode === 'positional') mismatched++
    applyByIdentity(records, e)
  }
  return { records, applied, mode, mismatched, versions }
}

/** Applies a change by its positions; false (and `records` untouched) when a position does not fit. */
function applyAt(records: DnsRecord[], e: Exclude<JournalEntry, { op: 'base' | 'flush' }>): boolean {
  if (e.op === 'batch') {
    const copy = records.slice()
    if (!e.entries.every((x) => applyAt(copy, x))) return false
    // Copied element by element: a spread of a large batch would overflow the call stack.
    records.length = copy.length
    for (let i = 0; i < copy.length; i++) records[i] = copy[i]
    return true
  }
  if (e.op === 'add') {
    for (const r of e.records) records.push(r) // not push(...): a bulk add may hold more records than a call takes arguments
    return true
  }
  if (!e.at.every((i) => i < records.length)) return false
  if (e.op === 'update') {
    e.at.forEach((i, k) => (records[i] = e.records[k]))
    return true
  }
  if (!e.at.every((i, k) => recordKey(records[i]) === recordKey(e.records[k]) && (k === 0 || i > e.at[k - 1]))) return false
  for (let k = e.at.length - 1; k >= 0; k--) records.splice(e.at[k], 1)
  return true
}

/** Applies a change by record identity (id when it has one, else name+type+value); idempotent. */
function applyByIdentity(records: DnsRecord[], e: Exclude<JournalEntry, { op: 'base' | 'flush' }>): void {
  if (e.op === 'batch') return e.entries.forEach((x: ChangeEntry) => applyByIdentity(records, x))
  for (const r of e.records) {
    const i = records.findIndex((x) => (r.id ? x.id === r.id : false) || recordKey(x) === recordKey(r))
    if (e.op === 'delete') {
      if (i >= 0) records.splice(i, 1)
    } else if (i < 0) records.push(r)
    else if (e.op === 'update') records[i] = r
  }
}
