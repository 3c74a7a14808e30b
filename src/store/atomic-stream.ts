/**
 * writeFileAtomic for text made in slices (a records snapshot): each slice is hashed and written to
 * the temp file as it comes, so the event loop runs between slices (DNS is answered, writes are
 * journaled), and the caller decides when the rename happens (after its journal marker is durable).
 */
import { createHash, randomBytes } from 'node:crypto'
import { open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { DnsplaneError } from '../errors.js'
import { FileChangedError, fileStamp, readOnlyReason, sameStamp, syncDirectory, type AtomicWriteOptions, type FileStamp } from './atomic-write.js'

async function fileStampOf(fh: { stat(o: { bigint: true }): Promise<{ ino: bigint; size: bigint; mtimeNs: bigint }> }): Promise<FileStamp> {
  const s = await fh.stat({ bigint: true })
  return { ino: s.ino, size: s.size, mtimeNs: s.mtimeNs }
}

/** A temp file written and fsynced beside its target, not yet renamed over it. */
export interface PreparedFile {
  /** SHA-256 (hex) of the bytes written. */
  sha256: string
  /** Renames the temp file over the target and fsyncs the directory. Throws ERR_RECORDS_WRITE, or FileChangedError (see `unchangedSince`). */
  commit(): Promise<void>
  /** Removes the temp file (the target is untouched). */
  abort(): Promise<void>
}

/**
 * Writes `chunks` (UTF-8) to a temp file in `path`'s directory with the existing file's mode,
 * fsyncs it and returns its hash with commit/abort. As writeFileAtomic: an existing file this
 * process may not write is refused with ERR_READ_ONLY_SOURCE; `unchangedSince` refuses the rename
 * over a file changed after that stamp (FileChangedError), `onWritten` gets the new file's stamp
 * after the rename; any other failure removes the temp file and throws ERR_RECORDS_WRITE.
 */
export async function prepareFileAtomic(path: string, chunks: Iterable<string>, opts: Pick<AtomicWriteOptions, 'unchangedSince' | 'onWritten'> = {}): Promise<PreparedFile> {
  const readOnly = await readOnlyReason(path)
  if (readOnly) throw new DnsplaneError('ERR_READ_ONLY_SOURCE', `${path}: ${readOnly}; not replaced; make it writable (chmod u+w) to allow changes`)
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const fail = (cause: unknown) => new DnsplaneError('ERR_RECORDS_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  const mode = await stat(path).then((s) => s.mode & 0o7777, () => undefined)
  const hash = createHash('sha256')
  let created = false
  let written: FileStamp | undefined
  try {
    const fh = await open(tmp, 'wx', mode ?? 0o666)
    created = true
    try {
      // open() honours the umask; an explicit chmod gives exactly the previous mode.
      if (mode !== undefined) await fh.chmod(mode)
      for (const chunk of chunks) {
        const buf = Buffer.from(chunk, 'utf8')
        hash.update(buf)
        let off = 0
        while (off < buf.length) off += (await fh.write(buf, off)).bytesWritten
      }
      await fh.sync()
      // Taken from the temp file: the rename keeps it (see FileStamp), and an edit after the rename must not be in it.
      if (opts.onWritten) written = await fileStampOf(fh)
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
        if (written) opts.onWritten?.(written)
      } catch (cause) {
        await abort()
        throw cause instanceof FileChangedError ? cause : fail(cause)
      }
      await syncDirectory(dir)
    },
  }
}
