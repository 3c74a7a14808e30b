/**
 * RecordStore backed by dnsrecords.json: writes through one queue, an immutable RecordIndex
 * swapped in after each acknowledged write, and an optional chokidar watch that picks up external
 * edits (bad edits keep the old records serving). With `flushDelayMs` > 0 a local add/update/remove
 * is acknowledged once appended to the journal (journal/, group commit) and the file is rewritten
 * from memory in the background within that delay; with 0 every write rewrites the file.
 * docs/storage.md describes the guarantees.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Logger } from 'pino'
import { DnsplaneError, isDnsplaneError } from '../errors.js'
import { checkReplaceable, readOnlyReason, writeFileAtomic } from './atomic-write.js'
import type { JournalEntry } from './journal/codec.js'
import type { OpenJournal } from './journal/journal-file.js'
import { journalPathFor, RecordsJournal } from './journal/records-journal.js'
import { RecordIndex } from './record-index.js'
import type {
  ChangeSource,
  MassDeleteResult,
  RecordChange,
  RecordInput,
  RecordSelector,
  RecordSetTransform,
  RecordStore,
  StartReconcile,
  WriteResult,
} from './record-store.js'
import type { ValidRecordInput } from './record-validate.js'
import { applyHeldChange, deletedRecords, heldMassDeleteMessage, isSeedContent, type MassDeleteInfo, type MassDeleteSource } from './mass-delete.js'
import { MassDeleteHold } from './mass-delete-hold.js'
import { planAdd, planRemove, planUpdate, type EditContext, type LocalPlan } from './local-edits.js'
import { formatGoTime, GO_ZERO_TIME, type DnsRecord } from './record.js'
import { DEFAULT_RECORDS, serializeRecordsFile } from './records-file.js'
import { fileExists, isMissing, normalizeIncoming, parseRecordsAt, readRecordsFileBytes, selectorMatcher, sha256, validate } from './store-helpers.js'

/** TTL given to records added without one (or with 0) through the API/TUI, as the original. */
export const DEFAULT_RECORD_TTL = 3600
/** Quiet period after the last file event before the file is re-read. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 150

export interface FileRecordStoreOptions {
  /** Path of dnsrecords.json. */
  path: string
  /** Write with 2-space indent (config `pretty_json`). */
  prettyJson: boolean
  log: Logger
  /** Id generator for new records; default crypto.randomUUID (UUID v4). */
  newId?: () => string
  /** Clock for added_on/updated_on; default `() => new Date()`. */
  now?: () => Date
  /** Watch the file for external edits once start() is called; default true. */
  watch?: boolean
  watchDebounceMs?: number
  /** Records a missing file is created with; default DEFAULT_RECORDS (the demo record). A cluster node passes []. */
  seedRecords?: readonly DnsRecord[]
  /** `records_mass_delete_guard_percent`, read at each check (0 = off); default 50. */
  massDeleteGuardPercent?: () => number
  /**
   * `records_flush_delay_ms`: > 0 journals local add/update/remove and rewrites the file at most
   * this many ms after the first unflushed change; 0 (the default here) rewrites the file on every write.
   */
  flushDelayMs?: number
  /** Journal path; default `<path>.journal`. */
  journalPath?: string
  /** Tests: opens the journal file (fsync counting, failures). */
  openJournal?: OpenJournal
  /** Tests: replaces the records file (crash injection); default writeFileAtomic. */
  writeSnapshot?: (path: string, text: string) => Promise<void>
}

/** What flush() did. */
export interface FlushResult {
  /** False when the file already held every change. */
  flushed: boolean
  records: number
}


/** The dnsrecords.json-backed RecordStore. Construct with `FileRecordStore.open(opts)`. */
export class FileRecordStore implements RecordStore {
  private current: RecordIndex = RecordIndex.build([], 0)
  /** The newest index: `current` plus journaled writes whose fsync is still in flight. */
  private head: RecordIndex = this.current
  /** The records the file holds (last load or flush): the base a hand edit is merged against. */
  private flushed: readonly DnsRecord[] = []
  private journal: RecordsJournal | undefined
  /** Settles when the last journaled write has been acknowledged or refused. */
  private inflight: Promise<unknown> = Promise.resolve()
  /** Acknowledged changes not yet in the file. */
  private dirty = false
  private flushTimer: NodeJS.Timeout | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private readonly listeners = new Set<(change: RecordChange) => void>()
  private readonly path: string
  private readonly log: Logger
  private readonly newId: () => string
  private readonly now: () => Date
  /** SHA-256 of the file content we last wrote or loaded; an event for the same bytes is ours. */
  private lastHash: string | undefined
  /** SHA-256 of the last content that failed to parse, so one bad edit logs once. */
  private badHash: string | undefined
  private missingLogged = false
  /** A file edit/reload/start-up change held back by the mass-delete guard. */
  private readonly guard: MassDeleteHold
  /** True when open() found no file and created it. */
  private created = false
  private watcher: FSWatcher | undefined
  private debounce: NodeJS.Timeout | undefined

  constructor(private readonly opts: FileRecordStoreOptions) {
    this.path = resolve(opts.path)
    this.log = opts.log
    this.newId = opts.newId ?? randomUUID
    this.now = opts.now ?? (() => new Date())
    this.guard = new MassDeleteHold({ path: this.path, log: this.log, now: this.now, percent: opts.massDeleteGuardPercent })
  }

  /**
   * Creates the store and loads the file. A missing file is created with the original's one
   * example record; a file that cannot be read or parsed throws ERR_RECORDS_PARSE naming the
   * file and the reason, and is never modified.
   */
  static async open(opts: FileRecordStoreOptions): Promise<FileRecordStore> {
    const store = new FileRecordStore(opts)
    await store.load()
    return store
  }

  /** True when open() found no records file and created it (with the seed records). */
  get createdOnOpen(): boolean {
    return this.created
  }

  get index(): RecordIndex {
    return this.current
  }

  list(): readonly DnsRecord[] {
    return this.current.records
  }

  /**
   * Adds a record (ttl absent/0 -> 3600, added_on now, UUID v4 when no id). A supplied id already
   * in use throws ERR_RECORD_CONFLICT; invalid input throws ERR_RECORD_INVALID. An exact duplicate
   * (name+type+value) is not added: it resolves with the existing record and
   * messages ["record already exists"].
   */
  async add(input: RecordInput): Promise<WriteResult> {
    const v = validate(input)
    return this.write((records) => planAdd(records, v, this.editContext()))
  }

  /**
   * With id: replaces that record's name/type/value (and ttl when given), sets updated_on;
   * ERR_RECORD_NOT_FOUND when no record has the id, ERR_RECORD_CONFLICT when another record
   * already has the new name+type+value. Without id: every record matching name+type+value gets
   * the given ttl and a new updated_on; when none matches the record is added (as add()).
   */
  async update(input: RecordInput): Promise<WriteResult> {
    const v = validate(input)
    return this.write((records) => planUpdate(records, v, this.editContext()))
  }

  /**
   * Removes the record with `id`, or every record with `name` (and `type`, and `value` under the
   * duplicate rule's comparison) when given. ERR_RECORD_NOT_FOUND when nothing matches,
   * ERR_RECORD_INVALID for an empty selector.
   */
  async remove(selector: RecordSelector): Promise<WriteResult> {
    const match = selectorMatcher(selector)
    return this.write((records) => planRemove(records, match, JSON.stringify(selector)))
  }

  /**
   * Writes every acknowledged change still only in the journal to the records file now (the
   * POST /api/v1/records/flush, stop). `flushed` is false when the file already held them.
   * Throws ERR_RECORDS_WRITE / ERR_READ_ONLY_SOURCE when the file cannot be written. `background`
   * (timer, stop): skipped while the file holds an edit that failed to parse.
   */
  flush(opts: { background?: boolean } = {}): Promise<FlushResult> {
    return this.enqueueDrained(async () => {
      if (this.flushTimer) clearTimeout(this.flushTimer)
      this.flushTimer = undefined
      if (!this.journal || !this.dirty) return { flushed: false, records: this.current.records.length }
      // The timer and stop never replace an edit that failed to parse (the journal keeps the changes); a write or a requested flush does, as before.
      if (opts.background && this.badHash !== undefined) {
        this.log.warn({ path: this.path }, 'records file holds a rejected edit; not rewritten in the background (the journal keeps every acknowledged change)')
        return { flushed: false, records: this.current.records.length }
      }
      await this.persist(this.current.records)
      return { flushed: true, records: this.current.records.length }
    })
  }

  /** `records_flush_delay_ms` in force (0 = write-through). */
  get flushDelayMs(): number {
    return this.opts.flushDelayMs ?? 0
  }

  /**
   * Replaces the whole set (cluster apply, import). Each record keeps its id, times, mac and
   * cache_record as given; only the name is canonicalised and the type upper-cased.
   */
  async replaceAll(records: readonly DnsRecord[], source: ChangeSource): Promise<void> {
    const next = normalizeIncoming(records)
    return this.enqueueDrained(async () => {
      await this.commit(next, { source, kind: 'replace', records: next })
    })
  }

  /** See RecordStore.replaceWith; the result is normalised as in replaceAll. */
  replaceWith(compute: RecordSetTransform, source: ChangeSource): Promise<boolean> {
    return this.enqueueDrained(async () => {
      const out = await compute(this.current.records)
      if (out === undefined) return false
      const next = normalizeIncoming(out)
      await this.commit(next, { source, kind: 'replace', records: next })
      return true
    })
  }

  /** Re-reads the file (source 'reload'); a read/parse error keeps the old records and throws ERR_RECORDS_PARSE. */
  reload(): Promise<number> {
    return this.enqueueDrained(async () => {
      let buf: Buffer
      try {
        buf = await this.readFile()
      } catch (err) {
        if (!isMissing(err)) throw err
        // A lost file is not an empty one: keep serving and write it back, as the watcher does.
        if (!(await this.restoreMissingFile())) {
          throw new DnsplaneError('ERR_RECORDS_WRITE', `${this.path}: file does not exist and cannot be written back`, { cause: err })
        }
        return this.current.records.length
      }
      const records = this.parse(buf)
      const hash = sha256(buf)
      const merged = this.mergeFileEdit(records)
      if (hash !== this.lastHash && (await this.holdIfMassDelete(records, merged, 'reload'))) {
        throw new DnsplaneError('ERR_MASS_DELETE_HELD', heldMassDeleteMessage(this.guard.require().info))
      }
      if (hash !== this.lastHash) this.guard.drop('a reload applied a newer records file')
      await this.adoptFile(hash, records, merged, 'reload')
      return merged.length
    })
  }

  /**
   * record_lww start-up, when the file differs from the replica: `known` is the replica's view (what
   * the node served before it stopped). A file created at open, or holding only seed content, beside
   * a non-empty `known` was lost, not emptied by an operator: it is rebuilt from `known`. A file that
   * would delete more of `known` than the guard allows is held back and `known` served. Otherwise the
   * file's set stands ('accepted') and the caller versions it as local writes.
   */
  reconcileAtStart(known: readonly DnsRecord[]): Promise<StartReconcile> {
    return this.enqueueDrained(async () => {
      const served = this.current.records
      if (known.length > 0 && (this.created || isSeedContent(served))) {
        const next = normalizeIncoming(known)
        await this.commit(next, { source: 'replica', kind: 'replace', records: next })
        this.log.warn(
          { path: this.path, records: next.length, replaced: served.length },
          this.created
            ? 'records file was missing at start; rebuilt from the cluster replica (a lost file is never read as a delete)'
            : 'records file holds only the default content at start; rebuilt from the cluster replica (delete records with the API or TUI)',
        )
        return 'rebuilt'
      }
      const deleted = this.guard.deletedBy(known, served)
      if (!deleted) return 'accepted'
      const next = normalizeIncoming(known)
      await this.commit(next, { source: 'replica', kind: 'replace', records: next })
      this.guard.hold('startup', this.current.records, served, deleted)
      return 'held'
    })
  }

  /** The change held back by the mass-delete guard, if any. */
  heldMassDelete(): MassDeleteInfo | undefined {
    return this.guard.info
  }

  /**
   * Applies the held-back change to what is served now (writes since the hold are kept, see
   * applyHeldChange) as the event that produced it would have. ERR_NOT_FOUND when nothing is held.
   */
  confirmMassDelete(): Promise<MassDeleteResult> {
    return this.enqueueDrained(async () => {
      const held = this.guard.require()
      const before = this.current.records
      const next = normalizeIncoming(applyHeldChange(held, before))
      const removed = deletedRecords(before, next).length
      await this.commit(next, { source: held.info.source === 'reload' ? 'reload' : 'file', kind: 'replace', records: next })
      this.guard.clear()
      this.log.warn({ path: this.path, removed, records: next.length, source: held.info.source }, 'held-back mass delete confirmed and applied')
      return { removed, records: next.length }
    })
  }

  /** Forgets the held-back change and writes the file from the records served. ERR_NOT_FOUND when nothing is held. */
  discardMassDelete(): Promise<MassDeleteResult> {
    return this.enqueueDrained(async () => {
      const held = this.guard.require()
      await this.persist(this.current.records)
      this.guard.clear()
      this.log.info({ path: this.path, would_have_removed: held.info.removed }, 'held-back mass delete discarded')
      return { removed: 0, records: this.current.records.length }
    })
  }

  /** Writes the current set as is; no change event. */
  save(): Promise<void> {
    return this.enqueueDrained(async () => {
      await this.persist(this.current.records)
    })
  }

  onChange(listener: (change: RecordChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Starts watching the file (unless `watch: false`); resolves once the watcher is ready. */
  async start(): Promise<void> {
    if (this.opts.watch === false || this.watcher) return
    const file = this.path
    const dir = dirname(file)
    // Watch the directory, not the file: editors and our own writes replace the inode by rename.
    const watcher = watch(dir, {
      ignoreInitial: true,
      depth: 0,
      ignored: (p: string) => p !== dir && p !== file,
    })
    this.watcher = watcher
    const onEvent = (p: string): void => {
      if (p === file) this.scheduleCheck()
    }
    watcher.on('add', onEvent).on('change', onEvent).on('unlink', onEvent)
    watcher.on('error', (err) => this.log.error({ err, path: file }, 'records file watch error'))
    await new Promise<void>((res) => watcher.once('ready', () => res()))
  }

  /** Stops watching and waits for queued writes to finish. */
  /**
   * Stops watching, waits for queued writes, writes unflushed journaled changes to the file
   * (unless `flush: false`, which leaves them to the next start's replay, as a crash would) and
   * closes the journal. A failed final flush is logged: the journal keeps the changes.
   */
  async stop(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = undefined
    const w = this.watcher
    this.watcher = undefined
    if (w) await w.close()
    await this.queue
    if (this.journal && opts.flush !== false) {
      await this.flush({ background: true }).catch((err: unknown) =>
        this.log.error({ err, path: this.path }, 'records flush at stop failed; the journal keeps every acknowledged change'),
      )
    }
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    await this.drain()
    const journal = this.journal
    this.journal = undefined
    await journal?.close()
  }

  // --- internals ---

  /**
   * In the write queue: when `proposed` (a file edit or reload) would delete too much of what is
   * served, keeps serving, rewrites the file from memory (it always mirrors what is served) and
   * holds the change for confirmMassDelete/discardMassDelete. True when held.
   */
  private async holdIfMassDelete(proposed: readonly DnsRecord[], merged: readonly DnsRecord[], source: MassDeleteSource): Promise<boolean> {
    const deleted = this.guard.deletedBy(this.current.records, merged)
    if (!deleted) return false
    const base = this.flushed
    try {
      await this.persist(this.current.records)
    } finally {
      // Held even when the rewrite failed: memory still serves the old set either way.
      this.guard.hold(source, base, proposed, deleted)
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
    if (this.current.records === base) return proposed
    return normalizeIncoming(applyHeldChange({ base, proposed }, this.current.records))
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
      this.swap(merged, change)
      if (this.journal) await this.resetJournal(hash)
      return
    }
    try {
      await this.persist(merged)
      this.swap(merged, change)
    } catch (err) {
      // Served anyway; the journal still holds the unflushed changes and a restart re-bases them on the edited file.
      this.swap(merged, change)
      this.markDirty()
      this.log.error({ err, path: this.path }, 'records file edit merged with unflushed changes but the file could not be rewritten')
    }
  }

  /** Starts a fresh journal over the file bytes hashing to `hash`; a failure leaves it failed (the next write rewrites the file). */
  private async resetJournal(hash: string): Promise<void> {
    try {
      await this.journal?.reset(hash)
    } catch (err) {
      this.log.error({ err, path: this.path }, 'records journal could not be reset; the next write rewrites the records file')
    }
  }

  /**
   * The file vanished while running: keep serving memory and write it back (a lost file is never a
   * delete). False when it could not be written (logged once).
   */
  private async restoreMissingFile(): Promise<boolean> {
    try {
      await mkdir(dirname(this.path), { recursive: true })
      // Re-created in the meantime (an editor's delete-then-write): its own event follows.
      if (await fileExists(this.path)) return true
      await this.persist(this.current.records)
      this.missingLogged = false
      this.log.warn({ path: this.path, count: this.current.records.length }, 'records file deleted; rewritten from the records in memory')
      return true
    } catch (err) {
      if (!this.missingLogged) this.log.error({ path: this.path, err }, 'records file deleted and cannot be rewritten; keeping current records')
      this.missingLogged = true
      return false
    }
  }

  private async load(): Promise<void> {
    let buf: Buffer
    try {
      buf = await this.readFile()
    } catch (err) {
      if (!isMissing(err)) throw err
      await mkdir(dirname(this.path), { recursive: true })
      const records = (this.opts.seedRecords ?? DEFAULT_RECORDS).map((r) => ({ ...r }))
      await this.persist(records)
      this.created = true
      this.log.info({ path: this.path, count: records.length }, 'records file created')
      await this.recoverJournal(records)
      return
    }
    const records = this.parse(buf)
    this.lastHash = sha256(buf)
    this.flushed = records
    this.log.info({ path: this.path, count: records.length }, 'records loaded')
    const readOnly = await readOnlyReason(this.path)
    if (readOnly) this.log.warn({ path: this.path }, `records file: ${readOnly}; record changes (API, TUI, cluster) are refused until it is writable`)
    await this.recoverJournal(records)
  }

  /**
   * Start-up: replays the journal (cutting a torn tail) over the loaded file and rewrites the file
   * when it replayed anything. Without a flush delay the journal is then removed (write-through).
   */
  private async recoverJournal(fileRecords: DnsRecord[]): Promise<void> {
    const journalPath = this.opts.journalPath ?? journalPathFor(this.path)
    const exists = await fileExists(journalPath)
    if (this.flushDelayMs === 0 && !exists) {
      this.swap(fileRecords, undefined)
      return
    }
    let opened
    try {
      opened = await RecordsJournal.open(
        { recordsPath: this.path, journalPath, log: this.log, openFile: this.opts.openJournal, writeSnapshot: this.opts.writeSnapshot },
        fileRecords,
        this.lastHash as string,
      )
    } catch (err) {
      // No journal to replay and none can be made (a read-only directory): run write-through, as before the journal.
      if (exists) throw err
      this.log.error({ err, path: journalPath }, 'records journal cannot be created; dnsrecords.json is rewritten on every change')
      this.swap(fileRecords, undefined)
      return
    }
    const { journal, recovery } = opened
    this.journal = journal
    const served = recovery.needsFlush ? recovery.records : fileRecords
    this.swap(served, undefined)
    if (recovery.needsFlush) {
      try {
        await this.persist(served)
      } catch (err) {
        this.dirty = true
        this.log.error({ err, path: this.path }, 'records file could not be rewritten after the journal replay; the journal keeps the changes')
      }
    }
    if (this.flushDelayMs > 0) return
    this.journal = undefined
    if (this.dirty) await journal.close()
    else await journal.remove()
  }

  private readFile(): Promise<Buffer> {
    return readRecordsFileBytes(this.path)
  }

  private parse(buf: Buffer): DnsRecord[] {
    return parseRecordsAt(this.path, buf)
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  /** Queues `fn` to run once every journaled write before it is acknowledged or refused (so head = current). */
  private enqueueDrained<T>(fn: () => Promise<T>): Promise<T> {
    return this.enqueue(async () => {
      await this.drain()
      return fn()
    })
  }

  private async drain(): Promise<void> {
    await this.inflight
  }

  /**
   * Runs a local add/update/remove: `plan` computes it in the queue from the newest records (head).
   * Journal mode: appended to the journal and the queue moves on; the caller is answered, the index
   * swapped and the listeners told once its fsync completed (group commit). Write-through (no
   * delay, a missing file, a failed journal): the file is rewritten first, as before the journal.
   */
  private async write(plan: (records: readonly DnsRecord[]) => LocalPlan): Promise<WriteResult> {
    const { durable, result } = await this.enqueue(async () => {
      const through = !this.journal || (await this.isWriteThrough())
      if (through) await this.drain()
      const p = plan(this.head.records)
      if (!p.next) return { durable: undefined, result: p.result }
      if (through) {
        await this.commit(p.next, p.change)
        return { durable: undefined, result: p.result }
      }
      return { durable: this.append(p.next, p.change, p.entry), result: p.result }
    })
    await durable
    return result
  }

  /**
   * Journal mode, before a local write: refuses it when the file could not take it (read-only, not
   * a regular file) as write-through would, and says to write through when the file is missing (a
   * lost file is written back at once) or the journal failed (the rewrite resets it).
   */
  private async isWriteThrough(): Promise<boolean> {
    try {
      if ((await checkReplaceable(this.path)) === 'missing') return true
    } catch (err) {
      if (isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE')) this.log.warn({ path: this.path }, `records change refused: ${err.message}`)
      throw err
    }
    return this.journal?.isFailed === true
  }

  /** Journals `entry`; head moves now, current and the listeners once it is durable. */
  private append(next: DnsRecord[], change: Omit<RecordChange, 'index'>, entry: JournalEntry): Promise<void> {
    // Only the records this change made are new objects; the rest were frozen when first served.
    const index = this.build(next, change.kind === 'remove' ? [] : change.records, change.kind === 'add')
    const durable = (this.journal as RecordsJournal).append(entry).then(
      () => {
        this.publish(index, change)
        this.markDirty()
      },
      (err: unknown) => {
        // Refused, not acknowledged: later writes built on it are refused by the journal too.
        this.head = this.current
        throw err
      },
    )
    this.inflight = durable.catch(() => undefined)
    return durable
  }

  /** Schedules the background rewrite at most flushDelayMs after the first unflushed change. */
  private markDirty(): void {
    this.dirty = true
    if (this.flushTimer || !this.journal) return
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined
      this.flush({ background: true }).catch((err: unknown) => this.log.error({ err, path: this.path }, 'records file flush failed; the journal keeps every acknowledged change'))
    }, this.flushDelayMs)
    this.flushTimer.unref()
  }

  /**
   * Rewrites the file from `records` (journal: by the flush protocol, see records-journal.ts).
   * Callers in the queue drain journaled writes first, so `records` is what is (about to be) served.
   */
  private async persist(records: readonly DnsRecord[]): Promise<void> {
    const text = serializeRecordsFile(records, this.opts.prettyJson)
    try {
      if (this.journal) await this.journal.flush(text)
      else await (this.opts.writeSnapshot ?? writeFileAtomic)(this.path, text)
    } catch (err) {
      // Refused, not acknowledged: the change stays out of memory and the caller sees the error.
      if (isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE')) this.log.warn({ path: this.path }, `records change refused: ${err.message}`)
      throw err
    }
    this.lastHash = sha256(text)
    this.badHash = undefined
    this.flushed = records
    this.dirty = false
  }

  /** Persist first; only a successful write changes memory and emits. */
  private async commit(records: DnsRecord[], change: Omit<RecordChange, 'index'>): Promise<void> {
    await this.persist(records)
    this.swap(records, change)
  }

  /** Serves `records` now (callers drained journaled writes) and emits `change`. */
  private swap(records: DnsRecord[], change: Omit<RecordChange, 'index'> | undefined): void {
    this.publish(this.build(records), change)
  }

  /** Indexes `records` as the newest state; `fresh` (default all) are the records not frozen yet. */
  private build(records: DnsRecord[], fresh: readonly DnsRecord[] = records, appended = false): RecordIndex {
    for (const r of fresh) Object.freeze(r)
    Object.freeze(records)
    const generation = this.head.generation + 1
    this.head = appended ? this.head.withAppended(records, generation) : RecordIndex.build(records, generation)
    return this.head
  }

  /** Swaps in `index` and tells the listeners (cluster, DNS) in change order. */
  private publish(index: RecordIndex, change: Omit<RecordChange, 'index'> | undefined): void {
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

  /** What the local edit rules read: the newest index (writes in flight included), ids, the clock. */
  private editContext(): EditContext {
    return { index: this.head, newRecord: (v) => this.newRecord(v), stamp: formatGoTime(this.now()) }
  }

  private newRecord(v: ValidRecordInput): DnsRecord {
    return {
      id: v.id ?? this.newId(),
      name: v.name,
      type: v.type,
      value: v.value,
      ttl: v.ttl || DEFAULT_RECORD_TTL,
      added_on: formatGoTime(this.now()),
      updated_on: GO_ZERO_TIME,
      last_query: GO_ZERO_TIME,
    }
  }

  private scheduleCheck(): void {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = setTimeout(() => {
      this.debounce = undefined
      this.enqueueDrained(() => this.checkExternalEdit()).catch((err) =>
        this.log.error({ err, path: this.path }, 'records file reload failed'),
      )
    }, this.opts.watchDebounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS)
  }

  /** Applies an external edit; logs each distinct problem once and keeps the old records. */
  private async checkExternalEdit(): Promise<void> {
    if (!this.watcher) return
    let buf: Buffer
    try {
      buf = await this.readFile()
    } catch (err) {
      if (isMissing(err)) {
        await this.restoreMissingFile()
        return
      }
      if (!this.missingLogged) {
        this.missingLogged = true
        this.log.error({ path: this.path, err }, 'records file unreadable; keeping current records')
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
      this.log.error({ path: this.path, reason: (err as Error).message }, 'records file edit rejected; keeping current records')
      return
    }
    const merged = this.mergeFileEdit(records)
    if (await this.holdIfMassDelete(records, merged, 'file')) return
    this.guard.drop('a newer edit of the records file was applied')
    await this.adoptFile(hash, records, merged, 'file')
    this.log.info({ path: this.path, count: merged.length }, 'records reloaded from file')
  }
}
