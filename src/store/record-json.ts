/**
 * THE record JSON codec: one untrusted JSON value -> a validated DnsRecord, for every path that
 * takes records from outside (dnsrecords.json, a cluster peer's records_full / delta /
 * bucket_entries, cluster_replica.json). Shape (Go's field types), real calendar dates, bounded
 * sizes, and the content rules of record-validate.ts (the same the API and TUI apply), so a
 * record one path accepts never makes another fail. Pure: no I/O.
 */
import { GO_ZERO_TIME, canonicalName, type DnsRecord } from './record.js'
import {
  MAX_ID_CHARS,
  MAX_MAC_CHARS,
  MAX_NAME_CHARS,
  MAX_NAME_TEXT_CHARS,
  MAX_TYPE_CHARS,
  MAX_VALUE_CHARS,
  recordContentProblems,
} from './record-validate.js'
import { isJsonObject, isUint32, UINT32_MAX } from '../values.js'

/** A record field, or `record` for the object itself. */
export type RecordField =
  | 'record' | 'id' | 'name' | 'type' | 'value' | 'ttl' | 'added_on' | 'updated_on' | 'mac' | 'cache_record' | 'last_query'

/** Why a record was refused, as a closed set (metric label `reason`, log field). */
export type RecordRejectReason = 'invalid_name' | 'invalid_type' | 'invalid_value' | 'invalid_time' | 'invalid_field'

export const RECORD_REJECT_REASONS: readonly RecordRejectReason[] = ['invalid_name', 'invalid_type', 'invalid_value', 'invalid_time', 'invalid_field']

export type RecordDecode =
  | { ok: true; record: DnsRecord }
  | {
      ok: false
      field: RecordField
      /** Human reason without the field, e.g. `must be an IPv4 address`. */
      message: string
      reason: RecordRejectReason
      /** The owner name when it was a string (truncated to 64 characters), for error messages. */
      name?: string
    }

export interface DecodeRecordOptions {
  /**
   * Stored form (records file): name canonicalised (trimmed, trailing dots stripped) and type
   * upper-cased. Without it (wire), name and type are kept as sent; validation always looks at
   * the canonical form.
   */
  normalize?: boolean
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-](\d{2}):(\d{2}))$/

/**
 * True for a time string Go's time.Time UnmarshalJSON accepts: RFC 3339 with seconds, optional
 * fraction, and a real calendar date (`2024-02-30T00:00:00Z` is refused, as Go refuses it).
 */
export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s)
  if (!m) return false
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number)
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return false
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]
  if (d > days) return false
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false
  return true
}

function reasonOf(field: RecordField): RecordRejectReason {
  if (field === 'name') return 'invalid_name'
  if (field === 'type') return 'invalid_type'
  if (field === 'value') return 'invalid_value'
  if (field === 'added_on' || field === 'updated_on' || field === 'last_query') return 'invalid_time'
  return 'invalid_field'
}

class RecordFieldError extends Error {
  constructor(readonly field: RecordField, message: string) {
    super(message)
  }
}

/**
 * Decodes and validates one record. Never throws. Unknown keys are dropped (Go ignores them);
 * missing/null/"" times become GO_ZERO_TIME (Go peers reject ""), other times are kept verbatim;
 * a missing ttl is 0 (as Go decodes it); "" id/mac and false cache_record are absent (omitempty).
 * The result has the on-disk/wire key order.
 */
export function decodeRecordJson(value: unknown, opts: DecodeRecordOptions = {}): RecordDecode {
  const name = isJsonObject(value) && typeof value.name === 'string' ? value.name.slice(0, 64) : undefined
  try {
    return { ok: true, record: decode(value, opts.normalize === true) }
  } catch (err) {
    if (!(err instanceof RecordFieldError)) throw err
    const out: RecordDecode = { ok: false, field: err.field, message: err.message, reason: reasonOf(err.field) }
    if (name !== undefined) out.name = name
    return out
  }
}

/** `field: message` (or just the message for the whole record) of a failed decode. */
export function describeRecordProblem(d: Extract<RecordDecode, { ok: false }>): string {
  return d.field === 'record' ? d.message : `${d.field}: ${d.message}`
}

/**
 * JSON.parse makes a string per occurrence: a million records held a million copies of each time and
 * type (~120 MiB of "0001-01-01T00:00:00Z" alone). Decoded records share one copy of the zero time,
 * of the time decoded last (bulk writes stamp many records alike) and of each type.
 */
let lastTime = GO_ZERO_TIME
const TYPES = new Map<string, string>()
const MAX_INTERNED_TYPES = 256

function internType(type: string): string {
  const known = TYPES.get(type)
  if (known !== undefined) return known
  if (TYPES.size < MAX_INTERNED_TYPES) TYPES.set(type, type)
  return type
}

function decode(v: unknown, normalize: boolean): DnsRecord {
  if (!isJsonObject(v)) throw new RecordFieldError('record', 'must be an object')
  const str = (k: RecordField, max: number, required: boolean): string | undefined => {
    const x = v[k]
    if (x === undefined || x === null) {
      if (required) throw new RecordFieldError(k, 'is required')
      return undefined
    }
    if (typeof x !== 'string') throw new RecordFieldError(k, 'must be a string')
    if (x.length > max) {
      throw new RecordFieldError(k, k === 'name' ? `not a valid DNS name: has ${x.length} characters, more than ${MAX_NAME_TEXT_CHARS}` : `must be at most ${max} characters`)
    }
    return x
  }
  const time = (k: 'added_on' | 'updated_on' | 'last_query'): string => {
    const x = v[k]
    if (x === undefined || x === null || x === '') return GO_ZERO_TIME
    if (x === GO_ZERO_TIME) return GO_ZERO_TIME
    if (x === lastTime) return lastTime
    if (typeof x !== 'string' || x.length > 64 || !isRfc3339(x)) throw new RecordFieldError(k, 'must be an RFC 3339 time with a real date')
    return (lastTime = x)
  }
  const id = str('id', MAX_ID_CHARS, false)
  const rawName = str('name', MAX_NAME_CHARS, true) as string
  const rawType = str('type', MAX_TYPE_CHARS, true) as string
  const value = str('value', MAX_VALUE_CHARS, true) as string
  const ttlRaw = v.ttl
  let ttl = 0
  if (ttlRaw !== undefined && ttlRaw !== null) {
    if (!isUint32(ttlRaw)) {
      throw new RecordFieldError('ttl', `must be an integer 0..${UINT32_MAX}`)
    }
    ttl = ttlRaw
  }
  const name = canonicalName(rawName)
  const type = internType(rawType.trim().toUpperCase())
  const added_on = time('added_on')
  const updated_on = time('updated_on')
  const last_query = time('last_query')
  const mac = str('mac', MAX_MAC_CHARS, false)
  const cache = v.cache_record
  if (cache !== undefined && cache !== null && typeof cache !== 'boolean') throw new RecordFieldError('cache_record', 'must be a boolean')
  // Shape first (as the old file parser), then the content rules.
  const problem = recordContentProblems(name, type, value.trim())[0]
  if (problem) throw new RecordFieldError(problem.field, problem.reason)

  const rec = {} as DnsRecord
  if (id) rec.id = id
  rec.name = normalize ? name : rawName
  rec.type = normalize ? type : rawType
  rec.value = value
  rec.ttl = ttl
  rec.added_on = added_on
  rec.updated_on = updated_on
  if (mac) rec.mac = mac
  if (cache === true) rec.cache_record = true
  rec.last_query = last_query
  return rec
}

/** Re-exported from src/values.ts for the store modules that import it here. */
export { isJsonObject }

/** The record as a plain object with the original's key order and omitempty rules. */
export function recordToJson(r: DnsRecord): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  if (r.id) o.id = r.id
  o.name = r.name
  o.type = r.type
  o.value = r.value
  o.ttl = r.ttl
  o.added_on = r.added_on || GO_ZERO_TIME
  o.updated_on = r.updated_on || GO_ZERO_TIME
  if (r.mac) o.mac = r.mac
  if (r.cache_record) o.cache_record = true
  o.last_query = r.last_query || GO_ZERO_TIME
  return o
}
