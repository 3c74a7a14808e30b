/**
 * The records journal codec (pure): append-only frames `[u32 BE payload length][u32 BE CRC-32 of
 * the payload][payload: one JSON entry, UTF-8]`. Records inside entries use THE record codec
 * (record-json.ts). decodeJournal returns the longest valid prefix and says whether a torn or
 * corrupt tail was cut. Imports no I/O; the file adapter is journal-file.ts.
 */
import * as zlib from 'node:zlib'
import { decodeRecordJson, recordToJson } from '../record-json.js'
import type { DnsRecord } from '../record.js'
import { isJsonObject } from '../../values.js'

/** Bytes before each payload: length, then CRC-32. */
export const FRAME_HEADER_BYTES = 8
/** Largest payload one entry may have; a length above it is read as corruption, not allocated. */
export const MAX_JOURNAL_ENTRY_BYTES = 64 * 1024 * 1024
/** The `format` of the journal written by this version (in the `base` entry). */
export const JOURNAL_FORMAT = 1

/**
 * One journal entry. `base` opens every journal and names the dnsrecords.json bytes (SHA-256) the
 * entries apply to; `flush` is written before a snapshot with that hash replaces the file: the
 * snapshot holds the entries before byte offset `from` (a background flush: writes went on while it
 * was written), or, without `from`, every entry before the marker. `at`
 * are positions in the record list as it was when the entry was written (ascending for delete).
 * `lww` (record_lww) holds the versions and tombstones the change made, opaque here
 * (record-versions.ts): the change and its versions are durable in one append.
 */
export type JournalEntry =
  | { op: 'base'; format: number; snapshot_sha256: string }
  | { op: 'flush'; snapshot_sha256: string; from?: number }
  | { op: 'add'; records: DnsRecord[]; lww?: unknown }
  | { op: 'update'; at: number[]; records: DnsRecord[]; lww?: unknown }
  | { op: 'delete'; at: number[]; records: DnsRecord[]; lww?: unknown }
  | { op: 'batch'; entries: ChangeEntry[]; lww?: unknown }

/** A change entry; a `batch` (bulk load) holds several, applied in order and made durable as one frame (all or nothing). */
export type ChangeEntry = Extract<JournalEntry, { op: 'add' | 'update' | 'delete' }>

/** What one write journals: a change entry or a batch of them. */
export type WriteEntry = Exclude<JournalEntry, { op: 'base' | 'flush' }>

/** Why the tail after the valid prefix was cut. */
export type JournalTail = 'torn' | 'corrupt'

export interface DecodedJournal {
  entries: JournalEntry[]
  /** Byte offset of each entry's frame. */
  offsets: number[]
  /** Length of the valid prefix in bytes; everything after it is cut. */
  validBytes: number
  /** Set when bytes after validBytes were dropped. */
  tail?: JournalTail
  /** What was wrong with the first dropped frame (for the log line). */
  reason?: string
}

const hasZlibCrc = typeof (zlib as { crc32?: unknown }).crc32 === 'function'
let table: Uint32Array | undefined

/** CRC-32 (IEEE, as zlib and gzip). zlib.crc32 where Node has it (>= 20.15), else a table here. */
export function crc32(data: Uint8Array, useZlib = hasZlibCrc): number {
  if (useZlib) return (zlib as unknown as { crc32(d: Uint8Array): number }).crc32(data)
  table ??= makeTable()
  let c = 0xffffffff
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function makeTable(): Uint32Array {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
}

/** Encodes one entry as a frame. Throws RangeError when the payload exceeds MAX_JOURNAL_ENTRY_BYTES. */
export function encodeEntry(entry: JournalEntry): Buffer {
  const toJson = (e: JournalEntry): unknown => ('records' in e ? { ...e, records: e.records.map(recordToJson) } : e)
  const json = entry.op === 'batch' ? { op: 'batch', entries: entry.entries.map(toJson), ...(entry.lww === undefined ? {} : { lww: entry.lww }) } : toJson(entry)
  const payload = Buffer.from(JSON.stringify(json), 'utf8')
  if (payload.length > MAX_JOURNAL_ENTRY_BYTES) {
    throw new RangeError(`journal entry of ${payload.length} bytes exceeds ${MAX_JOURNAL_ENTRY_BYTES}`)
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  frame.writeUInt32BE(crc32(payload), 4)
  payload.copy(frame, FRAME_HEADER_BYTES)
  return frame
}

/**
 * Decodes a whole journal. Stops at the first frame that is incomplete (`torn`: a write cut by a
 * crash) or fails its length bound, checksum or entry shape (`corrupt`); the first entry must be
 * `base`. Never throws.
 */
export function decodeJournal(bytes: Uint8Array): DecodedJournal {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const entries: JournalEntry[] = []
  const offsets: number[] = []
  let at = 0
  const stop = (tail: JournalTail, reason: string): DecodedJournal => ({ entries, offsets, validBytes: at, tail, reason })
  while (at < buf.length) {
    if (buf.length - at < FRAME_HEADER_BYTES) return stop('torn', 'incomplete frame header')
    const len = buf.readUInt32BE(at)
    if (len > MAX_JOURNAL_ENTRY_BYTES) return stop('corrupt', `frame length ${len} exceeds ${MAX_JOURNAL_ENTRY_BYTES}`)
    if (buf.length - at - FRAME_HEADER_BYTES < len) return stop('torn', 'incomplete frame payload')
    const payload = buf.subarray(at + FRAME_HEADER_BYTES, at + FRAME_HEADER_BYTES + len)
    if (crc32(payload) !== buf.readUInt32BE(at + 4)) return stop('corrupt', 'checksum mismatch')
    const entry = parseEntry(payload)
    if (typeof entry === 'string') return stop('corrupt', entry)
    if ((entries.length === 0) !== (entry.op === 'base')) return stop('corrupt', entries.length === 0 ? 'journal does not start with a base entry' : 'base entry after the start')
    entries.push(entry)
    offsets.push(at)
    at += FRAME_HEADER_BYTES + len
  }
  return { entries, offsets, validBytes: at }
}

const SHA256_HEX = /^[0-9a-f]{64}$/

/** The entry, or a reason string when the payload is not a valid entry. */
function parseEntry(payload: Buffer): JournalEntry | string {
  let v: unknown
  try {
    v = JSON.parse(payload.toString('utf8'))
  } catch {
    return 'payload is not JSON'
  }
  return parseEntryValue(v, true)
}

function parseEntryValue(v: unknown, top: boolean): JournalEntry | string {
  if (!isJsonObject(v)) return 'entry is not an object'
  switch (v.op) {
    case 'base':
      if (v.format !== JOURNAL_FORMAT) return `unknown journal format ${JSON.stringify(v.format)}`
      if (typeof v.snapshot_sha256 !== 'string' || !SHA256_HEX.test(v.snapshot_sha256)) return 'base entry without snapshot_sha256'
      return { op: 'base', format: JOURNAL_FORMAT, snapshot_sha256: v.snapshot_sha256 }
    case 'flush':
      if (typeof v.snapshot_sha256 !== 'string' || !SHA256_HEX.test(v.snapshot_sha256)) return 'flush entry without snapshot_sha256'
      if (v.from === undefined) return { op: 'flush', snapshot_sha256: v.snapshot_sha256 }
      if (!Number.isSafeInteger(v.from) || (v.from as number) < 0) return 'flush entry with an invalid offset'
      return { op: 'flush', snapshot_sha256: v.snapshot_sha256, from: v.from as number }
    case 'add':
    case 'update':
    case 'delete': {
      const records = parseRecords(v.records)
      if (typeof records === 'string') return records
      const lww = v.lww === undefined ? {} : { lww: v.lww }
      if (v.op === 'add') return { op: 'add', records, ...lww }
      const at = v.at
      if (!Array.isArray(at) || at.length !== records.length || !at.every((i) => Number.isSafeInteger(i) && i >= 0)) {
        return `${v.op} entry with invalid positions`
      }
      return { op: v.op, at: at as number[], records, ...lww }
    }
    case 'batch': {
      // Without entries only when it carries versions (record_lww: a peer's write that changes no served record).
      if (!top || !Array.isArray(v.entries) || (v.entries.length === 0 && v.lww === undefined)) return 'batch entry without entries'
      const entries: ChangeEntry[] = []
      for (const x of v.entries) {
        const e = parseEntryValue(x, false)
        if (typeof e === 'string') return e
        if (e.op !== 'add' && e.op !== 'update' && e.op !== 'delete') return `batch entry holding a ${e.op} entry`
        entries.push(e)
      }
      return { op: 'batch', entries, ...(v.lww === undefined ? {} : { lww: v.lww }) }
    }
    default:
      return `unknown entry op ${JSON.stringify(v.op)}`
  }
}

function parseRecords(value: unknown): DnsRecord[] | string {
  if (!Array.isArray(value) || value.length === 0) return 'entry without records'
  const out: DnsRecord[] = []
  for (const r of value) {
    const d = decodeRecordJson(r, { normalize: true })
    if (!d.ok) return `invalid record in entry (${d.field}: ${d.message})`
    out.push(d.record)
  }
  return out
}
