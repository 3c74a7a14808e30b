/**
 * Crash-safe file replacement: readers see either the old file or the new one, never a torn mix.
 */
import { createHash, randomBytes } from 'node:crypto'
import { access, constants, open, rename, stat, unlink } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { DnsplaneError } from '../errors.js'

/**
 * One version of a file on disk as stat sees it: an edit in place or a replacement changes at least
 * one field. Not ctime: a rename changes it, and our own renamed temp file must keep its stamp. The
 * one change it can miss is an in-place edit of the same size within one timestamp tick of the
 * previous write (a few ms on Linux).
 */
export interface FileStamp {
  ino: bigint
  size: bigint
  mtimeNs: bigint
}

function toStamp(s: { ino: bigint; size: bigint; mtimeNs: bigint }): FileStamp {
  return { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs }
}

/** The stamp of `path` now, or undefined when there is no file. */
export async function fileStamp(path: string): Promise<FileStamp | undefined> {
  try {
    return toStamp(await stat(path, { bigint: true }))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  if (!a || !b) return a === b
  return a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs
}

/** Coarser than any kernel's timestamp tick (1-10 ms). */
const TICK_MARGIN_NS = 20_000_000n

/**
 * True when `stamp`, taken at wall-clock `takenAtMs`, proves the file unchanged whenever a later
 * stat gives the same stamp: the file's mtime was already a tick older than that moment, so an edit
 * after it must move mtime (git's "racily clean" rule). A stamp taken right after a write is not.
 */
export function stampIsSettled(stamp: FileStamp, takenAtMs: number): boolean {
  return BigInt(Math.floor(takenAtMs)) * 1_000_000n - stamp.mtimeNs > TICK_MARGIN_NS
}

/** writeFileAtomic refused to replace a file that changed after the caller last read it. */
export class FileChangedError extends DnsplaneError {
  constructor(path: string) {
    super('ERR_RECORDS_WRITE', `${path} changed since it was last read; not replaced`)
  }
}

export interface AtomicWriteOptions {
  /** Mode of the new file; default the existing file's mode (else 0o666 minus umask). */
  mode?: number
  /**
   * The stamp of `path` when the caller last read it: just before the rename, a file whose stamp
   * differs (someone wrote it meanwhile) is not replaced and FileChangedError is thrown. A file
   * that vanished is written. Undefined: no check.
   */
  unchangedSince?: FileStamp
  /** Called with the new file's stamp once it is in place (taken from the temp file before the rename). */
  onWritten?: (stamp: FileStamp) => void
}

/**
 * Why the existing file at `path` must not be replaced, or undefined (also when there is no file).
 * The rename only needs the directory to be writable, so without this check a file the operator
 * made read-only would be silently replaced. Root passes every access() check, so a file with no
 * write bit at all (0444, 0400) counts as read-only for root too: it says what the operator meant.
 */
export async function readOnlyReason(path: string): Promise<string | undefined> {
  let mode: number
  try {
    mode = (await stat(path)).mode
  } catch {
    return undefined // no file yet (or no metadata): the write itself reports real problems
  }
  return readOnlyReasonFor(path, mode)
}

/** readOnlyReason for a file whose stat the caller already holds (`mode`: its st_mode). */
async function readOnlyReasonFor(path: string, statMode: number): Promise<string | undefined> {
  const mode = statMode & 0o7777
  const octal = `0${(mode & 0o777).toString(8)}`
  if ((mode & 0o222) === 0) return `the file is read-only (mode ${octal})`
  try {
    await access(path, constants.W_OK)
  } catch (err) {
    return `this user may not write it (mode ${octal}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`
  }
  return undefined
}

/**
 * Writes `data` to a temp file in the target's directory, fsyncs it, renames it over `path`
 * and fsyncs the directory (see AtomicWriteOptions for `mode` and `unchangedSince`).
 * An existing file this process may not write (see readOnlyReason) is not replaced:
 * ERR_READ_ONLY_SOURCE naming the path. On any other failure the temp file is removed, the
 * previous file is left untouched, and a DnsplaneError ERR_RECORDS_WRITE with the cause is thrown
 * (callers may wrap it).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, opts: AtomicWriteOptions = {}): Promise<void> {
  const file = await prepareFileAtomic(path, [data], opts)
  await file.commit()
}

/** A temp file written and fsynced beside its target, not yet renamed over it. */
export interface PreparedFile {
  /** SHA-256 (hex) of the bytes written. */
  sha256: string
  /** Renames the temp file over the target (checking `unchangedSince` first) and fsyncs the directory. */
  commit(): Promise<void>
  /** Removes the temp file (the target is untouched). */
  abort(): Promise<void>
}

/**
 * writeFileAtomic in two steps, for data made in slices (a records snapshot): each slice is hashed
 * and written to the temp file as it comes, so the event loop runs between slices, and the caller
 * decides when the rename happens (after its journal marker is durable). Errors as writeFileAtomic;
 * commit throws FileChangedError (see `unchangedSince`) or ERR_RECORDS_WRITE.
 */
export async function prepareFileAtomic(path: string, chunks: Iterable<string | Buffer>, opts: AtomicWriteOptions = {}): Promise<PreparedFile> {
  const readOnly = await readOnlyReason(path)
  if (readOnly) throw readOnlyError(path, readOnly)
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fail = (cause: unknown) => new DnsplaneError('ERR_RECORDS_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  // No existing file (or unreadable metadata): open() applies the default mode and umask.
  const mode = opts.mode ?? (await stat(path).then((st) => st.mode & 0o7777, () => undefined))
  const hash = createHash('sha256')
  let created = false
  let written: FileStamp | undefined
  try {
    const fh = await open(tmp, 'wx', mode ?? 0o666)
    created = true
    try {
      // open() honours the umask; an explicit chmod gives exactly the requested/previous mode.
      if (mode !== undefined) await fh.chmod(mode)
      for (const chunk of chunks) {
        const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk
        hash.update(buf)
        let off = 0
        while (off < buf.length) off += (await fh.write(buf, off)).bytesWritten
      }
      await fh.sync()
      // Taken from the temp file: the rename keeps it (see FileStamp), and an edit after the rename must not be in it.
      if (opts.onWritten) written = toStamp(await fh.stat({ bigint: true }))
    } finally {
      await fh.close()
    }
  } catch (cause) {
    if (created) await unlink(tmp).catch(() => undefined) // best effort; the original error matters
    throw fail(cause)
  }
  const abort = () => unlink(tmp).catch(() => undefined)
  return {
    sha256: hash.digest('hex'),
    abort,
    async commit() {
      try {
        if (opts.unchangedSince) {
          const now = await fileStamp(path)
          if (now && !sameStamp(now, opts.unchangedSince)) throw new FileChangedError(path)
        }
        await rename(tmp, path)
      } catch (cause) {
        await abort()
        throw cause instanceof FileChangedError ? cause : fail(cause)
      }
      if (written) opts.onWritten?.(written)
      await syncDirectory(dir)
    },
  }
}

/**
 * Whether writeFileAtomic could replace `path` now, without writing: 'missing' (it would create
 * it) or 'replaceable'. Throws ERR_READ_ONLY_SOURCE (read-only, as writeFileAtomic) or
 * ERR_RECORDS_WRITE (not a regular file, or no metadata). Used before acknowledging a change that
 * is journaled and written to `path` later.
 */
export async function checkReplaceable(path: string): Promise<'missing' | 'replaceable'> {
  let st: Stats
  try {
    st = await stat(path)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw new DnsplaneError('ERR_RECORDS_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  }
  if (!st.isFile()) throw new DnsplaneError('ERR_RECORDS_WRITE', `cannot write ${path}: not a regular file`)
  // Runs before every journaled write: one stat serves both checks.
  const readOnly = await readOnlyReasonFor(path, st.mode)
  if (readOnly) throw readOnlyError(path, readOnly)
  return 'replaceable'
}

function readOnlyError(path: string, reason: string): DnsplaneError {
  return new DnsplaneError('ERR_READ_ONLY_SOURCE', `${path}: ${reason}; not replaced; make it writable (chmod u+w) to allow changes`)
}

/** fsync a directory so the rename itself is durable; some platforms/filesystems refuse, which is harmless. */
export async function syncDirectory(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // EISDIR/EPERM/EINVAL on platforms without directory fsync: the data file itself is synced.
  } finally {
    await fh?.close().catch(() => undefined)
  }
}
