/**
 * The local add/update/remove rules as pure plans (no I/O): from the newest record list and its
 * index, the next list, the change event, the journal entry (positions in the list as it was)
 * and the answer. FileRecordStore commits a plan to the journal or the file.
 */
import { DnsplaneError } from '../errors.js'
import type { WriteEntry } from './journal/codec.js'
import type { RecordIndex } from './record-index.js'
import type { RecordChange, WriteResult } from './record-store.js'
import type { ValidRecordInput } from './record-validate.js'
import { valueKey, type DnsRecord } from './record.js'
import { assertRrsetFits } from './rrset-size.js'

/** A computed local write; without `next` nothing changes (an exact duplicate). */
export type LocalPlan =
  | { next?: undefined; result: WriteResult }
  | { next: DnsRecord[]; change: Omit<RecordChange, 'index'>; entry: WriteEntry; result: WriteResult }

/** What a plan needs besides the records: their index, a new record for an input, and now as a Go time. */
export interface EditContext {
  index: RecordIndex
  newRecord: (v: ValidRecordInput) => DnsRecord
  stamp: string
}

const DUPLICATE_MESSAGE = 'record already exists'

/** Records with the input's name+type+value under the duplicate rule. */
function findSame(index: RecordIndex, v: ValidRecordInput): readonly DnsRecord[] {
  const want = valueKey(v.type, v.value)
  return index.lookup(v.name, v.type).filter((r) => valueKey(r.type, r.value) === want)
}

/** assertRrsetFits on `rec`'s RRset only (from the index, without `replaced`): O(RRset), not O(records). */
function assertFits(index: RecordIndex, rec: DnsRecord, replaced?: DnsRecord): void {
  assertRrsetFits([...index.lookup(rec.name, rec.type).filter((r) => r !== replaced), rec], rec)
}

function planAppend(records: readonly DnsRecord[], rec: DnsRecord, messages: string[], index: RecordIndex): LocalPlan {
  assertFits(index, rec)
  const next = [...records, rec]
  return { next, change: { source: 'local', kind: 'add', records: [rec] }, entry: { op: 'add', records: [rec] }, result: { records: [rec], messages } }
}

/** See FileRecordStore.add. Throws ERR_RECORD_CONFLICT for an id in use. */
export function planAdd(records: readonly DnsRecord[], v: ValidRecordInput, ctx: EditContext): LocalPlan {
  if (v.id !== undefined && records.some((r) => r.id === v.id)) {
    throw new DnsplaneError('ERR_RECORD_CONFLICT', `a record with id ${v.id} already exists`)
  }
  const existing = findSame(ctx.index, v)
  if (existing.length > 0) return { result: { records: [existing[0]], messages: [DUPLICATE_MESSAGE] } }
  return planAppend(records, ctx.newRecord(v), [], ctx.index)
}

/** See FileRecordStore.update. Throws ERR_RECORD_NOT_FOUND / ERR_RECORD_CONFLICT. */
export function planUpdate(records: readonly DnsRecord[], v: ValidRecordInput, ctx: EditContext): LocalPlan {
  if (v.id !== undefined) {
    const at = records.findIndex((r) => r.id === v.id)
    if (at < 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record with id ${v.id}`)
    if (findSame(ctx.index, v).some((r) => r !== records[at])) {
      throw new DnsplaneError('ERR_RECORD_CONFLICT', `another record already has name ${v.name}, type ${v.type} and value ${v.value}`)
    }
    const old = records[at]
    const rec: DnsRecord = { ...old, name: v.name, type: v.type, value: v.value, ttl: v.ttl ?? old.ttl, updated_on: ctx.stamp }
    assertFits(ctx.index, rec, old)
    const next = records.slice()
    next[at] = rec
    return { next, change: { source: 'local', kind: 'update', records: [rec] }, entry: { op: 'update', at: [at], records: [rec] }, result: { records: [rec], messages: [] } }
  }
  const matches = new Set<DnsRecord>(findSame(ctx.index, v))
  if (matches.size === 0) return planAppend(records, ctx.newRecord(v), ['record did not exist and was added'], ctx.index)
  const changed: DnsRecord[] = []
  const at: number[] = []
  const next = records.map((r, i) => {
    if (!matches.has(r)) return r
    const rec: DnsRecord = { ...r, ttl: v.ttl ?? r.ttl, updated_on: ctx.stamp }
    changed.push(rec)
    at.push(i)
    return rec
  })
  return { next, change: { source: 'local', kind: 'update', records: changed }, entry: { op: 'update', at, records: changed }, result: { records: changed, messages: [] } }
}

/** See FileRecordStore.remove; `describe` names the selector in ERR_RECORD_NOT_FOUND. */
export function planRemove(records: readonly DnsRecord[], match: (r: DnsRecord) => boolean, describe: string): LocalPlan {
  const removed: DnsRecord[] = []
  const kept: DnsRecord[] = []
  const at: number[] = []
  records.forEach((r, i) => {
    if (!match(r)) return kept.push(r)
    removed.push(r)
    at.push(i)
  })
  if (removed.length === 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record matches ${describe}`)
  return { next: kept, change: { source: 'local', kind: 'remove', records: removed }, entry: { op: 'delete', at, records: removed }, result: { records: removed, messages: [] } }
}
