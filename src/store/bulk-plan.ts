/**
 * Bulk load as a pure plan (issue #12 "Bulk load"): many validated inputs against the newest
 * records -> the next record list, one journal `batch` entry (delete, update, add; durable as one
 * frame: all or nothing) and the counts. `add` merges (a record with the same name, type and RDATA
 * keeps its id and gets the new TTL); `replace` also deletes the records of its scope (one zone,
 * or everything) that the input does not hold, behind the mass-delete guard.
 */
import { DnsplaneError } from '../errors.js'
import { encodeRdata } from '../dns/wire/rdata.js'
import { MAX_JOURNAL_ENTRY_BYTES, type WriteEntry } from './journal/codec.js'
import { positionedBatch } from './batch-positions.js'
import type { WritePlan } from './record-store.js'
import { isMassDelete, MASS_DELETE_SAMPLE } from './mass-delete.js'
import type { ValidRecordInput } from './record-validate.js'
import { nameKey, valueKey, type DnsRecord } from './record.js'
import { isAtOrBelow, zoneOwner } from './reverse-name.js'
import { rrsetReplyBytes, MAX_TCP_REPLY_BYTES } from './rrset-size.js'

/** TTL of an input without one (as a single API add). */
export const BULK_DEFAULT_TTL = 3600

export type BulkMode = 'add' | 'replace'

export interface BulkOptions {
  mode: BulkMode
  /** replace: the zone whose records are replaced (lower-case key); undefined with `all`. */
  zone?: string
  /** replace: every record is in scope. */
  all?: boolean
  /** The mass-delete guard in force (percent, 0 = off). */
  guardPercent: number
  /** The number of deletions the caller confirmed (required when the guard trips). */
  confirmDelete?: number
  /** A new record for an input (id, added_on). */
  newRecord: (v: ValidRecordInput) => DnsRecord
  /** updated_on of a record whose TTL changes. */
  stamp: string
}

export interface BulkCounts {
  mode: BulkMode
  zone: string | null
  added: number
  updated: number
  unchanged: number
  deleted: number
  total_before: number
  total_after: number
  /** Up to MASS_DELETE_SAMPLE deleted records as "name type value". */
  deleted_sample: string[]
}

/** One refused input: its position in the request and why. */
export interface BulkProblem {
  index: number
  reason: string
}

/** Identity under which an input matches a stored record: owner, type and the RDATA as answered (spelling aside). */
export function bulkKey(r: Pick<DnsRecord, 'name' | 'type' | 'value'>): string {
  const rdata = encodeRdata(r.type, r.value)
  return `${nameKey(zoneOwner(r))}\u0000${r.type.toUpperCase()}\u0000${rdata ? rdata.toString('hex') : valueKey(r.type, r.value)}`
}

/** Whether a record is in the scope a replace deletes from. */
function scopeOf(opts: BulkOptions): (r: Pick<DnsRecord, 'name' | 'type'>) => boolean {
  if (opts.mode === 'add') return () => false
  if (opts.all) return () => true
  const zone = opts.zone ?? ''
  return (r) => isAtOrBelow(zoneOwner(r).toLowerCase(), zone)
}

/**
 * Inputs outside the replaced zone (they would be added without their old records being
 * replaced): index and reason, for the all-or-nothing refusal.
 */
export function outOfScope(inputs: readonly ValidRecordInput[], opts: Pick<BulkOptions, 'mode' | 'zone' | 'all'>): BulkProblem[] {
  if (opts.mode !== 'replace' || opts.all) return []
  const zone = opts.zone ?? ''
  const out: BulkProblem[] = []
  inputs.forEach((v, index) => {
    if (!isAtOrBelow(zoneOwner(v).toLowerCase(), zone)) out.push({ index, reason: `name: ${v.name} is outside zone ${zone || '.'}` })
  })
  return out
}

/** The plan of a bulk load, and its counts. Throws ERR_MASS_DELETE_HELD, ERR_RECORD_CONFLICT or ERR_RECORD_INVALID. */
export function planBulk(records: readonly DnsRecord[], inputs: readonly ValidRecordInput[], opts: BulkOptions): { plan: WritePlan; counts: BulkCounts } {
  const inScope = scopeOf(opts)
  const wanted = new Map<string, ValidRecordInput>()
  for (const v of inputs) wanted.set(bulkKey(v), v) // a later duplicate wins
  const matched = new Set<string>()
  const deletedAt: number[] = []
  const updatedAt = new Map<number, DnsRecord>()
  const ids = new Set<string>()
  records.forEach((r, i) => {
    if (r.id) ids.add(r.id)
    const key = bulkKey(r)
    const v = wanted.get(key)
    if (v) {
      matched.add(key)
      if (v.ttl !== undefined && v.ttl !== r.ttl) updatedAt.set(i, { ...r, ttl: v.ttl, updated_on: opts.stamp })
    } else if (inScope(r)) deletedAt.push(i)
  })
  const added: DnsRecord[] = []
  for (const [key, v] of wanted) {
    if (matched.has(key)) continue
    if (v.id !== undefined && ids.has(v.id)) throw new DnsplaneError('ERR_RECORD_CONFLICT', `a record with id ${v.id} already exists`)
    if (v.id !== undefined) ids.add(v.id)
    added.push({ ...opts.newRecord(v), ttl: v.ttl ?? BULK_DEFAULT_TTL })
  }
  const deleted = deletedAt.map((i) => records[i])
  if (opts.mode === 'replace' && isMassDelete(deleted.length, records.length, opts.guardPercent) && opts.confirmDelete !== deleted.length) {
    throw new DnsplaneError(
      'ERR_MASS_DELETE_HELD',
      `this replace would delete ${deleted.length} of ${records.length} records (more than ${opts.guardPercent} %): nothing was written; ` +
        `check the list (dry_run=1) and repeat with confirm_delete=${deleted.length} (CLI: --confirm-delete ${deleted.length})`,
    )
  }
  const gone = new Set(deletedAt)
  const { next, entries, updated: updRecords } = positionedBatch(records, (_r, i) => (gone.has(i) ? 'delete' : updatedAt.get(i)), added)
  assertTouchedFit(next, [...updRecords, ...added])
  const counts: BulkCounts = {
    mode: opts.mode,
    zone: opts.mode === 'replace' && !opts.all ? (opts.zone ?? '') : null,
    added: added.length,
    updated: updRecords.length,
    unchanged: wanted.size - added.length - updRecords.length,
    deleted: deleted.length,
    total_before: records.length,
    total_after: next.length,
    deleted_sample: deleted.slice(0, MASS_DELETE_SAMPLE).map((r) => `${r.name} ${r.type} ${r.value}`),
  }
  const result = { records: [...updRecords, ...added], messages: [] }
  if (entries.length === 0) return { plan: { result }, counts }
  return { plan: { next, change: { source: 'local', kind: 'replace', records: next }, entry: { op: 'batch', entries }, result }, counts }
}

/** Every RRset the batch adds to or changes still fits one TCP reply (as a single API write checks). */
function assertTouchedFit(next: readonly DnsRecord[], touched: readonly DnsRecord[]): void {
  if (touched.length === 0) return
  const keys = new Set(touched.map((r) => `${nameKey(r.name)}\u0000${r.type.toUpperCase()}`))
  const sets = new Map<string, DnsRecord[]>()
  for (const r of next) {
    const k = `${nameKey(r.name)}\u0000${r.type.toUpperCase()}`
    if (keys.has(k)) (sets.get(k) ?? sets.set(k, []).get(k) as DnsRecord[]).push(r)
  }
  for (const set of sets.values()) {
    const bytes = rrsetReplyBytes(set, set[0].name, set[0].type)
    if (bytes > MAX_TCP_REPLY_BYTES) {
      throw new DnsplaneError(
        'ERR_RECORD_INVALID',
        `value: the ${set[0].type} records of ${set[0].name.slice(0, 253)} would need a ${bytes}-byte DNS reply, more than the ${MAX_TCP_REPLY_BYTES} bytes of a TCP message`,
      )
    }
  }
}

/** Bytes a stored record takes in a journal frame besides its name, value and id (keys, TTL, three times). */
const RECORD_FRAME_OVERHEAD_BYTES = 160

/**
 * True when a plan's journal entry could exceed one frame (MAX_JOURNAL_ENTRY_BYTES): estimated
 * from the records it carries (UTF-16 length x 3 bounds the UTF-8 and JSON-escape growth), twice:
 * under record_lww the frame also carries each added or updated record in its version.
 */
export function isOversizedBatch(p: { next?: unknown; entry?: WriteEntry }): boolean {
  if (p.entry?.op !== 'batch') return false
  let bytes = 0
  for (const e of p.entry.entries) for (const r of e.records) bytes += RECORD_FRAME_OVERHEAD_BYTES + 3 * (r.name.length + r.value.length + (r.id?.length ?? 0))
  return 2 * bytes > MAX_JOURNAL_ENTRY_BYTES
}

/** NDJSON: one JSON value per non-blank line; a line that is not JSON is refused with its number. */
export function parseNdjson(text: string): unknown[] {
  const out: unknown[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    try {
      out.push(JSON.parse(line))
    } catch {
      throw new DnsplaneError('ERR_BAD_REQUEST', `NDJSON line ${i + 1} is not JSON`)
    }
  }
  return out
}
