/**
 * The records journal on disk (dnsrecords.json.journal, mode 0600) with group commit: frames
 * appended while an fdatasync is in flight are written together and share the next one, and
 * each append resolves only once the fdatasync covering it has completed. After a failed write
 * or sync every pending and later append is refused until reset() succeeds (the bytes of a
 * failed batch may or may not be on disk; reset drops them).
 */
import { open, readFile, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'
import { DnsplaneError } from '../../errors.js'
import { syncDirectory } from '../atomic-write.js'

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
  resolve: (offset: number) => void
  reject: (err: Error) => void
}

export class JournalFile {
  private pending: Pending[] = []
  private running: Promise<void> | undefined
  private failed: DnsplaneError | undefined
  private syncCount = 0
  /** Bytes in the file: `size` at open plus every frame written since (exact while not failed). */
  private bytes: number

  private constructor(
    readonly path: string,
    private fh: JournalHandle,
    size: number,
    private readonly openFile: OpenJournal,
  ) {
    this.bytes = size
  }

  /** Opens (creating with mode 0600) the journal for appending; `size`: its length now. Throws ERR_RECORDS_WRITE. */
  static async open(path: string, openFile: OpenJournal = openForAppend, size = 0): Promise<JournalFile> {
    try {
      return new JournalFile(path, await openFile(path, JOURNAL_FILE_MODE), size, openFile)
    } catch (cause) {
      throw new DnsplaneError('ERR_RECORDS_WRITE', `cannot open the records journal ${path}: ${(cause as Error).message}`, { cause })
    }
  }

  /** fdatasync calls made so far (tests, status). */
  get syncs(): number {
    return this.syncCount
  }

  /** The journal's length in bytes once the appends made so far are written (the offset the next frame gets). */
  get size(): number {
    return this.bytes
  }

  /** True after a failed write or sync, until reset(). */
  get isFailed(): boolean {
    return this.failed !== undefined
  }

  /**
   * Appends one encoded frame; resolves with its offset once it is durable (its batch's fdatasync
   * completed). Rejects with ERR_RECORDS_WRITE when the batch failed or the journal is failed.
   */
  append(frame: Uint8Array): Promise<number> {
    if (this.failed) return Promise.reject(this.failed)
    return new Promise<number>((resolve, reject) => {
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
   * failed state. Appends made meanwhile wait and follow it. Throws ERR_RECORDS_WRITE.
   */
  reset(frames: Uint8Array): Promise<void> {
    return this.exclusive(() => this.resetInPlace(frames))
  }

  private async resetInPlace(frames: Uint8Array): Promise<void> {
    try {
      this.bytes = 0
      await this.fh.truncate(0)
      await this.writeAll(frames)
      this.bytes = frames.length
      await this.sync()
      this.failed = undefined
    } catch (cause) {
      this.failed = this.error(cause)
      throw this.failed
    }
  }

  /**
   * Replaces the journal with `frames` followed by its bytes from offset `from` on (the entries a
   * snapshot does not hold) except the `skip` bytes [start, end) (its flush marker), atomically: a
   * new file beside it, fsynced, renamed over it. Appends made meanwhile wait and go to the new
   * file. A failure before the rename leaves the journal as it was (and usable); after it, failed.
   * Throws ERR_RECORDS_WRITE.
   */
  rewrite(frames: Uint8Array, from: number, skip: readonly [number, number]): Promise<void> {
    // Nothing else after `from`: cut in place (a crash meanwhile leaves an empty journal, which start-up renews).
    return this.exclusive(() => (this.bytes - from - (skip[1] - skip[0]) <= 0 ? this.resetInPlace(frames) : this.replaceWith(frames, from, skip)))
  }

  /** Runs `fn` with no append being written; appends made meanwhile are held and written after it. */
  private async exclusive(fn: () => Promise<void>): Promise<void> {
    while (this.running) await this.running
    const done = fn()
    this.running = done.then(
      () => this.resume(),
      () => this.resume(),
    )
    await done
  }

  private async replaceWith(frames: Uint8Array, from: number, skip: readonly [number, number]): Promise<void> {
    const tmp = `${this.path}.rewrite`
    let renamed = false
    try {
      const tail = Buffer.concat([await readRange(this.path, from, skip[0]), await readRange(this.path, skip[1], this.bytes)])
      const out = await open(tmp, 'w', JOURNAL_FILE_MODE)
      try {
        await out.writeFile(Buffer.concat([frames, tail]))
        await out.datasync()
      } finally {
        await out.close()
      }
      await rename(tmp, this.path)
      renamed = true
      await syncDirectory(dirname(this.path))
      const fh = await this.openFile(this.path, JOURNAL_FILE_MODE)
      await this.fh.close().catch(() => undefined) // the old file is gone; its handle only needs releasing
      this.fh = fh
      this.bytes = frames.length + tail.length
    } catch (cause) {
      if (!renamed) await unlink(tmp).catch(() => undefined)
      const err = this.error(cause)
      if (renamed) this.failed = err
      throw err
    }
  }

  /** After a rewrite: appends queued meanwhile are written now. */
  private resume(): void {
    this.running = this.pending.length > 0 ? Promise.resolve().then(() => this.drain()) : undefined
  }

  /** Cuts the file to `len` bytes (a torn tail found at start-up) and makes that durable. */
  async truncate(len: number): Promise<void> {
    this.bytes = len
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
      if (this.failed) {
        for (const p of batch) p.reject(this.failed)
        continue
      }
      const start = this.bytes
      try {
        const data = Buffer.concat(batch.map((p) => p.data))
        await this.writeAll(data)
        this.bytes += data.length
        await this.sync()
      } catch (cause) {
        this.failed = this.error(cause)
        for (const p of [...batch, ...this.pending]) p.reject(this.failed)
        this.pending = []
        break
      }
      let offset = start
      for (const p of batch) {
        p.resolve(offset)
        offset += p.data.length
      }
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

/** Bytes [from, to) of the file at `path`. */
async function readRange(path: string, from: number, to: number): Promise<Buffer> {
  const out = Buffer.alloc(Math.max(0, to - from))
  if (out.length === 0) return out
  const fh = await open(path, 'r')
  try {
    let off = 0
    while (off < out.length) {
      const { bytesRead } = await fh.read(out, off, out.length - off, from + off)
      if (bytesRead === 0) throw new Error(`journal ends at ${from + off} bytes, expected ${to}`)
      off += bytesRead
    }
  } finally {
    await fh.close()
  }
  return out
}
