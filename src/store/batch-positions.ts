/**
 * A change to the record list as one journal `batch` (pure): which records go, which are replaced
 * in place, which are appended, with the positions replay needs (deletes at their positions in the
 * list as it was, updates at theirs once the deletes are made, adds at the end). Used by the bulk
 * plan and by changes merged from record_lww peers (FileRecordStore.applyDelta).
 */
import type { RecordDelta } from './index-delta.js'
import type { ChangeEntry, WriteEntry } from './journal/codec.js'
import type { DnsRecord } from './record.js'
import type { ChangeSource, RecordChange } from './record-store.js'

/** What becomes of a record: 'delete', its replacement, or undefined (kept). */
export type RecordFate = (r: DnsRecord, i: number) => 'delete' | DnsRecord | undefined

export interface PositionedBatch {
  next: DnsRecord[]
  /** delete, update, add (only those that hold records). */
  entries: ChangeEntry[]
  deleted: DnsRecord[]
  /** The replacements, in list order. */
  updated: DnsRecord[]
}

/** `records` with `fate` applied and `added` appended, in one pass. */
export function positionedBatch(records: readonly DnsRecord[], fate: RecordFate, added: readonly DnsRecord[]): PositionedBatch {
  const next: DnsRecord[] = []
  const delAt: number[] = []
  const deleted: DnsRecord[] = []
  const updAt: number[] = []
  const updated: DnsRecord[] = []
  for (let i = 0; i < records.length; i++) {
    const r = records[i]
    const f = fate(r, i)
    if (f === 'delete') {
      delAt.push(i)
      deleted.push(r)
      continue
    }
    if (f !== undefined) {
      updAt.push(next.length)
      updated.push(f)
    }
    next.push(f ?? r)
  }
  for (const r of added) next.push(r) // not push(...): a large batch may hold more records than a call takes arguments
  const entries: ChangeEntry[] = []
  if (deleted.length > 0) entries.push({ op: 'delete', at: delAt, records: deleted })
  if (updated.length > 0) entries.push({ op: 'update', at: updAt, records: updated })
  if (added.length > 0) entries.push({ op: 'add', records: added.slice() })
  return { next, entries, deleted, updated }
}

/** A change merged from record_lww peers, planned on `records` (see FileRecordStore.applyDelta). */
export interface DeltaPlan {
  next: DnsRecord[]
  change: Omit<RecordChange, 'index'>
  entry: WriteEntry
  /** The records not served before (to freeze). */
  fresh: DnsRecord[]
}

/**
 * The plan of `delta` (records of `records` removed or replaced, records appended) journaled as
 * one batch carrying `lww`. The change event names the touched records ('add', 'remove', 'update'
 * when only one kind of change, else 'replace' with the whole new list, as a replacement had).
 */
export function planDelta(records: readonly DnsRecord[], delta: RecordDelta, lww: unknown, source: ChangeSource): DeltaPlan {
  const gone = new Set(delta.removed)
  const replaced = new Map(delta.replaced)
  const b = positionedBatch(records, (r) => (gone.has(r) ? 'delete' : replaced.get(r)), delta.added)
  const fresh = [...b.updated, ...delta.added]
  const change: Omit<RecordChange, 'index'> =
    b.deleted.length === 0 && b.updated.length === 0
      ? { source, kind: 'add', records: delta.added }
      : b.updated.length === 0 && delta.added.length === 0
        ? { source, kind: 'remove', records: b.deleted }
        : b.deleted.length === 0 && delta.added.length === 0
          ? { source, kind: 'update', records: b.updated }
          : { source, kind: 'replace', records: b.next }
  return { next: b.next, change, entry: { op: 'batch', entries: b.entries, lww }, fresh }
}
