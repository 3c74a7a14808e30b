/**
 * A change to the record list as one journal `batch` (pure): which records go, which are replaced
 * in place, which are appended, with the positions replay needs (deletes at their positions in the
 * list as it was, updates at theirs once the deletes are made, adds at the end). Used by the bulk
 * plan (over the whole list) and by changes merged from record_lww peers (planDelta, at the cost of
 * the change: FileRecordStore.applyDelta).
 */
import type { RecordDelta } from './index-delta.js'
import type { ChangeEntry, WriteEntry } from './journal/codec.js'
import type { DnsRecord } from './record.js'
import type { RecordIndex } from './record-index.js'
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

/** A change merged from record_lww peers, planned on an index (see FileRecordStore.applyDelta). */
export interface DeltaPlan {
  /** The change to index (only records the index holds are removed or replaced; replacements in list order). */
  delta: RecordDelta
  /** Records after it. */
  size: number
  /** The change event, given the index with the change. */
  change: (index: RecordIndex) => Omit<RecordChange, 'index'>
  entry: WriteEntry
  /** The records not served before (to freeze). */
  fresh: DnsRecord[]
}

/**
 * The plan of `delta` (records of `index` removed or replaced, records appended) journaled as one
 * batch carrying `lww`, at the cost of the delta: positions come from the index's sequence, the
 * list is not copied (entries as positionedBatch makes them). The change event names the touched
 * records ('add', 'remove', 'update' when only one kind of change, else 'replace' with the whole new
 * list, as a replacement had, built only if a listener reads it).
 */
export function planDelta(index: RecordIndex, delta: RecordDelta, lww: unknown, source: ChangeSource): DeltaPlan {
  const byPosition = <T>(items: readonly T[], of: (x: T) => DnsRecord): [number, T][] =>
    items.map((x) => [index.positionOf(of(x)), x] as [number, T]).filter(([i]) => i >= 0).sort((a, b) => a[0] - b[0])
  const gone = byPosition([...new Set(delta.removed)], (r) => r)
  const delAt = gone.map(([i]) => i)
  const deleted = gone.map(([, r]) => r)
  // An update's position once the deletes are made: its old one less the deletes before it (both ascending).
  let k = 0
  const updAt: number[] = []
  const replaced = byPosition(delta.replaced, ([old]) => old).map(([i, pair]) => {
    while (k < delAt.length && delAt[k] < i) k++
    updAt.push(i - k)
    return pair
  })
  const updated = replaced.map(([, r]) => r)
  const added = delta.added
  const entries: ChangeEntry[] = []
  if (deleted.length > 0) entries.push({ op: 'delete', at: delAt, records: deleted })
  if (updated.length > 0) entries.push({ op: 'update', at: updAt, records: updated })
  if (added.length > 0) entries.push({ op: 'add', records: added.slice() })
  const change = (next: RecordIndex): Omit<RecordChange, 'index'> => batchChange(source, deleted, updated, added, () => next.records)
  return {
    delta: { removed: deleted, added, replaced },
    size: index.size - deleted.length + added.length,
    change,
    entry: { op: 'batch', entries, lww },
    fresh: [...updated, ...added],
  }
}

/**
 * The change event of a batch: 'add', 'remove' or 'update' when it holds one kind of change, else
 * 'replace' with the whole new list (`all`, read only if a listener reads it), as a replacement had.
 */
export function batchChange(source: ChangeSource, deleted: readonly DnsRecord[], updated: readonly DnsRecord[], added: readonly DnsRecord[], all: () => readonly DnsRecord[]): Omit<RecordChange, 'index'> {
  if (deleted.length === 0 && updated.length === 0) return { source, kind: 'add', records: added }
  if (updated.length === 0 && added.length === 0) return { source, kind: 'remove', records: deleted }
  if (deleted.length === 0 && added.length === 0) return { source, kind: 'update', records: updated }
  return {
    source,
    kind: 'replace',
    get records() {
      return all()
    },
  }
}
