/**
 * The file side of the zone-file parser's $INCLUDE port (src/zonefile/parse.ts): reads a zone file
 * and its includes from disk, each bounded in size, relative paths resolved against the including
 * file's folder (as BIND does when no `directory` is set). Used by `dnsplane zone import` and the
 * bind_dir records source.
 */
import { open } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { MAX_ZONE_BYTES, parseZone, type ParseZoneOptions, type ParseZoneResult, type ZoneFileReader } from './parse.js'

/** Reads `path` as UTF-8, refusing a file over `maxBytes` before reading it. */
export async function readBoundedText(path: string, maxBytes = MAX_ZONE_BYTES): Promise<string> {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    if (size > maxBytes) throw new Error(`file is ${size} bytes, more than ${maxBytes}`)
    return (await fh.readFile()).toString('utf8')
  } finally {
    await fh.close()
  }
}

/** The $INCLUDE reader: `path` relative to the including file's folder (or to `root` when given). */
export function diskZoneReader(opts: { root?: string; maxBytes?: number } = {}): ZoneFileReader {
  return {
    read: async (path, from) => {
      const name = isAbsolute(path) ? path : resolve(opts.root ?? dirname(from), path)
      return { name, text: await readBoundedText(name, opts.maxBytes) }
    },
  }
}

/** Reads and parses the zone file at `path` with its includes; a file that cannot be read is an error at line 0. */
export async function parseZoneFile(path: string, opts: Omit<ParseZoneOptions, 'file' | 'reader'> & { root?: string } = {}): Promise<ParseZoneResult> {
  let text: string
  try {
    text = await readBoundedText(path, opts.maxBytes)
  } catch (err) {
    return { ok: false, errors: [{ file: path, line: 0, reason: `cannot read: ${(err as Error).message}` }] }
  }
  return parseZone(text, { ...opts, file: path, reader: diskZoneReader({ root: opts.root, maxBytes: opts.maxBytes }) })
}
