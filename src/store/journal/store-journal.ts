/**
 * The FileRecordStore's side of the records journal: start-up recovery, the write-through
 * decision before a local write, the dirty flag and the background flush timer. The store owns
 * one; it keeps the records, the index and the write queue, and hands in `persist`/`serve`.
 */
import type { Logger } from 'pino'
import { isDnsplaneError } from '../../errors.js'
import { checkReplaceable } from '../atomic-write.js'
import type { DnsRecord } from '../record.js'
import type { FlushState } from '../record-store.js'
import { fileExists } from '../store-helpers.js'
import type { JournalEntry } from './codec.js'
import { type LastFlush, pacedFlushDelay } from './flush-pacing.js'
import type { OpenJournal } from './journal-file.js'
import { journalPathFor, prepareSnapshot, RecordsJournal, type SnapshotGuard, type SnapshotHook } from './records-journal.js'

export interface StoreJournalOptions {
  /** Absolute path of dnsrecords.json. */
  path: string
  /** Journal path; default `<path>.journal`. */
  journalPath?: string
  log: Logger
  /** `records_flush_delay_ms` (0 = write-through). */
  flushDelayMs: number
  openJournal?: OpenJournal
  writeSnapshot?: SnapshotHook
  /** Called when the background flush is due (see markDirty). */
  onFlushDue: () => void
  /** Tests: the records file check before a journaled write (counting); default checkReplaceable. */
  checkFile?: (path: string) => Promise<'missing' | 'replaceable'>
  /** Clock for flush pacing, in ms (default performance.now). */
  nowMs?: () => number
}

/** What recover() needs from the store, in the order it uses them. */
export interface RecoverSteps {
  /** Serves `records` (no change event); `versions` are the `lww` payloads replayed to reach them. */
  serve(records: DnsRecord[], versions: unknown[]): void
  /** Rewrites the records file from `records` (through the journal while one is open). */
  persist(records: readonly DnsRecord[]): Promise<void>
}

export class StoreJournal {
  private journal: RecordsJournal | undefined
  /** Acknowledged changes not yet in the file. */
  dirty = false
  /** Changes marked dirty so far: a background flush compares it to see whether one landed while it wrote. */
  changes = 0
  private flushTimer: NodeJS.Timeout | undefined
  /** The records file check in flight, and the one after it that callers arriving meanwhile share. */
  private checking: Promise<boolean> | undefined
  private nextCheck: Promise<boolean> | undefined
  private lastFlush: LastFlush | undefined
  /** A flush is writing the file behind the queue (changes meanwhile are scheduled when it ends). */
  private flushing = false
  /** The delay the pending background flush was scheduled with (ms), for status and tests. */
  scheduledDelayMs: number | undefined

  constructor(private readonly opts: StoreJournalOptions) {}

  /** True while a journal is open (journal mode). */
  get active(): boolean {
    return this.journal !== undefined
  }

  /** True when the open journal failed (the next write rewrites the file, which resets it). */
  get failed(): boolean {
    return this.journal?.isFailed === true
  }

  /**
   * Start-up: replays the journal (cutting a torn tail) over the loaded file and rewrites the file
   * when it replayed anything. Without a flush delay the journal is then removed (write-through).
   */
  async recover(fileRecords: DnsRecord[], fileHash: string, steps: RecoverSteps): Promise<void> {
    const { path, log, flushDelayMs } = this.opts
    const journalPath = this.opts.journalPath ?? journalPathFor(path)
    const exists = await fileExists(journalPath)
    if (flushDelayMs === 0 && !exists) {
      steps.serve(fileRecords, [])
      return
    }
    let opened
    try {
      opened = await RecordsJournal.open(
        { recordsPath: path, journalPath, log, openFile: this.opts.openJournal, writeSnapshot: this.opts.writeSnapshot },
        fileRecords,
        fileHash,
      )
    } catch (err) {
      // No journal to replay and none can be made (a read-only directory): run write-through, as before the journal.
      if (exists) throw err
      log.error({ err, path: journalPath }, 'records journal cannot be created; dnsrecords.json is rewritten on every change')
      steps.serve(fileRecords, [])
      return
    }
    const { journal, recovery } = opened
    this.journal = journal
    const served = recovery.needsFlush ? recovery.records : fileRecords
    steps.serve(served, recovery.versions)
    if (recovery.needsFlush) {
      try {
        await steps.persist(served)
      } catch (err) {
        this.dirty = true
        log.error({ err, path }, 'records file could not be rewritten after the journal replay; the journal keeps the changes')
      }
    }
    if (flushDelayMs > 0) return
    this.journal = undefined
    if (this.dirty) await journal.close()
    else await journal.remove()
  }

  /** Starts a fresh journal over the file bytes hashing to `hash`; a failure leaves it failed (the next write rewrites the file). */
  async reset(hash: string): Promise<void> {
    try {
      await this.journal?.reset(hash)
    } catch (err) {
      this.opts.log.error({ err, path: this.opts.path }, 'records journal could not be reset; the next write rewrites the records file')
    }
  }

  /**
   * Journal mode, before a local write: refuses it when the file could not take it (read-only, not
   * a regular file) as write-through would, and says to write through when the file is missing (a
   * lost file is written back at once) or the journal failed (the rewrite resets it).
   * Concurrent callers share checks (one stat and access per batch, not per write): a caller never
   * takes a check that started before it asked, so a chmod finished before a write is always seen.
   */
  isWriteThrough(): Promise<boolean> {
    if (!this.checking) return this.startCheck()
    this.nextCheck ??= this.checking.then(
      () => this.startCheck(),
      () => this.startCheck(),
    )
    return this.nextCheck
  }

  private startCheck(): Promise<boolean> {
    this.nextCheck = undefined
    const check = this.checkNow()
    this.checking = check
    const done = (): void => {
      if (this.checking === check) this.checking = undefined
    }
    check.then(done, done)
    return check
  }

  private async checkNow(): Promise<boolean> {
    try {
      if ((await (this.opts.checkFile ?? checkReplaceable)(this.opts.path)) === 'missing') return true
    } catch (err) {
      if (isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE')) this.opts.log.warn({ path: this.opts.path }, `records change refused: ${err.message}`)
      throw err
    }
    return this.failed
  }

  /** Journals `entry` (group commit); resolves once it is durable. Only in journal mode. */
  append(entry: JournalEntry): Promise<void> {
    return (this.journal as RecordsJournal).append(entry)
  }

  /**
   * The journal offset a background flush takes its generation at, or undefined when the file must
   * be written with appends held back (no journal, or a failed one: see RecordsJournal.flush).
   */
  behindFrom(): number | undefined {
    return this.journal && !this.journal.isFailed ? this.journal.size : undefined
  }

  /**
   * Replaces the records file with `chunks` and returns the hash of its bytes: by the flush
   * protocol in journal mode (`from`: a background flush, see behindFrom), else atomically;
   * `guard` may refuse the rename (FileChangedError).
   */
  async write(chunks: Iterable<string>, from?: number, guard: SnapshotGuard = {}): Promise<string> {
    if (this.journal) return this.journal.flush(chunks, from, guard)
    const file = await prepareSnapshot(this.opts.path, chunks, this.opts.writeSnapshot, guard)
    try {
      await file.commit()
    } catch (err) {
      await file.abort()
      throw err
    }
    return file.sha256
  }

  /**
   * Schedules the background rewrite flushDelayMs after the first unflushed change, or later while
   * the last rewrite's pacing says so (flush-pacing.ts: a large file is not rewritten back to back).
   * A change landing while a flush writes is scheduled when that flush ends (flushEnded).
   */
  markDirty(): void {
    this.dirty = true
    this.changes++
    if (!this.flushing) this.schedule()
  }

  private schedule(): void {
    if (this.flushTimer || !this.journal) return
    const delay = pacedFlushDelay(this.opts.flushDelayMs, this.lastFlush, this.nowMs())
    this.scheduledDelayMs = delay
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.scheduledDelayMs = undefined
      this.opts.onFlushDue()
    }, delay)
    this.flushTimer.unref()
  }

  /** The journal against the file, for status (see FlushState). */
  state(): FlushState {
    return {
      journaled: this.active,
      unflushed: this.dirty,
      next_flush_delay_ms: this.scheduledDelayMs ?? null,
      last_flush_ms: this.lastFlush ? Math.round(this.lastFlush.tookMs) : null,
    }
  }

  /** Cancels a scheduled background flush. */
  cancelFlush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    this.scheduledDelayMs = undefined
  }

  private nowMs(): number {
    return this.opts.nowMs ? this.opts.nowMs() : performance.now()
  }

  /** A flush starts writing the file behind the queue; returns its start time for flushEnded. */
  flushStarted(): number {
    this.flushing = true
    return this.nowMs()
  }

  /**
   * The flush started at `startedAt` has ended (written or failed): paces the next one by its
   * duration and schedules it when changes are still not in the file.
   */
  flushEnded(startedAt: number): void {
    const endedAt = this.nowMs()
    this.flushing = false
    this.lastFlush = { tookMs: endedAt - startedAt, endedAt }
    if (this.dirty) this.schedule()
  }

  /** Closes the journal (stop); later writes go straight to the file. */
  async close(): Promise<void> {
    this.cancelFlush()
    const journal = this.journal
    this.journal = undefined
    await journal?.close()
  }
}
