/**
 * The journal beside dnsrecords.json (`<records file>.journal`): start-up recovery (cut a torn
 * tail with a log line, replay over the snapshot) and the flush protocol that makes the snapshot
 * and the journal agree at every crash point:
 *   1. append `flush` with the SHA-256 of the new snapshot bytes (durable);
 *   2. replace dnsrecords.json atomically (temp file, fsync, rename, directory fsync);
 *   3. reset the journal to a single `base` entry naming those bytes.
 * A crash before 2 replays everything over the old file; after 2 the file's hash matches the
 * marker and only later entries are replayed; after 3 there is nothing to replay.
 */
import { unlink } from 'node:fs/promises'
import type { Logger } from 'pino'
import { writeFileAtomic, type AtomicWriteOptions } from '../atomic-write.js'
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
  /** Replaces dnsrecords.json; default writeFileAtomic (tests inject crashes). */
  writeSnapshot?: (path: string, text: string, opts?: AtomicWriteOptions) => Promise<void>
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
    const file = await JournalFile.open(path, opts.openFile)
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
    const r = replayJournal(snapshot, snapshotSha256, decoded.entries)
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
  append(entry: JournalEntry): Promise<void> {
    return this.file.append(encodeEntry(entry))
  }

  /** Resolves when no append is in flight. */
  idle(): Promise<void> {
    return this.file.idle()
  }

  /**
   * Writes `text` as dnsrecords.json by the protocol above and returns its SHA-256. A failed
   * journal (an append failed) skips step 1: its tail may hold unacknowledged bytes, and the
   * reset drops them. Throws ERR_RECORDS_WRITE / ERR_READ_ONLY_SOURCE when the snapshot cannot
   * be written (the journal keeps every acknowledged change); a failed reset after a written
   * snapshot is logged and leaves the journal failed (the next flush repairs it).
   */
  async flush(text: string, guard: Pick<AtomicWriteOptions, 'unchangedSince' | 'onWritten'> = {}): Promise<string> {
    const hash = sha256(text)
    if (!this.file.isFailed) await this.append({ op: 'flush', snapshot_sha256: hash })
    // A refused rename (FileChangedError) leaves a marker no snapshot matches: replay ignores it.
    await (this.opts.writeSnapshot ?? writeFileAtomic)(this.opts.recordsPath, text, guard)
    try {
      await this.reset(hash)
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
