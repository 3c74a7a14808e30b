/**
 * The local add/update/remove rules as pure plans (no I/O): from the newest index, the change (as a
 * RecordDelta), the change event, the journal entry (positions in the list as it was) and the answer,
 * at the cost of the change: records are found by id or name+type in the index, and positions come
 * from its chunked sequence (record-seq.ts), never by copying or scanning the list (except a remove
 * by name alone, which has no per-owner lookup to use). FileRecordStore commits a plan to the journal or the file.
 */
import { DnsplaneError } from '../errors.js'
import type { RecordDelta } from './index-delta.js'
import type { WriteEntry } from './journal/codec.js'
import type { RecordIndex } from './record-index.js'
import type { RecordChange, RecordSelector, WriteResult } from './record-store.js'
import type { ValidRecordInput } from './record-validate.js'
import { valueKey, type DnsRecord } from './record.js'
import { assertRrsetFits } from './rrset-size.js'

interface Planned {
  change: Omit<RecordChange, 'index'>
  entry: WriteEntry
  result: WriteResult
}

/**
 * A computed local write; without `next` or `delta` nothing changes (an exact duplicate). A single
 * add/update/remove names its `delta`; a bulk write (bulk-plan.ts) the whole `next` list.
 */
export type LocalPlan =
  | { next?: undefined; delta?: undefined; result: WriteResult }
  | ({ next?: undefined; delta: RecordDelta } & Planned)
  | ({ next: DnsRecord[]; delta?: undefined } & Planned)

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

const NONE: readonly DnsRecord[] = []

function planAppend(rec: DnsRecord, messages: string[], index: RecordIndex): LocalPlan {
  assertFits(index, rec)
  return { delta: { removed: NONE, added: [rec], replaced: [] }, change: { source: 'local', kind: 'add', records: [rec] }, entry: { op: 'add', records: [rec] }, result: { records: [rec], messages } }
}

/** See FileRecordStore.add. Throws ERR_RECORD_CONFLICT for an id in use. */
export function planAdd(v: ValidRecordInput, ctx: EditContext): LocalPlan {
  if (v.id !== undefined && ctx.index.hasId(v.id)) {
    throw new DnsplaneError('ERR_RECORD_CONFLICT', `a record with id ${v.id} already exists`)
  }
  const existing = findSame(ctx.index, v)
  if (existing.length > 0) return { result: { records: [existing[0]], messages: [DUPLICATE_MESSAGE] } }
  return planAppend(ctx.newRecord(v), [], ctx.index)
}

/** `records` of `index` in file order, each with its position (ascending). */
function positioned(index: RecordIndex, records: Iterable<DnsRecord>): { records: DnsRecord[]; at: number[] } {
  const pairs = [...records].map((r) => [index.positionOf(r), r] as const).sort((a, b) => a[0] - b[0])
  return { records: pairs.map(([, r]) => r), at: pairs.map(([i]) => i) }
}

/** See FileRecordStore.update. Throws ERR_RECORD_NOT_FOUND / ERR_RECORD_CONFLICT. */
export function planUpdate(v: ValidRecordInput, ctx: EditContext): LocalPlan {
  const { index } = ctx
  if (v.id !== undefined) {
    const old = index.findById(v.id)
    if (!old) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record with id ${v.id}`)
    if (findSame(index, v).some((r) => r !== old)) {
      throw new DnsplaneError('ERR_RECORD_CONFLICT', `another record already has name ${v.name}, type ${v.type} and value ${v.value}`)
    }
    const rec: DnsRecord = { ...old, name: v.name, type: v.type, value: v.value, ttl: v.ttl ?? old.ttl, updated_on: ctx.stamp }
    assertFits(index, rec, old)
    const delta = { removed: NONE, added: NONE, replaced: [[old, rec] as const] }
    return { delta, change: { source: 'local', kind: 'update', records: [rec] }, entry: { op: 'update', at: [index.positionOf(old)], records: [rec] }, result: { records: [rec], messages: [] } }
  }
  const matches = findSame(index, v)
  if (matches.length === 0) return planAppend(ctx.newRecord(v), ['record did not exist and was added'], index)
  const { records: olds, at } = positioned(index, new Set(matches))
  const replaced = olds.map((r) => [r, { ...r, ttl: v.ttl ?? r.ttl, updated_on: ctx.stamp }] as const)
  const changed = replaced.map(([, r]) => r)
  return { delta: { removed: NONE, added: NONE, replaced }, change: { source: 'local', kind: 'update', records: changed }, entry: { op: 'update', at, records: changed }, result: { records: changed, messages: [] } }
}

/**
 * The records `selector` may match, from the index: by id, or by name+type; by name alone, every
 * record (no per-owner lookup is kept per write). `match` decides.
 */
function candidates(index: RecordIndex, selector: RecordSelector): readonly DnsRecord[] {
  if ('id' in selector && typeof selector.id === 'string' && selector.id !== '') return index.withId(selector.id)
  const s = selector as { name: string; type?: unknown }
  if (typeof s.type === 'string' && s.type.trim() !== '') return index.lookup(s.name, s.type.trim())
  return index.records
}

/** See FileRecordStore.remove; `match` is the selector's matcher (selectorMatcher), `describe` names it in ERR_RECORD_NOT_FOUND. */
export function planRemove(index: RecordIndex, selector: RecordSelector, match: (r: DnsRecord) => boolean, describe: string): LocalPlan {
  const found = candidates(index, selector).filter(match)
  if (found.length === 0) throw new DnsplaneError('ERR_RECORD_NOT_FOUND', `no record matches ${describe}`)
  const { records: removed, at } = positioned(index, found)
  return { delta: { removed, added: NONE, replaced: [] }, change: { source: 'local', kind: 'remove', records: removed }, entry: { op: 'delete', at, records: removed }, result: { records: removed, messages: [] } }
}
