/** Options and results of FileRecordStore (src/store/file-store.ts, which re-exports them). */
import type { Logger } from 'pino'
import type { OpenJournal } from './journal/journal-file.js'
import type { SnapshotHook } from './journal/records-journal.js'
import type { DnsRecord } from './record.js'

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
   * `records_flush_delay_ms`: > 0 journals local add/update/remove and rewrites the file this many
   * ms after the first unflushed change (later for a file whose rewrite takes longer: journal/flush-pacing.ts);
   * 0 (the default here) rewrites the file on every write.
   */
  flushDelayMs?: number
  /** Journal path; default `<path>.journal`. */
  journalPath?: string
  /** Tests: opens the journal file (fsync counting, failures). */
  openJournal?: OpenJournal
  /** Tests: replaces the records file (crash injection); default a streamed atomic write. */
  writeSnapshot?: SnapshotHook
  /** Tests: the records file check before a journaled write; default checkReplaceable. */
  checkFile?: (path: string) => Promise<'missing' | 'replaceable'>
  /** Tests: the clock (ms) that paces background flushes (journal/flush-pacing.ts); default performance.now. */
  flushClockMs?: () => number
}

/** What flush() did. */
export interface FlushResult {
  /** False when the file already held every change. */
  flushed: boolean
  records: number
}
