/**
 * The mass-delete guard (pure): one local event that is not an explicit delete (a records file
 * edit, a reload, the record_lww start-up reconciliation) and would delete more than a share of
 * the records is held back until an operator confirms or discards it. A records file that
 * vanished or holds only the seed content is never read as "delete everything".
 */
import { DEFAULT_RECORDS } from './records-file.js'
import { recordKey, type DnsRecord } from './record.js'

/** Default of `records_mass_delete_guard_percent`. */
export const DEFAULT_MASS_DELETE_GUARD_PERCENT = 50
/** An event deleting fewer records than this is never held (small stores edit freely). */
export const MASS_DELETE_MIN_RECORDS = 10
/** How many deleted records a held change names in status and logs. */
export const MASS_DELETE_SAMPLE = 10

/** What produced the held change: a watched file edit, a reload, or record_lww start-up. */
export type MassDeleteSource = 'file' | 'reload' | 'startup'

/** A held-back change as status, the API and the TUI show it. */
export interface MassDeleteInfo {
  source: MassDeleteSource
  /** Records served now that the change would delete. */
  removed: number
  /** Records served when the change was held. */
  total: number
  /** Records the change would leave (the file's set). */
  proposed_total: number
  /** The guard in force when it was held. */
  percent: number
  /** RFC 3339. */
  held_at: string
  /** Up to MASS_DELETE_SAMPLE deleted records as "name type value". */
  removed_sample: string[]
}

/** A held change: the set it was computed against and the set it proposes. */
export interface HeldMassDelete {
  info: MassDeleteInfo
  base: readonly DnsRecord[]
  proposed: readonly DnsRecord[]
}

/** The records of `before` whose name+type+value `after` no longer has. */
export function deletedRecords(before: readonly DnsRecord[], after: readonly DnsRecord[]): DnsRecord[] {
  const keep = new Set(after.map(recordKey))
  return before.filter((r) => !keep.has(recordKey(r)))
}

/**
 * True when deleting `deleted` of `total` records is more than `percent` % of them and at least
 * MASS_DELETE_MIN_RECORDS records. `percent` 0 (or 100) turns the guard off.
 */
export function isMassDelete(deleted: number, total: number, percent: number): boolean {
  if (!(percent > 0 && percent < 100)) return false
  return deleted >= MASS_DELETE_MIN_RECORDS && deleted * 100 > total * percent
}

/** Describes a held change (`now` is the hold time). */
export function describeMassDelete(
  source: MassDeleteSource,
  base: readonly DnsRecord[],
  proposed: readonly DnsRecord[],
  deleted: readonly DnsRecord[],
  percent: number,
  now: Date,
): MassDeleteInfo {
  return {
    source,
    removed: deleted.length,
    total: base.length,
    proposed_total: proposed.length,
    percent,
    held_at: now.toISOString(),
    removed_sample: deleted.slice(0, MASS_DELETE_SAMPLE).map((r) => `${r.name} ${r.type} ${r.value}`),
  }
}

/** The log line and API message for a held change: what, how much, and the two ways out. */
export function heldMassDeleteMessage(i: MassDeleteInfo): string {
  const what = i.source === 'startup' ? 'the records file found at start' : i.source === 'reload' ? 'a records reload' : 'a records file edit'
  return (
    `${what} would delete ${i.removed} of ${i.total} records (more than ${i.percent} %): held back, the current records keep serving; ` +
    'apply it with POST /api/v1/records/mass-delete/confirm (TUI: record mass-delete confirm) or drop it with ' +
    'POST /api/v1/records/mass-delete/discard (TUI: record mass-delete discard)'
  )
}

/**
 * The held change applied to what is served now (`current`), as a three-way merge: records the
 * change deleted from `base` are removed, records it added or changed are put in place; writes
 * that landed after the hold (API, peers) are kept. When nothing changed since, this is `proposed`.
 */
export function applyHeldChange(held: Pick<HeldMassDelete, 'base' | 'proposed'>, current: readonly DnsRecord[]): DnsRecord[] {
  if (current === held.base) return [...held.proposed]
  const baseByKey = new Map(held.base.map((r) => [recordKey(r), r] as const))
  const deleted = new Set(deletedRecords(held.base, held.proposed).map(recordKey))
  const changed = new Map<string, DnsRecord>()
  for (const r of held.proposed) {
    const k = recordKey(r)
    const was = baseByKey.get(k)
    if (!was || was.ttl !== r.ttl || was.id !== r.id) changed.set(k, r)
  }
  const out: DnsRecord[] = []
  for (const r of current) {
    const k = recordKey(r)
    if (deleted.has(k)) continue
    const next = changed.get(k)
    if (next) changed.delete(k)
    out.push(next ?? r)
  }
  for (const r of changed.values()) out.push(r)
  return out
}

/**
 * True for the content a new records file gets (the demo record, or nothing on a cluster node):
 * at record_lww start-up such a file beside a replica with live records is a lost file, not an
 * operator's delete.
 */
export function isSeedContent(records: readonly DnsRecord[]): boolean {
  if (records.length === 0) return true
  if (records.length !== DEFAULT_RECORDS.length) return false
  return records.every((r, i) => {
    const d = DEFAULT_RECORDS[i]
    return recordKey(r) === recordKey(d) && r.ttl === d.ttl && r.added_on === d.added_on && !r.id
  })
}
