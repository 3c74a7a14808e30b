/**
 * The FileRecordStore's write queue: one queue for every change, the journaled writes in flight
 * (acknowledged once their fsync completes, group commit), the write-through path, and the
 * record_lww hooks on both (a local write versioned before it is journaled or written; a merge
 * from peers journaled with its versions and indexed at the cost of its delta). The store owns one
 * and hands in its served index, journal, versions and `persist` (the file rewrite).
 */
import { DnsplaneError } from '../errors.js'
import { planDelta } from './batch-positions.js'
import { isOversizedBatch } from './bulk-plan.js'
import type { RecordDelta } from './index-delta.js'
import type { WriteEntry } from './journal/codec.js'
import type { StoreJournal } from './journal/store-journal.js'
import type { LocalPlan } from './local-edits.js'
import type { DnsRecord } from './record.js'
import type { RecordIndex } from './record-index.js'
import type { ChangeSource, RecordChange, WriteResult } from './record-store.js'
import type { DeltaCompute } from './record-versions.js'
import { MAX_RECORDS } from './records-file.js'
import type { ServedIndex } from './served-index.js'
import { normalizeIncoming } from './store-helpers.js'
import type { StoreVersions } from './store-versions.js'

export interface StoreWritesDeps {
  served: ServedIndex
  journal: StoreJournal
  versions: StoreVersions
  /** Rewrites the records file from `records` (refusing the change when it cannot). */
  persist(records: readonly DnsRecord[]): Promise<void>
}

export class StoreWrites {
  /** Settles when the last journaled write has been acknowledged or refused. */
  private inflight: Promise<unknown> = Promise.resolve()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: StoreWritesDeps) {}

  /** Resolves once everything queued so far has run. */
  async settled(): Promise<void> {
    await this.queue
  }

  enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Queues `fn` to run once every journaled write before it is acknowledged or refused (so head = current). */
  enqueueDrained<T>(fn: () => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.drain()
      return fn()
    })
  }

  async drain(): Promise<void> {
    await this.inflight
  }

  /**
   * Runs a local add/update/remove: `plan` computes it in the queue from the newest index (head).
   * Journal mode: appended to the journal and the queue moves on; the caller is answered, the index
   * swapped and the listeners told once its fsync completed (group commit). Write-through (no
   * delay, a missing file, a failed journal): the file is rewritten first, as before the journal.
   */
  async write(plan: (index: RecordIndex) => LocalPlan, writeThrough?: (p: LocalPlan) => boolean): Promise<WriteResult> {
    const { served } = this.deps
    const check = this.arrivalCheck()
    const { durable, result } = await this.enqueue(async () => {
      let through = await this.isWriteThrough(check)
      if (through) await this.drain()
      let p = plan(served.head)
      if (!through && writeThrough?.(p)) {
        // Planned again once the writes in flight settled: one of them may have been refused.
        through = true
        await this.drain()
        p = plan(served.head)
      }
      if (!('change' in p)) return { durable: undefined, result: p.result }
      const change = p.change
      // Only the records this change made are new objects; the rest were frozen when first served.
      const c: Commit = { delta: p.delta, next: p.next, entry: p.entry, change: () => change, fresh: change.kind === 'remove' ? [] : change.records }
      if (through) {
        await this.commitThrough(c)
        return { durable: undefined, result: p.result }
      }
      return { durable: this.append(c), result: p.result }
    })
    await durable
    return result
  }

  /** See RecordStore.applyDelta: planned once the journaled writes before it settled; journaled like a local write. */
  async applyDelta(compute: DeltaCompute, source: ChangeSource): Promise<boolean> {
    const { served } = this.deps
    const check = this.arrivalCheck()
    const { durable } = await this.enqueueDrained(async () => {
      const through = await this.isWriteThrough(check)
      const d = compute(served.current)
      if (!d) return { durable: undefined }
      const added = normalizeIncoming(d.added)
      const replaced = d.replaced.map(([old, r]) => [old, normalizeIncoming([r])[0]] as const)
      const p = planDelta(served.current, { removed: d.removed, added, replaced }, d.lww, source)
      if (p.size > MAX_RECORDS) throw new DnsplaneError('ERR_RECORD_INVALID', `${p.size} records exceed the limit of ${MAX_RECORDS}`)
      // Its versions travel in the entry (journal) or the versioner's section (a rewrite): not versioned again here.
      const c: Commit = { delta: p.delta, entry: p.entry, change: p.change, fresh: p.fresh, versioned: true }
      return { durable: through || isOversizedBatch(p) ? this.commitThrough(c) : this.append(c) }
    })
    if (!durable) return false
    await durable
    return true
  }

  /** Persist first; only a successful write changes memory and emits. */
  async commit(records: DnsRecord[], change: Omit<RecordChange, 'index'>): Promise<void> {
    await this.deps.persist(records)
    this.deps.served.swap(records, change)
  }

  /**
   * The records file check of a change, started as it arrives rather than at the head of the queue:
   * changes arriving together share one (StoreJournal.isWriteThrough), and it overlaps their wait.
   */
  private arrivalCheck(): Promise<boolean> | undefined {
    const check = this.deps.journal.active ? this.deps.journal.isWriteThrough() : undefined
    check?.catch(() => undefined) // awaited in the queue; not an unhandled rejection meanwhile
    return check
  }

  /** In the queue: write through (no journal, a missing file, or a journal that failed since the check: a write before this one). */
  private async isWriteThrough(check: Promise<boolean> | undefined): Promise<boolean> {
    const { journal } = this.deps
    return !journal.active || (await (check ?? journal.isWriteThrough())) || journal.failed
  }

  /** Indexes `c` as the newest state (head): at the cost of its delta, or from its whole list. */
  private build(c: Commit): RecordIndex {
    const { served } = this.deps
    return c.delta ? served.buildDelta(c.delta, c.fresh) : served.build(c.next as DnsRecord[], c.fresh)
  }

  /**
   * Journals `c.entry`; head moves now, current and the listeners once it is durable. A local write
   * is versioned here; a merged change carries its versions.
   */
  private append(c: Commit): Promise<void> {
    const { served, journal, versions: store } = this.deps
    const index = this.build(c)
    const change = c.change(index)
    const versions = c.versioned ? undefined : store.local(change, c.entry, index)
    const durable = journal.append(versions ? { ...c.entry, lww: versions.journal } : c.entry).then(
      () => {
        served.publish(index, change)
        versions?.acknowledged()
        journal.markDirty()
      },
      (err: unknown) => {
        // Refused, not acknowledged: later writes built on it are refused by the journal too.
        served.head = served.current
        versions?.refused()
        throw err
      },
    )
    this.inflight = durable.catch(() => undefined)
    return durable
  }

  /** A write-through change (callers drained): versioned first (a local write), so the rewritten file holds the versions; memory changes only once written. */
  private async commitThrough(c: Commit): Promise<void> {
    const { served, versions: store } = this.deps
    const index = this.build(c)
    const change = c.change(index)
    const versions = c.versioned ? undefined : store.local(change, c.entry, index)
    try {
      await this.deps.persist(index.records)
    } catch (err) {
      served.head = served.current
      versions?.refused()
      throw err
    }
    served.publish(index, change)
    versions?.acknowledged()
  }
}

/** A change to commit: the delta from head (or, a bulk write, the whole new list), its journal entry and its event. */
interface Commit {
  delta?: RecordDelta
  next?: DnsRecord[]
  entry: WriteEntry
  /** The change event, given the index built (a merge's 'replace' names that index's records). */
  change: (index: RecordIndex) => Omit<RecordChange, 'index'>
  /** The records not frozen yet (the change's new ones). */
  fresh: readonly DnsRecord[]
  /** Carries its own versions (a merge from peers): not versioned by the store. */
  versioned?: boolean
}
