/**
 * RecordStore backed by dnsrecords.json: atomic writes through one queue, an immutable
 * RecordIndex swapped in after each successful write, and an optional chokidar watch that
 * picks up external edits (bad edits keep the old records serving).
 */
import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Logger } from 'pino'
import { DnsplaneError, isDnsplaneError } from '../errors.js'
import { readOnlyReason, writeFileAtomic } from './atomic-write.js'
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
import { checkRecordInput, type ValidRecordInput } from './record-validate.js'
import {
  applyHeldChange,
  DEFAULT_MASS_DELETE_GUARD_PERCENT,
  deletedRecords,
  describeMassDelete,
  heldMassDeleteMessage,
  isMassDelete,
  isSeedContent,
  type HeldMassDelete,
  type MassDeleteInfo,
  type MassDeleteSource,
} from './mass-delete.js'
import { assertRrsetFits } from './rrset-size.js'
import { canonicalName, formatGoTime, GO_ZERO_TIME, nameKey, valueKey, type DnsRecord } from './record.js'
import {
  DEFAULT_RECORDS,
  MAX_RECORDS,
  MAX_RECORDS_FILE_BYTES,
  parseRecordsFile,
  serializeRecordsFile,
} from './records-file.js'

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
}

const DUPLICATE_MESSAGE = 'record already exists'

/** The dnsrecords.json-backed RecordStore. Construct with `FileRecordStore.open(opts)`. */
export class FileRecordStore implements RecordStore {
  private current: RecordIndex = RecordIndex.build([], 0)
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
  /** A file edit/reload/start-up change held back by the mass-delete guard (mass-delete.ts). */
  private held: HeldMassDelete | undefined
  /** True when open() found no file and created it. */
  private created = false
  private watcher: FSWatcher | undefined
  private debounce: NodeJS.Timeout | undefined

  constructor(private readonly opts: FileRecordStoreOptions) {
    this.path = resolve(opts.path)
    this.log = opts.log
    this.newId = opts.newId ?? randomUUID
    this.now = opts.now ?? (() => new Date())
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
    return this.enqueue(async () => {
      const records = this.current.records
      if (v.id !== undefined && records.some((r) => r.id === v.id)) {
        throw new DnsplaneError('ERR_RECORD_CONFLICT', `a record with id ${v.id} already exists`)
      }
      const existing = this.findSame(v)
      if (existing.length > 0) return { records: [existing[0]], messages: [DUPLICATE_MESSAGE] }
      const rec = this.newRecord(v)
      assertRrsetFits([...records, rec], rec)
      await this.commit([...records, rec], { source: 'local', kind: 'add', records: [rec] })
      return { records: [rec], messages: [] }
    })
  }

  /**
   * With id: replaces that record's name/type/value (and ttl when given), sets updated_on;
   * ERR_RECORD_NOT_FOUND when no record has the id, ERR_RECORD_CONFLICT when another record
   * already has the new name+type+value. Without id: every record matching name+type+value gets
   * the given ttl and a new updated_on; when none matches the record is added (as add()).
   */
  async update(input: RecordInput): Promise<WriteResult> {
    const v = validate(input)
    return this.enqueue(async () => {
      const records = this.current.records
      const stamp = formatGoTime(this.now())
      if (v.id !== undefined) {
        const at = records.findIndex((r) => r.id === v.id)
        if (at < 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record with id ${v.id}`)
        const clash = this.findSame(v).find((r) => r !== records[at])
        if (clash) {
          throw new DnsplaneError(
            'ERR_RECORD_CONFLICT',
            `another record already has name ${v.name}, type ${v.type} and value ${v.value}`,
          )
        }
        const old = records[at]
        const rec: DnsRecord = { ...old, name: v.name, type: v.type, value: v.value, ttl: v.ttl ?? old.ttl, updated_on: stamp }
        const next = records.slice()
        next[at] = rec
        assertRrsetFits(next, rec)
        await this.commit(next, { source: 'local', kind: 'update', records: [rec] })
        return { records: [rec], messages: [] }
      }
      const matches = new Set<DnsRecord>(this.findSame(v))
      if (matches.size === 0) {
        const rec = this.newRecord(v)
        assertRrsetFits([...records, rec], rec)
        await this.commit([...records, rec], { source: 'local', kind: 'add', records: [rec] })
        return { records: [rec], messages: ['record did not exist and was added'] }
      }
      const changed: DnsRecord[] = []
      const next = records.map((r) => {
        if (!matches.has(r)) return r
        const rec: DnsRecord = { ...r, ttl: v.ttl ?? r.ttl, updated_on: stamp }
        changed.push(rec)
        return rec
      })
      await this.commit(next, { source: 'local', kind: 'update', records: changed })
      return { records: changed, messages: [] }
    })
  }

  /**
   * Removes the record with `id`, or every record with `name` (and `type`, and `value` under the
   * duplicate rule's comparison) when given. ERR_RECORD_NOT_FOUND when nothing matches,
   * ERR_RECORD_INVALID for an empty selector.
   */
  async remove(selector: RecordSelector): Promise<WriteResult> {
    const match = selectorMatcher(selector)
    return this.enqueue(async () => {
      const removed: DnsRecord[] = []
      const kept: DnsRecord[] = []
      for (const r of this.current.records) (match(r) ? removed : kept).push(r)
      if (removed.length === 0) {
        throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record matches ${JSON.stringify(selector)}`)
      }
      await this.commit(kept, { source: 'local', kind: 'remove', records: removed })
      return { records: removed, messages: [] }
    })
  }

  /**
   * Replaces the whole set (cluster apply, import). Each record keeps its id, times, mac and
   * cache_record as given; only the name is canonicalised and the type upper-cased.
   */
  async replaceAll(records: readonly DnsRecord[], source: ChangeSource): Promise<void> {
    const next = normalizeIncoming(records)
    return this.enqueue(async () => {
      await this.commit(next, { source, kind: 'replace', records: next })
    })
  }

  /** See RecordStore.replaceWith; the result is normalised as in replaceAll. */
  replaceWith(compute: RecordSetTransform, source: ChangeSource): Promise<boolean> {
    return this.enqueue(async () => {
      const out = await compute(this.current.records)
      if (out === undefined) return false
      const next = normalizeIncoming(out)
      await this.commit(next, { source, kind: 'replace', records: next })
      return true
    })
  }

  /** Re-reads the file (source 'reload'); a read/parse error keeps the old records and throws ERR_RECORDS_PARSE. */
  reload(): Promise<number> {
    return this.enqueue(async () => {
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
      if (hash !== this.lastHash && (await this.holdIfMassDelete(records, 'reload'))) {
        throw new DnsplaneError('ERR_MASS_DELETE_HELD', heldMassDeleteMessage((this.held as HeldMassDelete).info))
      }
      if (hash !== this.lastHash) this.dropHeld('a reload applied a newer records file')
      this.lastHash = hash
      this.badHash = undefined
      this.swap(records, { source: 'reload', kind: 'replace', records })
      return records.length
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
    return this.enqueue(async () => {
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
      const deleted = this.massDeleteOf(known, served)
      if (!deleted) return 'accepted'
      const next = normalizeIncoming(known)
      await this.commit(next, { source: 'replica', kind: 'replace', records: next })
      this.hold('startup', this.current.records, served, deleted)
      return 'held'
    })
  }

  /** The change held back by the mass-delete guard, if any. */
  heldMassDelete(): MassDeleteInfo | undefined {
    return this.held?.info
  }

  /**
   * Applies the held-back change to what is served now (writes since the hold are kept, see
   * applyHeldChange) as the event that produced it would have. ERR_NOT_FOUND when nothing is held.
   */
  confirmMassDelete(): Promise<MassDeleteResult> {
    return this.enqueue(async () => {
      const held = this.requireHeld()
      const before = this.current.records
      const next = normalizeIncoming(applyHeldChange(held, before))
      const removed = deletedRecords(before, next).length
      await this.commit(next, { source: held.info.source === 'reload' ? 'reload' : 'file', kind: 'replace', records: next })
      this.held = undefined
      this.log.warn({ path: this.path, removed, records: next.length, source: held.info.source }, 'held-back mass delete confirmed and applied')
      return { removed, records: next.length }
    })
  }

  /** Forgets the held-back change and writes the file from the records served. ERR_NOT_FOUND when nothing is held. */
  discardMassDelete(): Promise<MassDeleteResult> {
    return this.enqueue(async () => {
      const held = this.requireHeld()
      await this.persist(this.current.records)
      this.held = undefined
      this.log.info({ path: this.path, would_have_removed: held.info.removed }, 'held-back mass delete discarded')
      return { removed: 0, records: this.current.records.length }
    })
  }

  /** Writes the current set as is; no change event. */
  save(): Promise<void> {
    return this.enqueue(async () => {
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
  async stop(): Promise<void> {
    if (this.debounce) clearTimeout(this.debounce)
    this.debounce = undefined
    const w = this.watcher
    this.watcher = undefined
    if (w) await w.close()
    await this.queue
  }

  // --- internals ---

  /** The records `proposed` would delete from `base` when the guard holds that back, else undefined. */
  private massDeleteOf(base: readonly DnsRecord[], proposed: readonly DnsRecord[]): DnsRecord[] | undefined {
    const deleted = deletedRecords(base, proposed)
    return isMassDelete(deleted.length, base.length, this.guardPercent()) ? deleted : undefined
  }

  private guardPercent(): number {
    const p = this.opts.massDeleteGuardPercent?.() ?? DEFAULT_MASS_DELETE_GUARD_PERCENT
    return Number.isFinite(p) ? p : DEFAULT_MASS_DELETE_GUARD_PERCENT
  }

  /**
   * In the write queue: when `proposed` (a file edit or reload) would delete too much of what is
   * served, keeps serving, rewrites the file from memory (it always mirrors what is served) and
   * holds the change for confirmMassDelete/discardMassDelete. True when held.
   */
  private async holdIfMassDelete(proposed: readonly DnsRecord[], source: MassDeleteSource): Promise<boolean> {
    const deleted = this.massDeleteOf(this.current.records, proposed)
    if (!deleted) return false
    try {
      await this.persist(this.current.records)
    } finally {
      // Held even when the rewrite failed: memory still serves the old set either way.
      this.hold(source, this.current.records, proposed, deleted)
    }
    return true
  }

  private hold(source: MassDeleteSource, base: readonly DnsRecord[], proposed: readonly DnsRecord[], deleted: readonly DnsRecord[]): void {
    this.held = { info: describeMassDelete(source, base, proposed, deleted, this.guardPercent(), this.now()), base, proposed }
    const { info } = this.held
    this.log.error(
      { path: this.path, source, removed: info.removed, total: info.total, proposed_total: info.proposed_total, removed_sample: info.removed_sample },
      heldMassDeleteMessage(info),
    )
  }

  private dropHeld(why: string): void {
    if (!this.held) return
    this.log.warn({ path: this.path, would_have_removed: this.held.info.removed }, `held-back mass delete dropped: ${why}`)
    this.held = undefined
  }

  private requireHeld(): HeldMassDelete {
    if (!this.held) throw new DnsplaneError('ERR_NOT_FOUND', 'no mass delete is held back')
    return this.held
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
      this.swap(records, undefined)
      this.created = true
      this.log.info({ path: this.path, count: records.length }, 'records file created')
      return
    }
    const records = this.parse(buf)
    this.lastHash = sha256(buf)
    this.swap(records, undefined)
    this.log.info({ path: this.path, count: records.length }, 'records loaded')
    const readOnly = await readOnlyReason(this.path)
    if (readOnly) this.log.warn({ path: this.path }, `records file: ${readOnly}; record changes (API, TUI, cluster) are refused until it is writable`)
  }

  /** Reads the file, refusing one over MAX_RECORDS_FILE_BYTES before reading it. */
  private async readFile(): Promise<Buffer> {
    let fh
    try {
      fh = await open(this.path, 'r')
      const { size } = await fh.stat()
      if (size > MAX_RECORDS_FILE_BYTES) {
        throw new DnsplaneError(
          'ERR_RECORDS_PARSE',
          `${this.path}: file is ${size} bytes, larger than the limit of ${MAX_RECORDS_FILE_BYTES}`,
        )
      }
      return await fh.readFile()
    } catch (err) {
      if (isDnsplaneError(err) || isMissing(err)) throw err
      throw new DnsplaneError('ERR_RECORDS_PARSE', `${this.path}: cannot read: ${(err as Error).message}`, { cause: err })
    } finally {
      await fh?.close()
    }
  }

  private parse(buf: Buffer): DnsRecord[] {
    try {
      return parseRecordsFile(buf)
    } catch (err) {
      throw new DnsplaneError('ERR_RECORDS_PARSE', `${this.path}: ${(err as Error).message}`, { cause: err })
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  private async persist(records: readonly DnsRecord[]): Promise<void> {
    const text = serializeRecordsFile(records, this.opts.prettyJson)
    try {
      await writeFileAtomic(this.path, text)
    } catch (err) {
      // Refused, not acknowledged: the change stays out of memory and the caller sees the error.
      if (isDnsplaneError(err, 'ERR_READ_ONLY_SOURCE')) this.log.warn({ path: this.path }, `records change refused: ${err.message}`)
      throw err
    }
    this.lastHash = sha256(text)
    this.badHash = undefined
  }

  /** Persist first; only a successful write changes memory and emits. */
  private async commit(records: DnsRecord[], change: Omit<RecordChange, 'index'>): Promise<void> {
    await this.persist(records)
    this.swap(records, change)
  }

  private swap(records: DnsRecord[], change: Omit<RecordChange, 'index'> | undefined): void {
    for (const r of records) Object.freeze(r)
    Object.freeze(records)
    this.current = RecordIndex.build(records, this.current.generation + 1)
    if (!change) return
    const event: RecordChange = { ...change, index: this.current }
    for (const l of this.listeners) {
      try {
        l(event)
      } catch (err) {
        this.log.error({ err }, 'record change listener failed')
      }
    }
  }

  private findSame(v: ValidRecordInput): DnsRecord[] {
    const want = valueKey(v.type, v.value)
    return this.current.lookup(v.name, v.type).filter((r) => valueKey(r.type, r.value) === want)
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
      this.enqueue(() => this.checkExternalEdit()).catch((err) =>
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
    if (await this.holdIfMassDelete(records, 'file')) return
    this.dropHeld('a newer edit of the records file was applied')
    this.lastHash = hash
    this.badHash = undefined
    this.swap(records, { source: 'file', kind: 'replace', records })
    this.log.info({ path: this.path, count: records.length }, 'records reloaded from file')
  }
}

/** Bounds and normalises a set from a peer or the replica: canonical name, upper-case type, zero times filled. */
function normalizeIncoming(records: readonly DnsRecord[]): DnsRecord[] {
  if (records.length > MAX_RECORDS) {
    throw new DnsplaneError('ERR_RECORD_INVALID', `${records.length} records exceed the limit of ${MAX_RECORDS}`)
  }
  return records.map((r) => {
    const name = canonicalName(r.name)
    const type = r.type.toUpperCase()
    if (name === r.name && type === r.type && r.added_on && r.updated_on && r.last_query) return r
    return {
      ...r,
      name,
      type,
      added_on: r.added_on || GO_ZERO_TIME,
      updated_on: r.updated_on || GO_ZERO_TIME,
      last_query: r.last_query || GO_ZERO_TIME,
    }
  })
}

function validate(input: RecordInput): ValidRecordInput {
  const check = checkRecordInput(input)
  if (!check.ok) throw new DnsplaneError('ERR_RECORD_INVALID', check.errors.join('; '))
  return check.record
}

function selectorMatcher(selector: RecordSelector): (r: DnsRecord) => boolean {
  if ('id' in selector && typeof selector.id === 'string' && selector.id !== '') {
    const id = selector.id
    return (r) => r.id === id
  }
  const s = selector as { name?: unknown; type?: unknown; value?: unknown }
  if (typeof s.name !== 'string' || canonicalName(s.name) === '') {
    throw new DnsplaneError('ERR_RECORD_INVALID', 'name is required')
  }
  const key = nameKey(s.name)
  const type = typeof s.type === 'string' && s.type.trim() !== '' ? s.type.trim().toUpperCase() : undefined
  const value = typeof s.value === 'string' && s.value.trim() !== '' ? s.value : undefined
  return (r) =>
    nameKey(r.name) === key &&
    (type === undefined || r.type.toUpperCase() === type) &&
    (value === undefined || valueKey(r.type, r.value) === valueKey(r.type, value))
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if (isMissing(err)) return false
    throw err
  }
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT'
}

