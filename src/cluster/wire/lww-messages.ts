/**
 * The record_lww messages (ours; sent only to peers announcing record_lww/1): delta, delta_ack,
 * digest, bucket_entries, and one versioned entry on the wire (also the entry format of
 * cluster_replica.json). Each type's shape, encoder and decoder sit together. Pure.
 */
import { isValidHlc, type Hlc } from '../sync/lww/hlc.js'
import { entryKey, MAX_DIGEST_BUCKETS, type VersionedEntry } from '../sync/lww/replica.js'
import { isJsonObject } from '../../values.js'
import { FieldError, goString, int, optInteger, reqId, reqInteger } from './json.js'
import { decodeRecord, encodeRecord, type RecordRejection } from './records-messages.js'

/** Longest entry key accepted (a valid record's key is far shorter). */
const MAX_ENTRY_KEY_CHARS = 2048

// ---------------------------------------------------------------- one entry

/** One versioned entry: key, version, then the record or `"deleted":true`. */
export function encodeEntry(e: VersionedEntry): string {
  const v = `{"wall":${int(e.version.wall)},"counter":${int(e.version.counter)},"node":${goString(e.version.node)}}`
  const body = e.record ? `"record":${encodeRecord(e.record)}` : '"deleted":true'
  return `{"key":${goString(e.key)},"version":${v},${body}}`
}

/**
 * Validates untrusted versioned entries from cluster_replica.json (ours): any entry the codec
 * refuses makes the whole list invalid. Throws Error naming the entry and the reason.
 */
export function parseEntryList(raw: unknown): VersionedEntry[] {
  try {
    const { entries, rejected } = decodeEntries(raw)
    const bad = rejected[0]
    if (bad) throw new FieldError(`entries[${bad.index}]${bad.name !== undefined ? ` (name ${JSON.stringify(bad.name)})` : ''}: ${bad.message}`)
    return entries
  } catch (err) {
    if (err instanceof FieldError) throw new Error(err.message)
    throw err
  }
}

/**
 * Validates a list of versioned entries. A malformed entry (not an object, bad key or version,
 * record not matching its key) fails the frame; a well-formed entry whose record the codec
 * refuses is set aside as a rejection, so the rest of the batch can still be applied.
 */
function decodeEntries(raw: unknown): { entries: VersionedEntry[]; rejected: RecordRejection[] } {
  if (!Array.isArray(raw)) throw new FieldError('entries: must be an array')
  const entries: VersionedEntry[] = []
  const rejected: RecordRejection[] = []
  for (let i = 0; i < raw.length; i++) {
    const e: unknown = raw[i]
    if (!isJsonObject(e)) throw new FieldError(`entries[${i}]: must be an object`)
    const key = e.key
    if (typeof key !== 'string' || key.length === 0) throw new FieldError(`entries[${i}].key: must be a string of 1..${MAX_ENTRY_KEY_CHARS} characters`)
    const v = e.version
    if (!isValidHlc(v)) throw new FieldError(`entries[${i}].version: must be {wall, counter, node} within bounds`)
    if (key.length > MAX_ENTRY_KEY_CHARS) {
      // The key of an oversized record is oversized too: refuse the entry, not the whole batch.
      const d = isJsonObject(e.record) ? decodeRecord(e.record, i) : undefined
      const r: RecordRejection = d && 'rejection' in d ? { ...d.rejection } : { index: i, reason: 'invalid_field', message: `key: longer than ${MAX_ENTRY_KEY_CHARS} characters` }
      if (d && 'record' in d) r.name = d.record.name.slice(0, 64)
      rejected.push({ ...r, key: key.slice(0, 64) })
      continue
    }
    const version: Hlc = { wall: v.wall, counter: v.counter, node: v.node }
    if (e.record === undefined || e.record === null) {
      if (e.deleted !== true) throw new FieldError(`entries[${i}]: needs a record or "deleted": true`)
      entries.push({ key, version })
      continue
    }
    const d = decodeRecord(e.record, i)
    if (!('record' in d)) {
      rejected.push({ ...d.rejection, key: key.slice(0, 64) })
      continue
    }
    if (entryKey(d.record) !== key) throw new FieldError(`entries[${i}]: record does not match key ${JSON.stringify(key.slice(0, 64))}`)
    entries.push({ key, version, record: d.record })
  }
  return { entries, rejected }
}

/** Decodes `raw` into msg.entries, keeping the refused ones in msg.rejected. */
function withEntries<T extends DeltaMessage | BucketEntriesMessage>(msg: T, raw: unknown): T {
  const { entries, rejected } = decodeEntries(raw)
  msg.entries = entries
  if (rejected.length > 0) msg.rejected = rejected
  return msg
}

// ---------------------------------------------------------------- delta, delta_ack

/** record_lww: changed entries (records and tombstones); the receiver answers delta_ack with the same batch. */
export interface DeltaMessage {
  type: 'delta'
  node_id: string
  batch: number
  entries: VersionedEntry[]
  /** Decode-only: entries whose record the codec refused (left out of `entries`). */
  rejected?: RecordRejection[]
}

export function encodeDelta(msg: DeltaMessage): string {
  return `{"type":"delta","node_id":${goString(msg.node_id)},"batch":${int(msg.batch)},"entries":[${msg.entries.map(encodeEntry).join(',')}]}`
}

export function decodeDelta(o: Record<string, unknown>): DeltaMessage {
  const msg: DeltaMessage = { type: 'delta', node_id: reqId(o, 'node_id'), batch: reqInteger(o, 'batch', 0, Number.MAX_SAFE_INTEGER), entries: [] }
  return withEntries(msg, o.entries)
}

export interface DeltaAckMessage {
  type: 'delta_ack'
  batch: number
  /** How many entries won on the receiver (informational). */
  applied: number
}

export function encodeDeltaAck(msg: DeltaAckMessage): string {
  return `{"type":"delta_ack","batch":${int(msg.batch)},"applied":${int(msg.applied)}}`
}

export function decodeDeltaAck(o: Record<string, unknown>): DeltaAckMessage {
  return { type: 'delta_ack', batch: reqInteger(o, 'batch', 0, Number.MAX_SAFE_INTEGER), applied: optInteger(o, 'applied', 0, Number.MAX_SAFE_INTEGER) ?? 0 }
}

// ---------------------------------------------------------------- digest, bucket_entries

/** Anti-entropy request: the sender's bucket digests; the receiver answers with bucket_entries. */
export interface DigestMessage {
  type: 'digest'
  node_id: string
  buckets: string[]
  /** Entries the sender holds (live + tombstones), for status and the empty-node case. */
  entries: number
}

export function encodeDigest(msg: DigestMessage): string {
  return `{"type":"digest","node_id":${goString(msg.node_id)},"buckets":[${msg.buckets.map(goString).join(',')}],"entries":${int(msg.entries)}}`
}

export function decodeDigest(o: Record<string, unknown>): DigestMessage {
  const buckets = o.buckets
  if (!Array.isArray(buckets) || buckets.length < 1 || buckets.length > MAX_DIGEST_BUCKETS || (buckets.length & (buckets.length - 1)) !== 0) {
    throw new FieldError(`buckets: must be an array whose length is a power of two in 1..${MAX_DIGEST_BUCKETS}`)
  }
  if (!buckets.every((b) => typeof b === 'string' && /^[0-9a-f]{16}$/.test(b))) {
    throw new FieldError('buckets: every digest must be 16 lowercase hex characters')
  }
  return { type: 'digest', node_id: reqId(o, 'node_id'), buckets: buckets as string[], entries: optInteger(o, 'entries', 0, Number.MAX_SAFE_INTEGER) ?? 0 }
}

/** The responder's entries of the buckets that differ, in one or more frames (`more` until the last). */
export interface BucketEntriesMessage {
  type: 'bucket_entries'
  node_id: string
  buckets: number[]
  entries: VersionedEntry[]
  more: boolean
  /** Decode-only: entries whose record the codec refused (left out of `entries`). */
  rejected?: RecordRejection[]
}

export function encodeBucketEntries(msg: BucketEntriesMessage): string {
  return (
    `{"type":"bucket_entries","node_id":${goString(msg.node_id)},"buckets":[${msg.buckets.map(int).join(',')}]` +
    `,"entries":[${msg.entries.map(encodeEntry).join(',')}],"more":${msg.more}}`
  )
}

export function decodeBucketEntries(o: Record<string, unknown>): BucketEntriesMessage {
  const buckets = o.buckets
  if (!Array.isArray(buckets) || buckets.length > MAX_DIGEST_BUCKETS || !buckets.every((b) => Number.isInteger(b) && b >= 0 && b < MAX_DIGEST_BUCKETS)) {
    throw new FieldError(`buckets: must be an array of at most ${MAX_DIGEST_BUCKETS} bucket indexes`)
  }
  if (typeof o.more !== 'boolean') throw new FieldError('more: must be a boolean')
  const msg: BucketEntriesMessage = { type: 'bucket_entries', node_id: reqId(o, 'node_id'), buckets: buckets as number[], entries: [], more: o.more }
  return withEntries(msg, o.entries)
}
