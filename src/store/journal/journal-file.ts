/**
 * The records journal on disk (dnsrecords.json.journal, mode 0600) with group commit: frames
 * appended while an fdatasync is in flight are written together and share the next one, and
 * each append resolves only once the fdatasync covering it has completed. After a failed write
 * or sync every pending and later append is refused until reset() succeeds (the bytes of a
 * failed batch may or may not be on disk; reset drops them).
 */
import { open, readFile } from 'node:fs/promises'
import { DnsplaneError } from '../../errors.js'

/** Mode of a journal file this process creates: records may be private, as cluster_replica.json. */
export const JOURNAL_FILE_MODE = 0o600

/** The few file operations the journal needs (a FileHandle has them); injectable for tests. */
export interface JournalHandle {
  write(data: Uint8Array): Promise<{ bytesWritten: number }>
  datasync(): Promise<void>
  truncate(len: number): Promise<void>
  close(): Promise<void>
}

/** Opens `path` for appending (created with `mode` when missing). */
export type OpenJournal = (path: string, mode: number) => Promise<JournalHandle>

const openForAppend: OpenJournal = (path, mode) => open(path, 'a', mode)

/** The journal's bytes, or undefined when there is no journal file. Other read errors throw ERR_RECORDS_PARSE. */
export async function readJournalBytes(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new DnsplaneError('ERR_RECORDS_PARSE', `${path}: cannot read the records journal: ${(err as Error).message}`, { cause: err })
  }
}

interface Pending {
  data: Uint8Array
  resolve: () => void
  reject: (err: Error) => void
}

export class JournalFile {
  private pending: Pending[] = []
  private running: Promise<void> | undefined
  private failed: DnsplaneError | undefined
  private syncCount = 0

  private constructor(readonly path: string, private readonly fh: JournalHandle) {}

  /** Opens (creating with mode 0600) the journal for appending. Throws ERR_RECORDS_WRITE. */
  static async open(path: string, openFile: OpenJournal = openForAppend): Promise<JournalFile> {
    try {
      return new JournalFile(path, await openFile(path, JOURNAL_FILE_MODE))
    } catch (cause) {
      throw new DnsplaneError('ERR_RECORDS_WRITE', `cannot open the records journal ${path}: ${(cause as Error).message}`, { cause })
    }
  }

  /** fdatasync calls made so far (tests, status). */
  get syncs(): number {
    return this.syncCount
  }

  /** True after a failed write or sync, until reset(). */
  get isFailed(): boolean {
    return this.failed !== undefined
  }

  /**
   * Appends one encoded frame; resolves once it is durable (its batch's fdatasync completed).
   * Rejects with ERR_RECORDS_WRITE when the batch failed or the journal is failed.
   */
  append(frame: Uint8Array): Promise<void> {
    if (this.failed) return Promise.reject(this.failed)
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ data: frame, resolve, reject })
      // Started a microtask later, so appends made in the same turn share the first batch too.
      this.running ??= Promise.resolve().then(() => this.drain())
    })
  }

  /** Resolves when no append is pending or being written. */
  async idle(): Promise<void> {
    while (this.running) await this.running
  }

  /**
   * Replaces the whole journal with `frames` (the new base entry) and makes it durable; clears a
   * failed state. Call with no append in flight (the store drains first). Throws ERR_RECORDS_WRITE.
   */
  async reset(frames: Uint8Array): Promise<void> {
    await this.idle()
    try {
      await this.fh.truncate(0)
      await this.writeAll(frames)
      await this.sync()
      this.failed = undefined
    } catch (cause) {
      this.failed = this.error(cause)
      throw this.failed
    }
  }

  /** Cuts the file to `len` bytes (a torn tail found at start-up) and makes that durable. */
  async truncate(len: number): Promise<void> {
    try {
      await this.fh.truncate(len)
      await this.sync()
    } catch (cause) {
      throw this.error(cause)
    }
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    await this.idle()
    await this.fh.close()
  }

  private async drain(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending
      this.pending = []
      try {
        await this.writeAll(Buffer.concat(batch.map((p) => p.data)))
        await this.sync()
      } catch (cause) {
        this.failed = this.error(cause)
        for (const p of [...batch, ...this.pending]) p.reject(this.failed)
        this.pending = []
        break
      }
      for (const p of batch) p.resolve()
    }
    this.running = undefined
  }

  private async writeAll(data: Uint8Array): Promise<void> {
    let off = 0
    while (off < data.length) {
      const n = (await this.fh.write(data.subarray(off))).bytesWritten
      if (n <= 0) throw new Error('write made no progress')
      off += n
    }
  }

  private async sync(): Promise<void> {
    this.syncCount++
    await this.fh.datasync()
  }

  private error(cause: unknown): DnsplaneError {
    return new DnsplaneError('ERR_RECORDS_WRITE', `cannot write the records journal ${this.path}: ${(cause as Error).message}`, { cause })
  }
}
