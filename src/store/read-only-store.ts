/**
 * A read-only RecordStore for the original's `url` and `bind_dir` records sources: records come
 * from `load()` (an HTTP GET of our JSON format, or BIND zone files), are refreshed on a timer and
 * (bind_dir `watch`) on file changes, and replace what is served in memory; nothing is persisted.
 * Every write (API, TUI, bulk, cluster apply) is refused with ERR_READ_ONLY_SOURCE, as in the
 * original. A refresh that fails keeps the records served and is logged.
 */
import type { Logger } from 'pino'
import { DnsplaneError } from '../errors.js'
import type { MassDeleteResult, RecordChange, RecordStore, StartReconcile, WriteResult } from './record-store.js'
import type { RecordIndex } from './record-index.js'
import type { DnsRecord } from './record.js'
import { ServedIndex } from './served-index.js'
import { normalizeIncoming } from './store-helpers.js'

export interface ReadOnlyStoreOptions {
  /** `url` or `bind_dir`, for messages. */
  kind: string
  /** Where the records come from (URL or folder), for messages. */
  location: string
  /** Reads the records; throws with a message naming the cause. */
  load: () => Promise<DnsRecord[]>
  /** Refresh period; 0 = none. */
  refreshMs: number
  /** Starts a watcher that calls `changed` on edits; resolves to its stop function. */
  watch?: (changed: () => void) => Promise<() => Promise<void>>
  log: Logger
}

export class ReadOnlyRecordStore implements RecordStore {
  private readonly served: ServedIndex
  private timer: NodeJS.Timeout | undefined
  private stopWatch: (() => Promise<void>) | undefined
  private refreshing: Promise<number> | undefined
  private again = false

  private constructor(private readonly opts: ReadOnlyStoreOptions) {
    this.served = new ServedIndex(opts.log)
  }

  /** Loads the records once; a failure is a start-up error (ERR_RECORDS_PARSE naming the source). */
  static async open(opts: ReadOnlyStoreOptions): Promise<ReadOnlyRecordStore> {
    const store = new ReadOnlyRecordStore(opts)
    try {
      store.served.swap(normalizeIncoming(await opts.load()), undefined)
    } catch (err) {
      throw new DnsplaneError('ERR_RECORDS_PARSE', `records source ${opts.kind} ${opts.location}: ${(err as Error).message}`, { cause: err })
    }
    opts.log.info({ source: opts.kind, location: opts.location, count: store.list().length }, 'records loaded (read-only source)')
    return store
  }

  get index(): RecordIndex {
    return this.served.current
  }

  list(): readonly DnsRecord[] {
    return this.served.current.records
  }

  private refuse(): never {
    throw new DnsplaneError('ERR_READ_ONLY_SOURCE', `the records source is read-only (${this.opts.kind} ${this.opts.location}); change the records there`)
  }

  add(): Promise<WriteResult> {
    return Promise.resolve().then(() => this.refuse())
  }
  update(): Promise<WriteResult> {
    return this.add()
  }
  remove(): Promise<WriteResult> {
    return this.add()
  }
  replaceAll(): Promise<void> {
    return Promise.resolve().then(() => this.refuse())
  }
  replaceWith(): Promise<boolean> {
    return Promise.resolve().then(() => this.refuse())
  }
  save(): Promise<void> {
    return this.replaceAll()
  }
  confirmMassDelete(): Promise<MassDeleteResult> {
    return Promise.resolve().then(() => this.refuse())
  }
  discardMassDelete(): Promise<MassDeleteResult> {
    return this.confirmMassDelete()
  }
  /** No record is made here: an RFC 2136 update is refused before (replaceWith). */
  newRecord(): DnsRecord {
    return this.refuse()
  }
  /** Nothing to reconcile: the source is the truth. */
  async reconcileAtStart(): Promise<StartReconcile> {
    return 'accepted'
  }
  heldMassDelete(): undefined {
    return undefined
  }

  /** Reads the source now (POST /dns/records/reload); throws and keeps the records on failure. */
  reload(): Promise<number> {
    return this.refresh()
  }

  onChange(listener: (change: RecordChange) => void): () => void {
    return this.served.onChange(listener)
  }

  async start(): Promise<void> {
    if (this.opts.refreshMs > 0) {
      this.timer = setInterval(() => this.refreshLogged(), this.opts.refreshMs)
      this.timer.unref()
    }
    if (this.opts.watch) this.stopWatch = await this.opts.watch(() => this.refreshLogged())
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    await this.stopWatch?.()
    this.stopWatch = undefined
    await this.refreshing?.catch(() => undefined)
  }

  private refreshLogged(): void {
    this.refresh().catch((err: unknown) =>
      this.opts.log.warn({ err, source: this.opts.kind, location: this.opts.location }, 'records source refresh failed; the records served are kept'),
    )
  }

  /** One refresh at a time; a request during one runs once more after it. */
  private refresh(): Promise<number> {
    if (this.refreshing) {
      this.again = true
      return this.refreshing
    }
    const run = async (): Promise<number> => {
      try {
        do {
          this.again = false
          const records = normalizeIncoming(await this.opts.load())
          this.served.swap(records, { source: 'reload', kind: 'replace', records })
        } while (this.again)
        return this.list().length
      } finally {
        this.refreshing = undefined
      }
    }
    this.refreshing = run()
    return this.refreshing
  }
}
