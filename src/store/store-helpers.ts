/**
 * Small helpers of FileRecordStore: input validation, selector matching, normalising incoming
 * sets, and the file predicates it shares with the journal path.
 */
import { createHash } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { DnsplaneError } from '../errors.js'
import type { RecordInput, RecordSelector } from './record-store.js'
import { checkRecordInput, type ValidRecordInput } from './record-validate.js'
import { canonicalName, GO_ZERO_TIME, nameKey, valueKey, type DnsRecord } from './record.js'
import { MAX_RECORDS } from './records-file.js'

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

export function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === 'ENOENT'
}

