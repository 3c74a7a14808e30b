/**
 * The FileRecordStore's side of dnsrecords.json edited from outside: the directory watch (debounced),
 * reading and parsing the file, the three-way merge with changes not yet flushed, the mass-delete
 * hold, and writing a lost file back from memory. The store owns one and hands it a FileEditsHost.
 */
import { watch, type FSWatcher } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import { fileStamp, sameStamp, stampIsSettled, type FileStamp } from './atomic-write.js'
import { applyHeldChange, deletedRecords, heldMassDeleteMessage, isSeedContent, type MassDeleteSource } from './mass-delete.js'
import type { MassDeleteHold } from './mass-delete-hold.js'
import type { DnsRecord } from './record.js'
import type { MassDeleteResult, RecordChange, StartReconcile } from './record-store.js'
import { fileExists, isMissing, normalizeIncoming, parseRecordsAt, readRecordsFileBytes, sha256 } from './store-helpers.js'

/** Quiet period after the last file event before the file is re-read. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 150

/** What the file side needs from the store. */
export interface FileEditsHost {
  /** The records served now (the store's current index). */
  served(): readonly DnsRecord[]
  /** Rewrites the file from `records`; calls noteWritten on success. */
  persist(records: readonly DnsRecord[]): Promise<void>
  /** Serves `records` and emits `change`. */
  swap(records: DnsRecord[], change: Omit<RecordChange, 'index'>): void
  /** Rewrites the file from `records`, then serves them and emits `change` (nothing changes when the write fails). */
  commit(records: DnsRecord[], change: Omit<RecordChange, 'index'>): Promise<void>
  /** Marks acknowledged changes as not yet in the file. */
  markDirty(): void
  /** True in journal mode. */
  isJournaled(): boolean
  /** Starts a fresh journal over the file bytes hashing to `hash`. */
  resetJournal(hash: string): Promise<void>
  /** Runs `fn` in the write queue once journaled writes before it settled. */
  enqueueDrained<T>(fn: () => Promise<T>): Promise<T>
}

export interface FileEditsOptions {
  /** Absolute path of dnsrecords.json. */
  path: string
  log: Logger
  guard: MassDeleteHold
  watchDebounceMs?: number
}

export class FileEdits {
  /** SHA-256 of the file content we last wrote or loaded; an event for the same bytes is ours. */
  private lastHash: string | undefined
  /** SHA-256 of the last content that failed to parse, so one bad edit logs once. */
  private badHash: string | undefined
  /** The records the file holds (last load or flush): the base a hand edit is merged against. */
  private flushed: readonly DnsRecord[] = []
  /** stat of the file when we last read or wrote it: a background flush replaces only that version. */
  private stamp: FileStamp | undefined
  /** Wall-clock ms when `stamp` was taken (see stampIsSettled). */
  private stampTakenAt = 0
  private missingLogged = false
  /** True once start() ran: edits are then read (by the watcher, and by the flush even after stop). */
  private watching = false
  private watcher: FSWatcher | undefined
  private debounce: NodeJS.Timeout | undefined

  constructor(
    private readonly host: FileEditsHost,
    private readonly opts: FileEditsOptions,
  ) {}

  /** SHA-256 of the file as last loaded or written. */
  get fileHash(): string | undefined {
    return this.lastHash
  }

  /** True while the file holds an edit that failed to parse. */
  get hasRejectedEdit(): boolean {
    return this.badHash !== undefined
  }

  /**
   * The file now holds `records`, as bytes hashing to `hash` (loaded or written by us). `stamp`: the
   * written file's (null: unknown, so the next check reads it); a load keeps the one its read noted.
   */
  noteWritten(hash: string, records: readonly DnsRecord[], stamp?: FileStamp | null): void {
    if (stamp !== undefined) {
      this.stamp = stamp ?? undefined
      this.stampTakenAt = Date.now()
    }
    this.lastHash = hash
    this.badHash = undefined
    this.flushed = records
  }

  /** The file as stat saw it just before our last read, or after our last write (undefined: unknown or missing). */
  get fileStamp(): FileStamp | undefined {
    return this.stamp
  }

  /**
   * Reads the file, noting its stamp first: an edit between the stat and the read changes the
   * bytes we read and is handled as an edit; one after the read changes the stamp.
   */
  async readFile(statted?: { stamp: FileStamp | undefined; takenAt: number }): Promise<Buffer> {
    const takenAt = statted?.takenAt ?? Date.now()
    const stamp = statted ? statted.stamp : await fileStamp(this.opts.path)
    const buf = await readRecordsFileBytes(this.opts.path)
    this.stamp = stamp
    this.stampTakenAt = takenAt
    return buf
  }


  parse(buf: Buffer): DnsRecord[] {
    return parseRecordsAt(this.opts.path, buf)
  }

  /** Starts watching the file. No-op when already watching. */
  async start(): Promise<void> {
    if (this.watcher) return
    this.watching = true
    const file = this.opts.path
    const name = basename(file)
    // The directory, not the file: editors and our own writes replace the inode by rename. fs.watch,
    // not chokidar: chokidar re-reads and stats every entry of the directory on each event there, and
    // the journal, serial and IXFR history files beside this one change with every write (measured:
    // most of a node's CPU at a few hundred writes/s).
    try {
      const watcher = watch(dirname(file), (_event, changed) => {
        if (changed === null || changed === name) this.scheduleCheck()
      })
      watcher.on('error', (err) => this.opts.log.error({ err, path: file }, 'records file watch error'))
      this.watcher = watcher
    } catch (err) {
      // Edits are still read by every background flush (checkBeforeFlush) and by a reload.
      this.opts.log.error({ err, path: file }, 'records file cannot be watched; edits are read at the next flush or reload')
    }
  }

  /** Cancels a pending check and stops watching. */
  async stop(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = undefined
    this.watcher?.close()
    this.watcher = undefined
  }

  /** In the write queue: re-reads the file (source 'reload'); see FileRecordStore.reload. */
  async reload(): Promise<number> {
    const { path } = this.opts
    let buf: Buffer
    try {
      buf = await this.readFile()
    } catch (err) {
      if (!isMissing(err)) throw err
      // A lost file is not an empty one: keep serving and write it back, as the watcher does.
      if (!(await this.restoreMissingFile())) {
        throw new DnsplaneError('ERR_RECORDS_WRITE', `${path}: file does not exist and cannot be written back`, { cause: err })
      }
      return this.host.served().length
    }
    const records = this.parse(buf)
    const hash = sha256(buf)
    const merged = this.mergeFileEdit(records)
    if (hash !== this.lastHash && (await this.holdIfMassDelete(records, merged, 'reload'))) {
      throw new DnsplaneError('ERR_MASS_DELETE_HELD', heldMassDeleteMessage(this.opts.guard.require().info))
    }
    if (hash !== this.lastHash) this.opts.guard.drop('a reload applied a newer records file')
    await this.adoptFile(hash, records, merged, 'reload')
    return merged.length
  }

  /** In the write queue: see FileRecordStore.reconcileAtStart; `created` is true when open() created the file. */
  async reconcileAtStart(known: readonly DnsRecord[], created: boolean): Promise<StartReconcile> {
    const { path, log, guard } = this.opts
    const served = this.host.served()
    if (known.length > 0 && (created || isSeedContent(served))) {
      const next = normalizeIncoming(known)
      await this.host.commit(next, { source: 'replica', kind: 'replace', records: next })
      log.warn(
        { path, records: next.length, replaced: served.length },
        created
          ? 'records file was missing at start; rebuilt from the cluster replica (a lost file is never read as a delete)'
          : 'records file holds only the default content at start; rebuilt from the cluster replica (delete records with the API or TUI)',
      )
      return 'rebuilt'
    }
    const deleted = guard.deletedBy(known, served)
    if (!deleted) return 'accepted'
    const next = normalizeIncoming(known)
    await this.host.commit(next, { source: 'replica', kind: 'replace', records: next })
    guard.hold('startup', this.host.served(), served, deleted)
    return 'held'
  }

  /** In the write queue: applies the held-back change (see FileRecordStore.confirmMassDelete). */
  async confirmHeld(): Promise<MassDeleteResult> {
    const { guard } = this.opts
    const held = guard.require()
    const before = this.host.served()
    const next = normalizeIncoming(applyHeldChange(held, before))
    const removed = deletedRecords(before, next).length
    await this.host.commit(next, { source: held.info.source === 'reload' ? 'reload' : 'file', kind: 'replace', records: next })
    guard.clear()
    this.opts.log.warn({ path: this.opts.path, removed, records: next.length, source: held.info.source }, 'held-back mass delete confirmed and applied')
    return { removed, records: next.length }
  }

  /** In the write queue: forgets the held-back change and rewrites the file from memory. */
  async discardHeld(): Promise<MassDeleteResult> {
    const { guard } = this.opts
    const held = guard.require()
    await this.host.persist(this.host.served())
    guard.clear()
    this.opts.log.info({ path: this.opts.path, would_have_removed: held.info.removed }, 'held-back mass delete discarded')
    return { removed: 0, records: this.host.served().length }
  }

  /**
   * In the write queue: when `proposed` (a file edit or reload) would delete too much of what is
   * served, keeps serving, rewrites the file from memory (it always mirrors what is served) and
   * holds the change for confirmMassDelete/discardMassDelete. True when held.
   */
  private async holdIfMassDelete(proposed: readonly DnsRecord[], merged: readonly DnsRecord[], source: MassDeleteSource): Promise<boolean> {
    const deleted = this.opts.guard.deletedBy(this.host.served(), merged)
    if (!deleted) return false
    const base = this.flushed
    try {
      await this.host.persist(this.host.served())
    } finally {
      // Held even when the rewrite failed: memory still serves the old set either way.
      this.opts.guard.hold(source, base, proposed, deleted)
    }
    return true
  }

  /**
   * A records file edit applied to what is served: the file itself when memory equals the file
   * (always without the journal), else a three-way merge over the file as last flushed, so
   * changes acknowledged but not yet flushed are not reverted by an edit of the older file.
   */
  private mergeFileEdit(proposed: DnsRecord[]): DnsRecord[] {
    const base = this.flushed
    if (this.host.served() === base) return proposed
    return normalizeIncoming(applyHeldChange({ base, proposed }, this.host.served()))
  }

  /**
   * Serves an accepted file edit or reload (`merged`, from mergeFileEdit). When it is the file's
   * set, the file becomes the journal's new base; else the file is rewritten from memory.
   */
  private async adoptFile(hash: string, proposed: DnsRecord[], merged: DnsRecord[], source: 'file' | 'reload'): Promise<void> {
    this.lastHash = hash
    this.badHash = undefined
    const change = { source, kind: 'replace', records: merged } as const
    if (merged === proposed) {
      this.flushed = merged
      this.host.swap(merged, change)
      if (this.host.isJournaled()) await this.host.resetJournal(hash)
      return
    }
    try {
      await this.host.persist(merged)
      this.host.swap(merged, change)
    } catch (err) {
      // Served anyway; the journal still holds the unflushed changes and a restart re-bases them on the edited file.
      this.host.swap(merged, change)
      this.host.markDirty()
      this.opts.log.error({ err, path: this.opts.path }, 'records file edit merged with unflushed changes but the file could not be rewritten')
    }
  }

  /**
   * The file vanished while running: keep serving memory and write it back (a lost file is never a
   * delete). False when it could not be written (logged once).
   */
  private async restoreMissingFile(): Promise<boolean> {
    const { path, log } = this.opts
    try {
      await mkdir(dirname(path), { recursive: true })
      // Re-created in the meantime (an editor's delete-then-write): its own event follows.
      if (await fileExists(path)) return true
      await this.host.persist(this.host.served())
      this.missingLogged = false
      log.warn({ path, count: this.host.served().length }, 'records file deleted; rewritten from the records in memory')
      return true
    } catch (err) {
      if (!this.missingLogged) log.error({ path, err }, 'records file deleted and cannot be rewritten; keeping current records')
      this.missingLogged = true
      return false
    }
  }

  private scheduleCheck(): void {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      this.host.enqueueDrained(() => this.checkExternalEdit()).catch((err) =>
        this.opts.log.error({ err, path: this.opts.path }, 'records file reload failed'),
      )
    }, this.opts.watchDebounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS)
  }

  /**
   * In the write queue, before a background flush: applies (or holds, or rejects) an edit of the file
   * the watcher has not reported yet, so the flush never writes over an operator's edit.
   */
  async checkBeforeFlush(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = undefined
    await this.checkExternalEdit()
  }

  /** Applies an external edit; logs each distinct problem once and keeps the old records. */
  private async checkExternalEdit(): Promise<void> {
    // Not `this.watcher`: the flush at stop runs after the watcher closed and must still read an edit it had not reported.
    if (!this.watching) return
    const { path, log } = this.opts
    let buf: Buffer
    try {
      // Unchanged since we last read or wrote it (our own writes' events, flushes): no read, no hash.
      const takenAt = Date.now()
      const now = await fileStamp(path)
      if (this.lastHash !== undefined && this.stamp && stampIsSettled(this.stamp, this.stampTakenAt) && sameStamp(now, this.stamp)) return
      buf = await this.readFile({ stamp: now, takenAt }) // that stat was taken before this read, as readFile's own would be
    } catch (err) {
      if (isMissing(err)) {
        await this.restoreMissingFile()
        return
      }
      if (!this.missingLogged) {
        this.missingLogged = true
        log.error({ path, err }, 'records file unreadable; keeping current records')
      }
      return
    }
    this.missingLogged = false
    const hash = sha256(buf)
    if (hash === this.lastHash || hash === this.badHash) return
    let records: DnsRecord[]
    try {
      records = this.parse(buf)
    } catch (err) {
      this.badHash = hash
      log.error({ path, reason: (err as Error).message }, 'records file edit rejected; keeping current records')
      return
    }
    const merged = this.mergeFileEdit(records)
    if (await this.holdIfMassDelete(records, merged, 'file')) return
    this.opts.guard.drop('a newer edit of the records file was applied')
    await this.adoptFile(hash, records, merged, 'file')
    log.info({ path, count: merged.length }, 'records reloaded from file')
  }
}
