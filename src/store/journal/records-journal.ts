/**
 * The journal beside dnsrecords.json (`<records file>.journal`): start-up recovery (cut a torn
 * tail with a log line, replay over the snapshot) and the flush protocol that makes the snapshot
 * and the journal agree at every crash point:
 *   1. write the new snapshot to a temp file (fsynced), hashing it as it goes;
 *   2. append `flush` with its SHA-256 and, for a background flush, `from`: the journal offset at
 *      which its generation was taken (writes go on while it is written; their entries follow);
 *   3. rename it over dnsrecords.json (directory fsync);
 *   4. replace the journal with a `base` entry naming those bytes, followed by the entries from
 *      `from` on (a new file renamed over the journal; cut in place when there are none).
 * A crash before 3 replays everything over the old file; after 3 the file's hash matches the
 * marker and only the entries from `from` (or after the marker) are replayed; after 4 the base.
 */
import { unlink } from 'node:fs/promises'
import type { Logger } from 'pino'
import { DnsplaneError } from '../../errors.js'
import { prepareFileAtomic, type AtomicWriteOptions, type PreparedFile } from '../atomic-write.js'
import type { DnsRecord } from '../record.js'
import { sha256 } from '../store-helpers.js'
import { decodeJournal, encodeEntry, JOURNAL_FORMAT, type JournalEntry } from './codec.js'
import { JournalFile, readJournalBytes, type OpenJournal } from './journal-file.js'
import { replayJournal } from './replay.js'

export interface RecordsJournalOptions {
  /** Path of dnsrecords.json. */
  recordsPath: string
  /** Path of the journal; default `<recordsPath>.journal`. */
  journalPath?: string
  log: Logger
  /** Opens the journal file (tests inject a counting or failing handle). */
  openFile?: OpenJournal
  /** Replaces dnsrecords.json; default a streamed atomic write (tests inject crashes). */
  writeSnapshot?: SnapshotHook
}

/**
 * Tests: replaces the snapshot write (crash injection), given the whole text, at the rename step;
 * `prepared` runs when the snapshot is made, before its flush marker (a slow snapshot, writes meanwhile).
 */
export interface SnapshotHook {
  (path: string, text: string, opts?: AtomicWriteOptions): Promise<void>
  prepared?: () => Promise<void>
}

/** What open() found. */
export interface JournalRecovery {
  /** The snapshot with the journal's acknowledged changes applied. */
  records: DnsRecord[]
  /** Change entries replayed. */
  replayed: number
  /** True when the file must be rewritten from `records` (changes replayed, or a cut tail). */
  needsFlush: boolean
  /** The `lww` payloads of the replayed entries, oldest first. */
  versions: unknown[]
}

/** The rename check a flush may ask for (see AtomicWriteOptions). */
export type SnapshotGuard = Pick<AtomicWriteOptions, 'unchangedSince' | 'onWritten'>

/**
 * Writes `chunks` to a temp file beside `path` (hashing them) for a later rename, which `guard`
 * may refuse (FileChangedError); `hook` (tests) replaces the whole write, given the text, at commit.
 */
export async function prepareSnapshot(path: string, chunks: Iterable<string>, hook?: SnapshotHook, guard: SnapshotGuard = {}): Promise<PreparedFile> {
  if (!hook) return prepareFileAtomic(path, chunks, guard)
  const text = [...chunks].join('')
  await hook.prepared?.()
  return { sha256: sha256(text), commit: () => hook(path, text, guard), abort: async () => undefined }
}

/** Default journal path for a records file. */
export function journalPathFor(recordsPath: string): string {
  return `${recordsPath}.journal`
}

export class RecordsJournal {
  private constructor(
    private readonly opts: RecordsJournalOptions,
    readonly path: string,
    private file: JournalFile,
  ) {}

  /**
   * Opens (creating if missing) the journal for the snapshot `snapshot` whose file bytes hash to
   * `snapshotSha256`, cuts a torn or corrupt tail (logged), and replays the rest.
   * Throws ERR_RECORDS_PARSE (unreadable) or ERR_RECORDS_WRITE (cannot open or cut).
   */
  static async open(opts: RecordsJournalOptions, snapshot: readonly DnsRecord[], snapshotSha256: string): Promise<{ journal: RecordsJournal; recovery: JournalRecovery }> {
    const path = opts.journalPath ?? journalPathFor(opts.recordsPath)
    const bytes = await readJournalBytes(path)
    const file = await JournalFile.open(path, opts.openFile, bytes?.length ?? 0)
    const journal = new RecordsJournal(opts, path, file)
    if (bytes === undefined || bytes.length === 0) {
      await journal.reset(snapshotSha256)
      return { journal, recovery: { records: snapshot.slice(), replayed: 0, needsFlush: false, versions: [] } }
    }
    const decoded = decodeJournal(bytes)
    if (decoded.tail) {
      opts.log.warn(
        { path, valid_bytes: decoded.validBytes, cut_bytes: bytes.length - decoded.validBytes, reason: decoded.reason, tail: decoded.tail },
        'records journal: torn or corrupt tail cut (a write interrupted by a crash was never acknowledged)',
      )
      await file.truncate(decoded.validBytes)
    }
    const r = replayJournal(snapshot, snapshotSha256, decoded.entries, decoded.offsets)
    if (r.applied > 0) {
      opts.log.info({ path, replayed: r.applied, mode: r.mode, mismatched: r.mismatched }, 'records journal replayed')
    }
    if (r.mode === 'rebased' && r.applied > 0) {
      opts.log.warn({ path, replayed: r.applied }, 'records file was changed while the node was stopped; journaled changes applied on top of it by record identity')
    }
    const needsFlush = r.applied > 0 || decoded.tail !== undefined || decoded.entries.length === 0
    // A journal naming another snapshot but holding no change: start it afresh over this one.
    if (!needsFlush && r.mode === 'rebased') await journal.reset(snapshotSha256)
    return { journal, recovery: { records: r.records, replayed: r.applied, needsFlush, versions: r.versions } }
  }

  /** fdatasync calls so far. */
  get syncs(): number {
    return this.file.syncs
  }

  /** True after a failed append until a flush or rebase succeeds. */
  get isFailed(): boolean {
    return this.file.isFailed
  }

  /** Appends a change; resolves once durable (group commit). Rejects with ERR_RECORDS_WRITE. */
  async append(entry: JournalEntry): Promise<void> {
    await this.file.append(encodeEntry(entry))
  }

  /** Resolves when no append is in flight. */
  idle(): Promise<void> {
    return this.file.idle()
  }

  /** The journal's length: where the next entry starts (a background flush's `from`). */
  get size(): number {
    return this.file.size
  }

  /**
   * Writes `chunks` as dnsrecords.json by the protocol above and returns its SHA-256. `from`
   * (a background flush): the journal offset the snapshot's generation was taken at; appends go on
   * meanwhile and survive the reset. Without it the caller holds every append back (the write
   * queue). A failed journal (an append failed) skips step 2 when nothing may follow the snapshot
   * (its tail may hold unacknowledged bytes, and the reset drops them), and refuses a background
   * flush (acknowledged entries after `from` would be dropped). `guard`: see prepareSnapshot. Throws ERR_RECORDS_WRITE /
   * ERR_READ_ONLY_SOURCE when the snapshot cannot be written (the journal keeps every acknowledged
   * change); a failed reset after a written snapshot is logged and leaves the journal as it was or
   * failed (the next flush repairs it).
   */
  async flush(chunks: Iterable<string>, from?: number, guard: SnapshotGuard = {}): Promise<string> {
    const prepared = await prepareSnapshot(this.opts.recordsPath, chunks, this.opts.writeSnapshot, guard)
    const hash = prepared.sha256
    let marker: [number, number] = [0, 0]
    try {
      if (!this.file.isFailed) {
        const frame = encodeEntry({ op: 'flush', snapshot_sha256: hash, ...(from === undefined ? {} : { from }) })
        const at = await this.file.append(frame)
        marker = [at, at + frame.length]
      }
      else if (from !== undefined) throw new DnsplaneError('ERR_RECORDS_WRITE', `${this.path}: the records journal failed during a background flush; the file is rewritten by the next write`)
      // A refused rename (FileChangedError) leaves a marker no snapshot matches: replay ignores it.
      await prepared.commit()
    } catch (err) {
      await prepared.abort()
      throw err
    }
    const base = encodeEntry({ op: 'base', format: JOURNAL_FORMAT, snapshot_sha256: hash })
    try {
      // The marker is not carried over: its offset means nothing in the new journal.
      await (from === undefined ? this.file.reset(base) : this.file.rewrite(base, from, marker))
    } catch (err) {
      this.opts.log.error({ err, path: this.path }, 'records journal could not be reset after a flush; the next flush retries')
    }
    return hash
  }

  /** Starts a fresh journal over the snapshot whose bytes hash to `snapshotSha256` (after an external edit was applied). */
  async reset(snapshotSha256: string): Promise<void> {
    await this.file.reset(encodeEntry({ op: 'base', format: JOURNAL_FORMAT, snapshot_sha256: snapshotSha256 }))
  }

  /** Waits for appends and closes the file. */
  close(): Promise<void> {
    return this.file.close()
  }

  /** Closes and deletes the journal (write-through mode after a start-up flush). */
  async remove(): Promise<void> {
    await this.close()
    await unlink(this.path).catch(() => undefined) // already gone is fine; a leftover is only replayed (no-op) next start
  }
}
