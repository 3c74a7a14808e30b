/**
 * Crash-safe file replacement: readers see either the old file or the new one, never a torn mix.
 */
import { randomBytes } from 'node:crypto'
import { open, rename, stat, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { DnsplaneError } from '../errors.js'

/**
 * Writes `data` to a temp file in the target's directory, fsyncs it, renames it over `path`
 * and fsyncs the directory. `mode` defaults to the existing file's mode (else 0o666 minus umask).
 * On any failure the temp file is removed, the previous file is left untouched, and a
 * DnsplaneError ERR_RECORDS_WRITE with the cause is thrown (callers may wrap it).
 */
export async function writeFileAtomic(
  path: string,
  data: string | Buffer,
  opts: { mode?: number } = {},
): Promise<void> {
  const dir = dirname(path)
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  let mode = opts.mode
  if (mode === undefined) {
    try {
      mode = (await stat(path)).mode & 0o7777
    } catch {
      // No existing file (or unreadable metadata): let open() apply the default mode and umask.
    }
  }
  let created = false
  try {
    const fh = await open(tmp, 'wx', mode ?? 0o666)
    created = true
    try {
      // open() honours the umask; an explicit chmod gives exactly the requested/previous mode.
      if (mode !== undefined) await fh.chmod(mode)
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, path)
    created = false
  } catch (cause) {
    if (created) await unlink(tmp).catch(() => undefined) // best effort; the original error matters
    throw new DnsplaneError('ERR_RECORDS_WRITE', `cannot write ${path}: ${(cause as Error).message}`, { cause })
  }
  await syncDirectory(dir)
}

/** fsync a directory so the rename itself is durable; some platforms/filesystems refuse, which is harmless. */
async function syncDirectory(dir: string): Promise<void> {
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
