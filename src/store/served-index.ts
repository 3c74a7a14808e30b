/**
 * What a record store serves: the current RecordIndex, the head (current plus journaled writes
 * still in flight) and the change listeners, told in change order. Owned by FileRecordStore.
 */
import type { Logger } from 'pino'
import { diffById, type RecordDelta } from './index-delta.js'
import type { DnsRecord } from './record.js'
import { RecordIndex } from './record-index.js'
import type { RecordSeq } from './record-seq.js'
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
    const index = this.build(records)
    this.publish(index, change)
    warm(index.seq)
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

  /**
   * Indexes head changed by `delta` as the newest state, at the cost of the delta (no record list is
   * copied: see record-seq.ts); `fresh` are the records not frozen yet (the delta's new ones).
   */
  buildDelta(delta: RecordDelta, fresh: readonly DnsRecord[]): RecordIndex {
    for (const r of fresh) Object.freeze(r)
    this.head = this.head.withDelta(undefined, this.head.generation + 1, delta)
    return this.head
  }

  /** Swaps in `index` and tells the listeners (cluster, DNS) in change order. */
  publish(index: RecordIndex, change: Omit<RecordChange, 'index'> | undefined): void {
    this.current = index
    if (!change) return
    // Properties copied as they are: a change's `records` may be a getter that builds the list only if read.
    const event = Object.defineProperties({ index }, Object.getOwnPropertyDescriptors(change)) as RecordChange
    for (const l of this.listeners) {
      try {
        l(event)
      } catch (err) {
        this.log.error({ err }, 'record change listener failed')
      }
    }
  }
}

/** Chunks of a sequence's id locator built per idle turn (about 8,000 records: a few ms, DNS keeps flowing). */
const WARM_CHUNKS = 8

/** Builds `seq`'s locator in idle turns, so the first write after a load does not pay for it (record-seq.ts). */
function warm(seq: RecordSeq): void {
  if (!seq.warm(WARM_CHUNKS)) setImmediate(() => warm(seq)).unref()
}
