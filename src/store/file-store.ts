/**
 * RecordStore backed by dnsrecords.json: writes through one queue, an immutable RecordIndex
 * swapped in after each acknowledged write, and an optional directory watch that picks up external
 * edits (bad edits keep the old records serving). With `flushDelayMs` > 0 a local add/update/remove
 * is acknowledged once appended to the journal (journal/, group commit) and the file is rewritten
 * from memory in the background within that delay; with 0 every write rewrites the file.
 * The write queue is store-writes.ts, the flush store-flush.ts, the record_lww plumbing store-versions.ts; docs/storage.md
 * describes the guarantees.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Logger } from 'pino'
import { isDnsplaneError } from '../errors.js'
import { readOnlyReason, type FileStamp } from './atomic-write.js'
import { FileEdits } from './file-edits.js'
import type { FileRecordStoreOptions, FlushResult } from './file-store-options.js'
import type { SnapshotGuard } from './journal/records-journal.js'
import { StoreJournal, type RecoverSteps } from './journal/store-journal.js'
import type { RecordIndex } from './record-index.js'
import type {
  BulkCompute,
  ChangeSource,
  FlushState,
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
import type { MassDeleteInfo } from './mass-delete.js'
import { MassDeleteHold } from './mass-delete-hold.js'
import { DEFAULT_MASS_DELETE_GUARD_PERCENT } from './mass-delete.js'
import { isOversizedBatch } from './bulk-plan.js'
import { planAdd, planRemove, planUpdate, type EditContext, type LocalPlan } from './local-edits.js'
import { formatGoTime, GO_ZERO_TIME, type DnsRecord } from './record.js'
import { DEFAULT_RECORDS, recordsFileChunks } from './records-file.js'
import { ServedIndex } from './served-index.js'
import { isMissing, normalizeIncoming, parseRecordsDocumentAt, selectorMatcher, sha256, validate } from './store-helpers.js'
import { VERSIONS_KEY, type DeltaCompute, type LoadedVersions, type RecordVersioner } from './record-versions.js'
import { StoreVersions } from './store-versions.js'
import { StoreFlush } from './store-flush.js'
import { StoreWrites } from './store-writes.js'

export { DEFAULT_WATCH_DEBOUNCE_MS } from './file-edits.js'
export type { FileRecordStoreOptions, FlushResult } from './file-store-options.js'

/** TTL given to records added without one (or with 0) through the API/TUI, as the original. */
export const DEFAULT_RECORD_TTL = 3600

/** The dnsrecords.json-backed RecordStore. Construct with `FileRecordStore.open(opts)`. */
export class FileRecordStore implements RecordStore {
  /** The index served, the head (with writes in flight) and the change listeners. */
  private readonly served: ServedIndex
  /** The journal, the dirty flag and the background flush timer. */
  private readonly journal: StoreJournal
  /** The file as edited from outside: watch, parse, merge, restore. */
  private readonly file: FileEdits
  /** The write queue, journaled writes in flight, write-through (store-writes.ts). */
  private readonly writes: StoreWrites
  private readonly path: string
  private readonly log: Logger
  private readonly newId: () => string
  private readonly now: () => Date
  /** A file edit/reload/start-up change held back by the mass-delete guard. */
  private readonly guard: MassDeleteHold
  /** True when open() found no file and created it. */
  private created = false
  /** record_lww: versions in the journal and the snapshot once a versioner is attached (store-versions.ts). */
  private readonly versions: StoreVersions
  /** flush(): the generation taken in the queue, the snapshot written behind it (store-flush.ts). */
  private readonly flusher: StoreFlush

  constructor(private readonly opts: FileRecordStoreOptions) {
    this.path = resolve(opts.path)
    this.log = opts.log
    this.newId = opts.newId ?? randomUUID
    this.now = opts.now ?? (() => new Date())
    this.served = new ServedIndex(this.log)
    this.guard = new MassDeleteHold({ path: this.path, log: this.log, now: this.now, percent: opts.massDeleteGuardPercent })
    this.versions = new StoreVersions((deleted, total) => this.guard.deletedCount(deleted, total))
    this.journal = new StoreJournal({
      path: this.path,
      journalPath: opts.journalPath,
      log: this.log,
      flushDelayMs: opts.flushDelayMs ?? 0,
      openJournal: opts.openJournal,
      writeSnapshot: opts.writeSnapshot,
      checkFile: opts.checkFile,
      nowMs: opts.flushClockMs,
      onFlushDue: () => {
        this.flush({ background: true }).catch((err: unknown) => this.log.error({ err, path: this.path }, 'records file flush failed; the journal keeps every acknowledged change'))
      },
    })
    this.flusher = new StoreFlush({
      path: this.path,
      log: this.log,
      journal: this.journal,
      file: () => this.file,
      records: () => this.served.current.records,
      enqueueDrained: (fn) => this.enqueueDrained(fn),
      persist: (records, guard) => this.persist(records, guard),
      chunks: (records) => this.snapshotChunks(records),
    })
    this.writes = new StoreWrites({ served: this.served, journal: this.journal, versions: this.versions, persist: (records) => this.persist(records) })
    this.file = new FileEdits(
      {
        served: () => this.served.current.records,
        persist: (records) => this.persist(records),
        commit: (records, change) => this.commit(records, change),
        swap: (records, change) => this.served.swap(records, change),
        markDirty: () => this.journal.markDirty(),
        isJournaled: () => this.journal.active,
        resetJournal: (hash) => this.journal.reset(hash),
        enqueueDrained: (fn) => this.enqueueDrained(fn),
      },
      { path: this.path, log: this.log, guard: this.guard, watchDebounceMs: opts.watchDebounceMs },
    )
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
    return this.served.current
  }

  list(): readonly DnsRecord[] {
    return this.served.current.records
  }

  /**
   * Adds a record (ttl absent/0 -> 3600, added_on now, UUID v4 when no id). A supplied id already
   * in use throws ERR_RECORD_CONFLICT; invalid input throws ERR_RECORD_INVALID. An exact duplicate
   * (name+type+value) is not added: it resolves with the existing record and
   * messages ["record already exists"].
   */
  async add(input: RecordInput): Promise<WriteResult> {
    const v = validate(input)
    return this.write((index) => planAdd(v, this.editContext(index)))
  }

  /**
   * With id: replaces that record's name/type/value (and ttl when given), sets updated_on;
   * ERR_RECORD_NOT_FOUND when no record has the id, ERR_RECORD_CONFLICT when another record
   * already has the new name+type+value. Without id: every record matching name+type+value gets
   * the given ttl and a new updated_on; when none matches the record is added (as add()).
   */
  async update(input: RecordInput): Promise<WriteResult> {
    const v = validate(input)
    return this.write((index) => planUpdate(v, this.editContext(index)))
  }

  /**
   * Removes the record with `id`, or every record with `name` (and `type`, and `value` under the
   * duplicate rule's comparison) when given. ERR_RECORD_NOT_FOUND when nothing matches,
   * ERR_RECORD_INVALID for an empty selector.
   */
  async remove(selector: RecordSelector): Promise<WriteResult> {
    const match = selectorMatcher(selector)
    return this.write((index) => planRemove(index, selector, match, JSON.stringify(selector)))
  }

  /**
   * Writes every acknowledged change still only in the journal to the records file now (the
   * POST /api/v1/records/flush, stop). `flushed` is false when the file already held them.
   * Throws ERR_RECORDS_WRITE / ERR_READ_ONLY_SOURCE when the file cannot be written. `background`
   * (timer, stop): skipped while the file holds an edit that failed to parse.
   */
  flush(opts: { background?: boolean } = {}): Promise<FlushResult> {
    return this.flusher.flush(opts.background === true)
  }

  /** See RecordStore.bulkWrite: the batch goes through the same write path (journal or file) as add/update/remove. */
  bulkWrite(compute: BulkCompute): Promise<WriteResult> {
    const guardPercent = this.opts.massDeleteGuardPercent?.() ?? DEFAULT_MASS_DELETE_GUARD_PERCENT
    // A batch too large for one journal frame is written through (one atomic file write: all or nothing too).
    return this.write((index) => compute(index.records, { ...this.editContext(index), guardPercent }), isOversizedBatch)
  }

  /** The delay (ms) the pending background flush was scheduled with; undefined when none is pending. */
  get pendingFlushDelayMs(): number | undefined {
    return this.journal.scheduledDelayMs
  }

  flushState(): FlushState {
    return this.journal.state()
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
      const out = await compute(this.served.current.records)
      if (out === undefined) return false
      const next = normalizeIncoming(out)
      await this.commit(next, { source, kind: 'replace', records: next })
      return true
    })
  }

  /** See RecordStore.applyDelta: planned once the journaled writes before it settled; journaled like a local write. */
  applyDelta(compute: DeltaCompute, source: ChangeSource): Promise<boolean> {
    return this.writes.applyDelta(compute, source)
  }

  /** Re-reads the file (source 'reload'); a read/parse error keeps the old records and throws ERR_RECORDS_PARSE. */
  reload(): Promise<number> {
    return this.enqueueDrained(() => this.file.reload())
  }

  /**
   * record_lww start-up, when the file differs from the replica: `known` is the replica's view (what
   * the node served before it stopped). A file created at open, or holding only seed content, beside
   * a non-empty `known` was lost, not emptied by an operator: it is rebuilt from `known`. A file that
   * would delete more of `known` than the guard allows is held back and `known` served. Otherwise the
   * file's set stands ('accepted') and the caller versions it as local writes.
   */
  reconcileAtStart(known: readonly DnsRecord[]): Promise<StartReconcile> {
    return this.enqueueDrained(() => this.file.reconcileAtStart(known, this.created))
  }

  /** What start-up found for a versioner: the file's versions section and the replayed journal payloads. */
  loadedVersions(): LoadedVersions | undefined {
    return this.versions.found(this.served.current.records)
  }

  /**
   * From now on local writes are versioned by `v` in the write queue and journaled with their
   * versions, and every snapshot of dnsrecords.json carries `v.section`. Undefined detaches.
   */
  attachVersioner(v: RecordVersioner | undefined): void {
    this.versions.attach(v)
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
    return this.enqueueDrained(() => this.file.confirmHeld())
  }

  /** Forgets the held-back change and writes the file from the records served. ERR_NOT_FOUND when nothing is held. */
  discardMassDelete(): Promise<MassDeleteResult> {
    return this.enqueueDrained(() => this.file.discardHeld())
  }

  /** See RecordStore.saveSoon. */
  saveSoon(): boolean {
    if (!this.journal.active) return false
    this.journal.markDirty()
    return true
  }

  /** Writes the current set as is; no change event. */
  save(): Promise<void> {
    return this.enqueueDrained(async () => {
      await this.persist(this.served.current.records)
    })
  }

  onChange(listener: (change: RecordChange) => void): () => void {
    return this.served.onChange(listener)
  }

  /** Starts watching the file (unless `watch: false`); resolves once the watcher is ready. */
  async start(): Promise<void> {
    if (this.opts.watch === false) return
    await this.file.start()
  }

  /**
   * Stops watching, waits for queued writes, writes unflushed journaled changes to the file
   * (unless `flush: false`, which leaves them to the next start's replay, as a crash would) and
   * closes the journal. A failed final flush is logged: the journal keeps the changes.
   */
  async stop(opts: { flush?: boolean } = {}): Promise<void> {
    await this.file.stop()
    await this.writes.settled()
    if (this.journal.active && opts.flush !== false) {
      await this.flush({ background: true }).catch((err: unknown) =>
        this.log.error({ err, path: this.path }, 'records flush at stop failed; the journal keeps every acknowledged change'),
      )
    }
    this.journal.cancelFlush()
    await this.writes.drain()
    await this.flusher.idle()
    await this.journal.close()
  }

  // --- internals ---

  private async load(): Promise<void> {
    let buf: Buffer
    try {
      buf = await this.file.readFile()
    } catch (err) {
      if (!isMissing(err)) throw err
      await mkdir(dirname(this.path), { recursive: true })
      const records = (this.opts.seedRecords ?? DEFAULT_RECORDS).map((r) => ({ ...r }))
      await this.persist(records)
      this.created = true
      this.versions.load(undefined, true)
      this.log.info({ path: this.path, count: records.length }, 'records file created')
      await this.journal.recover(records, this.file.fileHash as string, this.recoverSteps())
      return
    }
    const { records, extra } = parseRecordsDocumentAt(this.path, buf, VERSIONS_KEY)
    this.versions.load(extra, false)
    this.file.noteWritten(sha256(buf), records)
    this.log.info({ path: this.path, count: records.length }, 'records loaded')
    const readOnly = await readOnlyReason(this.path)
    if (readOnly) this.log.warn({ path: this.path }, `records file: ${readOnly}; record changes (API, TUI, cluster) are refused until it is writable`)
    await this.journal.recover(records, this.file.fileHash as string, this.recoverSteps())
  }

  /** What journal recovery calls back: serve without an event, rewrite the file. */
  private recoverSteps(): RecoverSteps {
    return {
      serve: (records, versions) => {
        this.versions.replayed(versions)
        this.served.swap(records, undefined)
      },
      persist: (records) => this.persist(records),
    }
  }

  /**
   * Rewrites the file from `records` (journal: by the flush protocol, see records-journal.ts).
   * Callers in the queue drain journaled writes first, so `records` is what is (about to be) served.
   */
  private async persist(records: readonly DnsRecord[], guard: SnapshotGuard = {}): Promise<void> {
    // A snapshot being written behind the queue goes first: one writer of the file and the journal at a time.
    await this.flusher.behind
    let hash: string
    let written: FileStamp | null = null
    try {
      hash = await this.journal.write(this.snapshotChunks(records), undefined, { ...guard, onWritten: (s) => (written = s) })
    } catch (err) {
      // Refused, not acknowledged: the change stays out of memory and the caller sees the error.
      if (isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE')) this.log.warn({ path: this.path }, `records change refused: ${err.message}`)
      throw err
    }
    this.file.noteWritten(hash, records, written)
    this.journal.dirty = false
  }

  /** The text of dnsrecords.json holding `records` (and, record_lww, their versions as of now), in slices. */
  private snapshotChunks(records: readonly DnsRecord[]): Iterable<string> {
    return recordsFileChunks(records, this.opts.prettyJson, { key: VERSIONS_KEY, value: this.versions.section(records) })
  }

  /**
   * Queues `fn` after the journaled writes before it, and after a snapshot being written behind the
   * queue (a file event may be its rename; a reload or a rewrite must not race it). Local writes and
   * merges from peers do not wait for that snapshot.
   */
  private enqueueDrained<T>(fn: () => Promise<T>): Promise<T> {
    return this.writes.enqueueDrained(async () => {
      await this.flusher.behind
      return fn()
    })
  }

  private write(plan: (index: RecordIndex) => LocalPlan, writeThrough?: (p: LocalPlan) => boolean): Promise<WriteResult> {
    return this.writes.write(plan, writeThrough)
  }

  private commit(records: DnsRecord[], change: Omit<RecordChange, 'index'>): Promise<void> {
    return this.writes.commit(records, change)
  }

  /** What the local edit rules read: the newest index (writes in flight included), ids, the clock. */
  private editContext(index: RecordIndex): EditContext {
    return { index, newRecord: (v) => this.newRecord(v), stamp: formatGoTime(this.now()) }
  }

  /** A new record for a valid input (UUID v4 unless given, ttl 0 -> 3600, added_on now), as add() stores it. */
  newRecord(v: ValidRecordInput): DnsRecord {
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
}
