/**
 * What a record store serves: the current RecordIndex, the head (current plus journaled writes
 * still in flight) and the change listeners, told in change order. Owned by FileRecordStore.
 */
import type { Logger } from 'pino'
import { diffById, type RecordDelta } from './index-delta.js'
import type { JournalEntry } from './journal/codec.js'
import type { DnsRecord } from './record.js'
import { RecordIndex } from './record-index.js'
import type { RecordChange } from './record-store.js'

export class ServedIndex {
  /** The index served now (acknowledged writes only). */
  current: RecordIndex = RecordIndex.build([], 0)
  /** The newest index: `current` plus journaled writes whose fsync is still in flight. */
  head: RecordIndex = this.current
  private readonly listeners = new Set<(change: RecordChange) => void>()

  constructor(private readonly log: Logger) {}

  /** Adds a listener; returns the function that removes it. */
  onChange(listener: (change: RecordChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Serves `records` now (callers drained journaled writes) and emits `change`. */
  swap(records: DnsRecord[], change: Omit<RecordChange, 'index'> | undefined): void {
    this.publish(this.build(records), change)
  }

  /**
   * Indexes `records` as the newest state; `fresh` (default all) are the records not frozen yet.
   * `delta` is the change from head (a local write knows it); without it the change is found by id.
   */
  build(records: DnsRecord[], fresh: readonly DnsRecord[] = records, appended = false, delta?: RecordDelta): RecordIndex {
    for (const r of fresh) Object.freeze(r)
    Object.freeze(records)
    const base = this.head
    const generation = base.generation + 1
    const d = delta ?? (appended ? { removed: [], added: records.slice(base.records.length), replaced: [] } : diffById(base.records, records))
    this.head = d ? base.withDelta(records, generation, d) : RecordIndex.build(records, generation)
    return this.head
  }

  /** Swaps in `index` and tells the listeners (cluster, DNS) in change order. */
  publish(index: RecordIndex, change: Omit<RecordChange, 'index'> | undefined): void {
    this.current = index
    if (!change) return
    const event: RecordChange = { ...change, index }
    for (const l of this.listeners) {
      try {
        l(event)
      } catch (err) {
        this.log.error({ err }, 'record change listener failed')
      }
    }
  }
}

/** The delta of a local write from its journal entry (`at`: positions in `base`, the records it was planned on). */
export function entryDelta(base: readonly DnsRecord[], entry: JournalEntry): RecordDelta | undefined {
  switch (entry.op) {
    case 'add':
      return { removed: [], added: entry.records, replaced: [] }
    case 'update':
      return { removed: [], added: [], replaced: entry.at.map((i, k) => [base[i], entry.records[k]] as const) }
    case 'delete':
      return { removed: entry.records, added: [], replaced: [] }
    default:
      return undefined
  }
}
