/**
 * dnsrecords.json codec: untrusted text -> DnsRecord[] and back, byte-compatible with the
 * original Go writer (key order, Go string escaping, compact + newline or 2-space indent).
 * Pure: no I/O. Also exports the small Go-JSON helpers the servers codec reuses.
 */
import { DnsplaneError } from '../errors.js'
import { GO_ZERO_TIME, type DnsRecord } from './record.js'
import { decodeRecordJson, isJsonObject, recordToJson } from './record-json.js'

export { isJsonObject, recordToJson }
export { MAX_ID_CHARS, MAX_MAC_CHARS, MAX_NAME_CHARS, MAX_TYPE_CHARS, MAX_VALUE_CHARS } from './record-validate.js'

/**
 * Largest records file we read, in bytes (checked before reading and again on the text). Below V8's
 * longest string (2^29 - 24 UTF-16 units), which the whole-file parse needs; a million records with
 * their record_lww section take about 300 MiB, so 256 MiB refused a file the node had just written.
 */
export const MAX_RECORDS_FILE_BYTES = 500 * 1024 * 1024
/** Most records one file (or one snapshot) may hold. */
export const MAX_RECORDS = 2_000_000

/** The one record the original writes when dnsrecords.json does not exist. */
export const DEFAULT_RECORDS: readonly DnsRecord[] = Object.freeze([
  Object.freeze({
    name: 'example.com',
    type: 'A',
    value: '93.184.216.34',
    ttl: 3600,
    added_on: GO_ZERO_TIME,
    updated_on: GO_ZERO_TIME,
    last_query: GO_ZERO_TIME,
  }),
])

// RFC 3339 as Go's time.Time.UnmarshalJSON accepts it (date-time with seconds, optional fraction,
// Z or a numeric offset). Field ranges are checked loosely; Go itself checks them.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/

/** Throws ERR_RECORDS_PARSE (or `code`) with `path: reason`. */
function fail(path: string, reason: string, code: 'ERR_RECORDS_PARSE' | 'ERR_SERVERS_PARSE'): never {
  throw new DnsplaneError(code, `${path}: ${reason}`)
}

/** Field readers shared by the records and servers codecs; each names `path` in its error. */
export interface FieldReader {
  string(obj: Record<string, unknown>, key: string, path: string, max: number, required: boolean): string | undefined
  bool(obj: Record<string, unknown>, key: string, path: string): boolean | undefined
  time(obj: Record<string, unknown>, key: string, path: string): string
}

/** Field readers that throw DnsplaneError with `code`. */
export function fieldReader(code: 'ERR_RECORDS_PARSE' | 'ERR_SERVERS_PARSE'): FieldReader {
  return {
    string(obj, key, path, max, required) {
      const v = obj[key]
      if (v === undefined || v === null) {
        if (required) fail(`${path}.${key}`, 'is required', code)
        return undefined
      }
      if (typeof v !== 'string') fail(`${path}.${key}`, 'must be a string', code)
      if (v.length > max) fail(`${path}.${key}`, `must be at most ${max} characters`, code)
      return v
    },
    bool(obj, key, path) {
      const v = obj[key]
      if (v === undefined || v === null) return undefined
      if (typeof v !== 'boolean') fail(`${path}.${key}`, 'must be a boolean', code)
      return v
    },
    time(obj, key, path) {
      const v = obj[key]
      // Go decodes null as "no change" (zero time); "" would make a Go peer drop the frame.
      if (v === undefined || v === null || v === '') return GO_ZERO_TIME
      if (typeof v !== 'string' || v.length > 64 || !RFC3339.test(v)) {
        fail(`${path}.${key}`, 'must be an RFC 3339 time string', code)
      }
      return v
    },
  }
}

/**
 * Decodes and validates one record from untrusted input with THE codec (record-json.ts): shape,
 * real dates, DNS name rules, per-type value checks, answerable RDATA. Name canonicalised
 * (trimmed, trailing dots stripped), type upper-cased, missing/empty/null times filled with
 * GO_ZERO_TIME, other times kept verbatim, missing ttl 0 (as Go decodes it).
 * Throws ERR_RECORDS_PARSE naming `path`, the field and the reason.
 */
export function parseRecord(value: unknown, path: string): DnsRecord {
  const d = decodeRecordJson(value, { normalize: true })
  if (d.ok) return d.record
  const where = d.field === 'record' ? path : `${path}.${d.field}`
  return fail(where, d.message, 'ERR_RECORDS_PARSE')
}

/**
 * Validates the `records` member: an array (bounded by MAX_RECORDS) or null (= empty).
 * `path` prefixes error messages (default `records`, so errors read `records[3].ttl: ...`).
 */
export function parseRecordList(value: unknown, path = 'records'): DnsRecord[] {
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) fail(path, 'must be an array or null', 'ERR_RECORDS_PARSE')
  if (value.length > MAX_RECORDS) {
    fail(path, `has ${value.length} records, more than the limit of ${MAX_RECORDS}`, 'ERR_RECORDS_PARSE')
  }
  const out = new Array<DnsRecord>(value.length)
  for (let i = 0; i < value.length; i++) out[i] = parseRecord(value[i], `${path}[${i}]`)
  return out
}

/** Parses JSON text, bounding its size first; throws `code` with the JSON error's reason. */
export function parseJsonText(
  text: string | Uint8Array,
  maxBytes: number,
  code: 'ERR_RECORDS_PARSE' | 'ERR_SERVERS_PARSE',
): unknown {
  // A string never has more UTF-16 units than its UTF-8 bytes, so length is a safe lower bound.
  if (text.length > maxBytes) fail('file', `is ${text.length} bytes, larger than the limit of ${maxBytes}`, code)
  const str = typeof text === 'string' ? text : new TextDecoder('utf-8').decode(text)
  try {
    return JSON.parse(str)
  } catch (err) {
    return fail('file', `is not valid JSON (${(err as Error).message})`, code)
  }
}

/**
 * Parses dnsrecords.json text: `{"records":[...]}` or `{"records":null}` (empty).
 * Throws ERR_RECORDS_PARSE with a reason such as `records[3].ttl: must be an integer 0..4294967295`.
 */
export function parseRecordsFile(text: string | Uint8Array): DnsRecord[] {
  return parseRecordsDocument(text).records
}

/** parseRecordsFile, also returning the document's `extraKey` member (unvalidated) when asked. */
export function parseRecordsDocument(text: string | Uint8Array, extraKey?: string): { records: DnsRecord[]; extra: unknown } {
  const doc = parseJsonText(text, MAX_RECORDS_FILE_BYTES, 'ERR_RECORDS_PARSE')
  if (!isJsonObject(doc)) fail('file', 'must be a JSON object with a "records" member', 'ERR_RECORDS_PARSE')
  return { records: parseRecordList(doc.records), extra: extraKey === undefined ? undefined : doc[extraKey] }
}

/**
 * Serialises dnsrecords.json as the original does (compact, or 2-space indent when `pretty`),
 * always with a trailing newline. An empty set is written as `{"records":[]}` (Go writes null;
 * readers accept both). `extra` (record_lww versions, record-versions.ts) is written after the records.
 */
export function serializeRecordsFile(records: readonly DnsRecord[], pretty: boolean, extra?: { key: string; value: unknown }): string {
  const doc: Record<string, unknown> = { records: records.map(recordToJson) }
  // After "records", so the original's part reads first; encoding/json ignores the extra key.
  if (extra && extra.value !== undefined) doc[extra.key] = extra.value
  return stringifyGo(doc, pretty)
}

// JSON.stringify escapes a lone surrogate as \udXXX (well-formed JSON.stringify, ES2019): Go writes
// U+FFFD for invalid text. An escaped backslash is matched first, so "\\ud800" (a backslash and the
// text "ud800") is left alone. Go's encoding/json also escapes < > & U+2028 U+2029 (HTMLEscape is on
// by default); those can only occur inside JSON strings, so one pass over the text is exact.
const GO_FIXUPS = /\\\\|\\ud[89a-f][0-9a-f]{2}|[<>&\u2028\u2029]/g

const MAY_NEED_FIXUP = /[\\<>&\u2028\u2029]/

function goFixup(m: string): string {
  if (m.length === 1) return '\\u' + m.charCodeAt(0).toString(16).padStart(4, '0')
  return m.length === 2 ? m : '\ufffd'
}

/**
 * JSON.stringify with Go's encoding/json output conventions (escapes < > & U+2028 U+2029,
 * replaces lone surrogates with U+FFFD), compact or 2-space indented, plus a trailing newline.
 * No replacer function: one call per value made a 100,000-record file ~4x slower to write.
 */
export function stringifyGo(value: unknown, pretty: boolean): string {
  return goText(JSON.stringify(value, undefined, pretty ? 2 : undefined)) + '\n'
}

/** JSON text with Go's escapes (see GO_FIXUPS); exact on any slice cut between JSON tokens. */
function goText<T extends string | undefined>(json: T): T {
  // most files hold none of these: a character-class scan is ~10x cheaper than the replace's alternation
  return (json !== undefined && MAY_NEED_FIXUP.test(json) ? json.replace(GO_FIXUPS, goFixup) : json) as T
}

/** Records (or array elements) per slice of recordsFileChunks: ~20 KB of text, a fraction of a millisecond, so a write waiting between slices barely notices (256 doubled the write latency during a flush at 100,000 records). */
export const SNAPSHOT_SLICE = 64

/**
 * serializeRecordsFile in slices: the strings yielded, joined, are exactly its text (key order,
 * Go escapes, compact or pretty, trailing newline). Each slice is at most `slice` records or
 * elements of a large array in the extra section, so a caller can hash and write each one and let
 * the event loop run between them. `records` and `extra` must not change while this is consumed.
 */
export function* recordsFileChunks(
  records: readonly DnsRecord[],
  pretty: boolean,
  extra?: { key: string; value: unknown },
  slice = SNAPSHOT_SLICE,
): Generator<string> {
  const gap = pretty ? '\n  ' : ''
  yield pretty ? '{\n  "records": ' : '{"records":'
  yield* arrayChunks(records, 1, pretty, slice, recordToJson)
  if (extra && hasJsonForm(extra.value)) {
    yield `,${gap}${goText(JSON.stringify(extra.key))}:${pretty ? ' ' : ''}`
    yield* valueChunks(extra.value, 1, pretty, slice)
  }
  yield pretty ? '\n}\n' : '}\n'
}

/**
 * A large array of the extra section made while recordsFileChunks writes it: `rows()` is called once,
 * when the array's place in the text is reached, and read a slice at a time (the record_lww versions of a
 * million records: built in one go they held the event loop for seconds). JSON.stringify writes it as
 * the array it yields.
 */
export class JsonRows {
  constructor(readonly rows: () => Iterable<unknown>) {}

  toJSON(): unknown[] {
    return [...this.rows()]
  }
}

/** A value at nesting `depth` (pretty indentation), sliced where it holds a large array. */
function* valueChunks(value: unknown, depth: number, pretty: boolean, slice: number): Generator<string> {
  if (Array.isArray(value)) {
    yield* arrayChunks(value, depth, pretty, slice, (x) => x)
    return
  }
  if (value instanceof JsonRows) {
    yield* rowChunks(value.rows(), depth, pretty, slice)
    return
  }
  if (isJsonObject(value) && Object.getPrototypeOf(value) === Object.prototype && typeof value.toJSON !== 'function') {
    const members = Object.entries(value).filter(([, v]) => hasJsonForm(v))
    if (members.length === 0) return yield '{}'
    const inner = pretty ? '\n' + '  '.repeat(depth + 1) : ''
    for (let i = 0; i < members.length; i++) {
      yield `${i === 0 ? '{' : ','}${inner}${goText(JSON.stringify(members[i][0]))}:${pretty ? ' ' : ''}`
      yield* valueChunks(members[i][1], depth + 1, pretty, slice)
    }
    return yield (pretty ? '\n' + '  '.repeat(depth) : '') + '}'
  }
  yield indentedJson(value, depth, pretty) as string
}

/** False for what JSON.stringify leaves out of an object (undefined, a function, a symbol). */
function hasJsonForm(v: unknown): boolean {
  return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol'
}

/** An array at nesting `depth`, `slice` elements (mapped by `toJson`) per string. */
function* arrayChunks<T>(items: readonly T[], depth: number, pretty: boolean, slice: number, toJson: (x: T) => unknown): Generator<string> {
  if (items.length === 0) return yield '[]'
  const inner = pretty ? '\n' + '  '.repeat(depth + 1) : ''
  for (let start = 0; start < items.length; start += slice) {
    const end = Math.min(items.length, start + slice)
    const parts = new Array<string>(end - start)
    // An element with no JSON form is written as null, as JSON.stringify does inside an array.
    for (let i = start; i < end; i++) parts[i - start] = indentedJson(toJson(items[i]), depth + 1, pretty) ?? 'null'
    yield (start === 0 ? '[' : ',') + inner + parts.join(',' + inner)
  }
  yield (pretty ? '\n' + '  '.repeat(depth) : '') + ']'
}

/** arrayChunks of the elements an iterable yields, taken `slice` at a time. */
function* rowChunks(rows: Iterable<unknown>, depth: number, pretty: boolean, slice: number): Generator<string> {
  const inner = pretty ? '\n' + '  '.repeat(depth + 1) : ''
  let parts: string[] = []
  let first = true
  const out = (): string => {
    const text = (first ? '[' : ',') + inner + parts.join(',' + inner)
    first = false
    parts = []
    return text
  }
  for (const row of rows) {
    parts.push(indentedJson(row, depth + 1, pretty) ?? 'null')
    if (parts.length >= slice) yield out()
  }
  if (parts.length > 0) yield out()
  yield first ? '[]' : (pretty ? '\n' + '  '.repeat(depth) : '') + ']'
}

/** JSON.stringify of a value nested `depth` levels deep: its inner lines indented to match (a newline only occurs between tokens). */
function indentedJson(value: unknown, depth: number, pretty: boolean): string | undefined {
  const json = goText(JSON.stringify(value, undefined, pretty ? 2 : undefined) as string | undefined)
  return pretty && json !== undefined && json.includes('\n') ? json.replaceAll('\n', '\n' + '  '.repeat(depth)) : json
}
