/**
 * The FileRecordStore's flush: the generation to write is taken in the write queue (journaled
 * writes settled); the snapshot is then written behind the queue, in slices, while writes go on
 * being journaled and acknowledged (journal/records-journal.ts: their entries survive the journal's
 * reset). Without a usable journal (failed) the file is rewritten in the queue instead. One flush
 * at a time; the store owns one and hands in its queue, journal, file edits and writer.
 */
import type { Logger } from 'pino'
import { FileChangedError, type FileStamp } from './atomic-write.js'
import type { FileEdits } from './file-edits.js'
import type { FlushResult } from './file-store-options.js'
import type { SnapshotGuard } from './journal/records-journal.js'
import type { StoreJournal } from './journal/store-journal.js'
import type { DnsRecord } from './record.js'

export interface StoreFlushDeps {
  path: string
  log: Logger
  journal: StoreJournal
  file: () => FileEdits
  /** The records served now. */
  records: () => readonly DnsRecord[]
  /** Runs `fn` in the write queue once the journaled writes before it settled. */
  enqueueDrained<T>(fn: () => Promise<T>): Promise<T>
  /** Rewrites the file in the queue (journal failed). */
  persist(records: readonly DnsRecord[], guard: SnapshotGuard): Promise<void>
  /** The file's text for `records`, in slices (their versions taken now). */
  chunks(records: readonly DnsRecord[]): Iterable<string>
}

export class StoreFlush {
  /** Settles when the last flush has finished. */
  private flushes: Promise<unknown> = Promise.resolve()
  /** Settles when the snapshot being written behind the queue is in place (or failed). */
  behind: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: StoreFlushDeps) {}

  /** See FileRecordStore.flush. */
  flush(background: boolean): Promise<FlushResult> {
    const run = this.flushes.then(() => this.flushOnce(background))
    this.flushes = run.catch(() => undefined)
    return run
  }

  /** Resolves when no flush is running. */
  async idle(): Promise<void> {
    await this.flushes
  }

  /**
   * In the background the rename replaces only the version of the file checkBeforeFlush read: an
   * edit landing between that read and the rename is read (applied or held) and the rewrite tried
   * again, up to 3 times, so the flush never writes over an edit.
   */
  private async flushOnce(background: boolean): Promise<FlushResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(background)
      } catch (err) {
        if (!(err instanceof FileChangedError) || attempt >= 3) throw err
        this.deps.log.info({ path: this.deps.path }, 'records file changed while being flushed; reading the edit before writing again')
      }
    }
  }

  private async attempt(background: boolean): Promise<FlushResult> {
    const { journal, log, path } = this.deps
    const { done, result } = await this.deps.enqueueDrained(async () => {
      journal.cancelFlush()
      const file = this.deps.file()
      const skipped = { done: undefined, result: { flushed: false, records: this.deps.records().length } }
      if (!journal.active || !journal.dirty) return skipped
      // An edit the watcher has not reported yet is read first: the flush writes the merge, never over the edit.
      if (background) await file.checkBeforeFlush()
      // The timer and stop never replace an edit that failed to parse (the journal keeps the changes); a write or a requested flush does, as before.
      if (background && file.hasRejectedEdit) {
        log.warn({ path }, 'records file holds a rejected edit; not rewritten in the background (the journal keeps every acknowledged change)')
        return skipped
      }
      const now = this.deps.records()
      const flushed = { flushed: true, records: now.length }
      const guard: SnapshotGuard = background ? { unchangedSince: file.fileStamp } : {}
      const from = journal.behindFrom()
      if (from === undefined) {
        await this.deps.persist(now, guard)
        return { done: undefined, result: flushed }
      }
      const done = this.writeBehind(now, from, journal.changes, guard)
      this.behind = done.catch(() => undefined)
      return { done, result: flushed }
    })
    await done
    return result
  }

  /** Writes `records` (the generation at journal offset `from`) behind the queue; the journal stays dirty when a change landed meanwhile. */
  private async writeBehind(records: readonly DnsRecord[], from: number, changes: number, guard: SnapshotGuard): Promise<void> {
    const { journal } = this.deps
    let written: FileStamp | null = null
    const startedAt = journal.flushStarted()
    try {
      const hash = await journal.write(this.deps.chunks(records), from, { ...guard, onWritten: (s) => (written = s) })
      this.deps.file().noteWritten(hash, records, written)
      if (journal.changes === changes) journal.dirty = false
    } finally {
      journal.flushEnded(startedAt)
    }
  }
}
