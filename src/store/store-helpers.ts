/**
 * Small helpers of FileRecordStore: input validation, selector matching, normalising incoming
 * sets, and the file predicates it shares with the journal path.
 */
import { createHash } from 'node:crypto'
import { open, stat } from 'node:fs/promises'
import { DnsplaneError, isDnsplaneError } from '../errors.js'
import type { RecordInput, RecordSelector } from './record-store.js'
import { checkRecordInput, type ValidRecordInput } from './record-validate.js'
import { canonicalName, GO_ZERO_TIME, nameKey, valueKey, type DnsRecord } from './record.js'
import { MAX_RECORDS, MAX_RECORDS_FILE_BYTES, parseRecordsDocument, parseRecordsFile } from './records-file.js'

/** Bounds and normalises a set from a peer or the replica: canonical name, upper-case type, zero times filled. */
export function normalizeIncoming(records: readonly DnsRecord[]): DnsRecord[] {
  if (records.length > MAX_RECORDS) {
    throw new DnsplaneError('ERR_RECORD_INVALID', `${records.length} records exceed the limit of ${MAX_RECORDS}`)
  }
  return records.map((r) => {
    const name = canonicalName(r.name)
    const type = r.type.toUpperCase()
    if (name === r.name && type === r.type && r.added_on && r.updated_on && r.last_query) return r
    return {
      ...r,
      name,
      type,
      added_on: r.added_on || GO_ZERO_TIME,
      updated_on: r.updated_on || GO_ZERO_TIME,
      last_query: r.last_query || GO_ZERO_TIME,
    }
  })
}

/** Validates API/TUI input; throws ERR_RECORD_INVALID with every problem. */
export function validate(input: RecordInput): ValidRecordInput {
  const check = checkRecordInput(input)
  if (!check.ok) throw new DnsplaneError('ERR_RECORD_INVALID', check.errors.join('; '))
  return check.record
}

export function selectorMatcher(selector: RecordSelector): (r: DnsRecord) => boolean {
  if ('id' in selector && typeof selector.id === 'string' && selector.id !== '') {
    const id = selector.id
    return (r) => r.id === id
  }
  const s = selector as { name?: unknown; type?: unknown; value?: unknown }
  if (typeof s.name !== 'string' || canonicalName(s.name) === '') {
    throw new DnsplaneError('ERR_RECORD_INVALID', 'name is required')
  }
  const key = nameKey(s.name)
  const type = typeof s.type === 'string' && s.type.trim() !== '' ? s.type.trim().toUpperCase() : undefined
  const value = typeof s.value === 'string' && s.value.trim() !== '' ? s.value : undefined
  return (r) =>
    nameKey(r.name) === key &&
    (type === undefined || r.type.toUpperCase() === type) &&
    (value === undefined || valueKey(r.type, r.value) === valueKey(r.type, value))
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch (err) {
    if (isMissing(err)) return false
    throw err
  }
}

/** SHA-256 of `data` as hex: how the store and the journal name a records file's bytes. */
export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** True for ENOENT. */
export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT'
}


/** Reads the records file, refusing one over MAX_RECORDS_FILE_BYTES before reading it. ENOENT is rethrown as is; other errors are ERR_RECORDS_PARSE. */
export async function readRecordsFileBytes(path: string): Promise<Buffer> {
  let fh
  try {
    fh = await open(path, 'r')
    const { size } = await fh.stat()
    if (size > MAX_RECORDS_FILE_BYTES) {
      throw new DnsplaneError('ERR_RECORDS_PARSE', `${path}: file is ${size} bytes, larger than the limit of ${MAX_RECORDS_FILE_BYTES}`)
    }
    return await fh.readFile()
  } catch (err) {
    if (isDnsplaneError(err) || isMissing(err)) throw err
    throw new DnsplaneError('ERR_RECORDS_PARSE', `${path}: cannot read: ${(err as Error).message}`, { cause: err })
  } finally {
    await fh?.close()
  }
}

/** parseRecordsFile with the file named in ERR_RECORDS_PARSE. */
/** parseRecordsAt, also returning the document's `extraKey` member (the record_lww versions). */
export function parseRecordsDocumentAt(path: string, buf: Buffer, extraKey: string): { records: DnsRecord[]; extra: unknown } {
  try {
    return parseRecordsDocument(buf, extraKey)
  } catch (err) {
    throw new DnsplaneError('ERR_RECORDS_PARSE', `${path}: ${(err as Error).message}`, { cause: err })
  }
}

export function parseRecordsAt(path: string, buf: Buffer): DnsRecord[] {
  try {
    return parseRecordsFile(buf)
  } catch (err) {
    throw new DnsplaneError('ERR_RECORDS_PARSE', `${path}: ${(err as Error).message}`, { cause: err })
  }
}
