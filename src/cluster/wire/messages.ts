/**
 * Cluster messages (cluster-protocol spec §3): the closed set of wire types, a Go-compatible
 * encoder (key order = the original's struct order, omitempty as Go applies it, Go's string
 * escaping) and parseMessage(), which validates untrusted bytes into a union keyed by `type`.
 * Pure: no I/O.
 */
import { GO_ZERO_TIME, type DnsRecord } from '../../store/record.js'
import { decodeRecordJson, describeRecordProblem, isRfc3339, type RecordRejectReason } from '../../store/record-json.js'
import { isValidHlc, type Hlc } from '../sync/lww/hlc.js'
import { entryKey, MAX_DIGEST_BUCKETS, type VersionedEntry } from '../sync/lww/replica.js'
import { isJsonObject } from '../../values.js'

export const MESSAGE_TYPES = [
  'auth',
  'auth_ok',
  'auth_fail',
  'error',
  'ping',
  'pong',
  'pull',
  'records_full',
  'admin_config_apply',
  'admin_config_ok',
  'admin_config_fail',
  // Ours (record_lww and challenge auth): only sent to peers that announced the capability.
  'auth_challenge',
  'auth_response',
  'delta',
  'delta_ack',
  'digest',
  'bucket_entries',
] as const

export type MessageType = (typeof MESSAGE_TYPES)[number]

/** Types that use the original's "simple message" shape: `type` plus an omitempty `message`. */
export type SimpleType = Exclude<MessageType, 'auth' | 'auth_ok' | 'records_full' | 'admin_config_apply' | ExtensionType>

/** Our message types beyond the original's set. */
export type ExtensionType = 'auth_challenge' | 'auth_response' | 'delta' | 'delta_ack' | 'digest' | 'bucket_entries'

/** Capability names announced in auth / auth_ok / auth_challenge (Go peers announce none). */
export const CAP_RECORD_LWW = 'record_lww/1'
/** Client proves first (docs/cluster-protocol.md); `challenge/1` (server proved first) is refused. */
export const CAP_CHALLENGE = 'challenge/2'
const MAX_CAPS = 32

/**
 * Ours: `node_id`, `caps`, `nonce` and `clock_unix_ms` are extra keys that Go peers ignore. An
 * `auth` with an empty token and a `nonce` asks for the challenge-response (auth-challenge.ts).
 */
export interface AuthMessage {
  type: 'auth'
  token: string
  node_id?: string
  caps?: string[]
  nonce?: string
  clock_unix_ms?: number
}

/** auth_ok, with our optional extras (Go clients only look at `type`). */
export interface AuthOkMessage {
  type: 'auth_ok'
  message?: string
  node_id?: string
  caps?: string[]
  clock_unix_ms?: number
  /** challenge/2: the server's proof, sent only after the client's proof checked out. */
  proof?: string
}

/**
 * Server's answer to a challenge request: its nonce only (challenge/2). `proof` is what a
 * challenge/1 server sent here; ours never sends it.
 */
export interface AuthChallengeMessage {
  type: 'auth_challenge'
  nonce: string
  proof?: string
  node_id: string
  caps: string[]
  clock_unix_ms: number
}

/** The client's proof; challenge/2 adds the client's nonce (the proof covers both nonces). */
export interface AuthResponseMessage {
  type: 'auth_response'
  proof: string
  nonce?: string
}

export { isRfc3339 }

/**
 * A record in a received frame that the record codec (or the receiver's version bound) refused.
 * Decode-only (never encoded): the entry is left out of `entries`/`records`, never stored, and
 * the receiver names it in an `error` frame and counts it by `reason`.
 */
export interface RecordRejection {
  /** Position in the frame's `entries` or `records` array (absent when refused after decoding). */
  index?: number
  /** Entry key (delta, bucket_entries), truncated to 64 characters. */
  key?: string
  /** Owner name when it was a string, truncated to 64 characters. */
  name?: string
  reason: RecordRejectReason | 'future_version'
  /** `field: reason`, e.g. `value: must be an IPv4 address`. */
  message: string
}

/** record_lww: changed entries (records and tombstones); the receiver answers delta_ack with the same batch. */
export interface DeltaMessage {
  type: 'delta'
  node_id: string
  batch: number
  entries: VersionedEntry[]
  /** Decode-only: entries whose record the codec refused (left out of `entries`). */
  rejected?: RecordRejection[]
}

export interface DeltaAckMessage {
  type: 'delta_ack'
  batch: number
  /** How many entries won on the receiver (informational). */
  applied: number
}

/** Anti-entropy request: the sender's bucket digests; the receiver answers with bucket_entries. */
export interface DigestMessage {
  type: 'digest'
  node_id: string
  buckets: string[]
  /** Entries the sender holds (live + tombstones), for status and the empty-node case. */
  entries: number
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

export interface SimpleMessage<T extends SimpleType = SimpleType> {
  type: T
  /** Omitted on the wire when empty or undefined. */
  message?: string
}

/** A full snapshot of the sender's records; `records: null` is Go's encoding of an empty set. */
export interface RecordsFullMessage {
  type: 'records_full'
  node_id: string
  /** Sender's sequence number, a non-negative safe integer (0 = never wrote). */
  seq: number
  /** Unix seconds at send time; 0 = absent (omitted on the wire). */
  timestamp_unix: number
  records: DnsRecord[] | null
  /** Decode-only: records the codec refused (left out of `records`). */
  rejected?: RecordRejection[]
}

/** Remote admin: only present optional keys are applied by the receiver. */
export interface AdminConfigApplyMessage {
  type: 'admin_config_apply'
  admin_token: string
  cluster_auth_token?: string
  cluster_peers?: string[]
  cluster_replica_only?: boolean
  cluster_reject_local_writes?: boolean
  cluster_admin?: boolean
  cluster_sync_interval_seconds?: number
}

export type Message =
  | AuthMessage
  | AuthOkMessage
  | SimpleMessage
  | RecordsFullMessage
  | AdminConfigApplyMessage
  | AuthChallengeMessage
  | AuthResponseMessage
  | DeltaMessage
  | DeltaAckMessage
  | DigestMessage
  | BucketEntriesMessage

/** Why a frame was not a valid message; a closed set (used as log field and metric label). */
export type ParseFailure = 'invalid_json' | 'not_object' | 'unknown_type' | 'invalid_fields'

export type ParseResult =
  | { ok: true; message: Message }
  | { ok: false; reason: ParseFailure; /** The `type` string when one was readable. */ type?: string; error: string }

const SIMPLE_TYPES: ReadonlySet<string> = new Set<SimpleType>([
  'auth_fail',
  'error',
  'ping',
  'pong',
  'pull',
  'admin_config_ok',
  'admin_config_fail',
])

/** Longest entry key accepted (a valid record's key is far shorter). */
const MAX_ENTRY_KEY_CHARS = 2048

/** True when `type` is one of MESSAGE_TYPES. */
export function isMessageType(type: string): type is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(type)
}

// ---------------------------------------------------------------- encoding

/**
 * JSON text of `msg` exactly as the Go original marshals it: struct key order, omitempty,
 * `"records": null` for an empty set, time fields always present (zero time for empty).
 */
export function encodeMessage(msg: Message): string {
  switch (msg.type) {
    case 'auth': {
      let s = `{"type":"auth","token":${goString(msg.token)}`
      if (msg.node_id) s += `,"node_id":${goString(msg.node_id)}`
      if (msg.caps && msg.caps.length > 0) s += `,"caps":[${msg.caps.map(goString).join(',')}]`
      if (msg.nonce) s += `,"nonce":${goString(msg.nonce)}`
      if (msg.clock_unix_ms) s += `,"clock_unix_ms":${int(msg.clock_unix_ms)}`
      return s + '}'
    }
    case 'auth_ok': {
      let s = `{"type":"auth_ok"`
      if (msg.message) s += `,"message":${goString(msg.message)}`
      if (msg.node_id) s += `,"node_id":${goString(msg.node_id)}`
      if (msg.caps && msg.caps.length > 0) s += `,"caps":[${msg.caps.map(goString).join(',')}]`
      if (msg.clock_unix_ms) s += `,"clock_unix_ms":${int(msg.clock_unix_ms)}`
      if (msg.proof) s += `,"proof":${goString(msg.proof)}`
      return s + '}'
    }
    case 'auth_challenge':
      return (
        `{"type":"auth_challenge","nonce":${goString(msg.nonce)}` +
        (msg.proof ? `,"proof":${goString(msg.proof)}` : '') +
        `,"node_id":${goString(msg.node_id)}` +
        `,"caps":[${msg.caps.map(goString).join(',')}],"clock_unix_ms":${int(msg.clock_unix_ms)}}`
      )
    case 'auth_response':
      return `{"type":"auth_response"` + (msg.nonce ? `,"nonce":${goString(msg.nonce)}` : '') + `,"proof":${goString(msg.proof)}}`
    case 'delta':
      return `{"type":"delta","node_id":${goString(msg.node_id)},"batch":${int(msg.batch)},"entries":[${msg.entries.map(encodeEntry).join(',')}]}`
    case 'delta_ack':
      return `{"type":"delta_ack","batch":${int(msg.batch)},"applied":${int(msg.applied)}}`
    case 'digest':
      return `{"type":"digest","node_id":${goString(msg.node_id)},"buckets":[${msg.buckets.map(goString).join(',')}],"entries":${int(msg.entries)}}`
    case 'bucket_entries':
      return (
        `{"type":"bucket_entries","node_id":${goString(msg.node_id)},"buckets":[${msg.buckets.map(int).join(',')}]` +
        `,"entries":[${msg.entries.map(encodeEntry).join(',')}],"more":${msg.more}}`
      )
    case 'records_full': {
      let s = `{"type":"records_full","node_id":${goString(msg.node_id)},"seq":${int(msg.seq)}`
      if (msg.timestamp_unix) s += `,"timestamp_unix":${int(msg.timestamp_unix)}`
      const recs = msg.records && msg.records.length > 0 ? '[' + msg.records.map(encodeRecord).join(',') + ']' : 'null'
      return s + `,"records":${recs}}`
    }
    case 'admin_config_apply': {
      let s = `{"type":"admin_config_apply","admin_token":${goString(msg.admin_token)}`
      if (msg.cluster_auth_token) s += `,"cluster_auth_token":${goString(msg.cluster_auth_token)}`
      if (msg.cluster_peers && msg.cluster_peers.length > 0) {
        s += `,"cluster_peers":[${msg.cluster_peers.map(goString).join(',')}]`
      }
      if (msg.cluster_replica_only !== undefined) s += `,"cluster_replica_only":${msg.cluster_replica_only}`
      if (msg.cluster_reject_local_writes !== undefined) {
        s += `,"cluster_reject_local_writes":${msg.cluster_reject_local_writes}`
      }
      if (msg.cluster_admin !== undefined) s += `,"cluster_admin":${msg.cluster_admin}`
      if (msg.cluster_sync_interval_seconds !== undefined) {
        s += `,"cluster_sync_interval_seconds":${int(msg.cluster_sync_interval_seconds)}`
      }
      return s + '}'
    }
    default: {
      const m = msg as SimpleMessage
      return m.message ? `{"type":${goString(m.type)},"message":${goString(m.message)}}` : `{"type":${goString(m.type)}}`
    }
  }
}

/** One versioned entry: key, version, then the record or `"deleted":true`. */
export function encodeEntry(e: VersionedEntry): string {
  const v = `{"wall":${int(e.version.wall)},"counter":${int(e.version.counter)},"node":${goString(e.version.node)}}`
  const body = e.record ? `"record":${encodeRecord(e.record)}` : '"deleted":true'
  return `{"key":${goString(e.key)},"version":${v},${body}}`
}

/** One record in the on-disk/wire key order: id, name, type, value, ttl, added_on, updated_on, mac, cache_record, last_query. */
export function encodeRecord(r: DnsRecord): string {
  let s = '{'
  if (r.id) s += `"id":${goString(r.id)},`
  s += `"name":${goString(r.name)},"type":${goString(r.type)},"value":${goString(r.value)},"ttl":${int(r.ttl)}`
  s += `,"added_on":${goString(r.added_on || GO_ZERO_TIME)},"updated_on":${goString(r.updated_on || GO_ZERO_TIME)}`
  if (r.mac) s += `,"mac":${goString(r.mac)}`
  if (r.cache_record) s += `,"cache_record":true`
  return s + `,"last_query":${goString(r.last_query || GO_ZERO_TIME)}}`
}

function int(n: number): string {
  if (!Number.isSafeInteger(n)) throw new RangeError(`not a safe integer: ${n}`)
  return String(n)
}

/**
 * A JSON string literal as Go's encoding/json writes it: HTML-sensitive <, >, & and U+2028/2029
 * escaped as \u00XX/\u20XX, \b \f \n \r \t short forms (Go >= 1.22), other controls as \u00XX,
 * and a lone surrogate as \ufffd (Go replaces invalid UTF-8 the same way).
 */
export function goString(s: string): string {
  let out = '"'
  let from = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let esc: string | undefined
    if (c < 0x20) esc = SHORT_ESCAPES[c] ?? '\\u00' + c.toString(16).padStart(2, '0')
    else if (c === 0x22) esc = '\\"'
    else if (c === 0x5c) esc = '\\\\'
    else if (c === 0x3c) esc = '\\u003c'
    else if (c === 0x3e) esc = '\\u003e'
    else if (c === 0x26) esc = '\\u0026'
    else if (c === 0x2028) esc = '\\u2028'
    else if (c === 0x2029) esc = '\\u2029'
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++
        continue
      }
      esc = '\\ufffd'
    } else if (c >= 0xdc00 && c <= 0xdfff) esc = '\\ufffd'
    if (esc !== undefined) {
      out += s.slice(from, i) + esc
      from = i + 1
    }
  }
  return out + s.slice(from) + '"'
}

const SHORT_ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' }

// ---------------------------------------------------------------- parsing

class FieldError extends Error {}

/**
 * Decodes one frame payload. Never throws: invalid input gives `{ ok: false, reason }`.
 * Values are validated the way the Go decoder would refuse them (a string where a number is
 * expected, a negative or fractional ttl/seq, a time that is not RFC 3339, ...), so a frame a Go
 * peer would drop is rejected here too instead of being half-applied.
 */
export function parseMessage(bytes: Uint8Array | string): ParseResult {
  let value: unknown
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
  } catch (err) {
    return { ok: false, reason: 'invalid_json', error: `invalid JSON: ${(err as Error).message}` }
  }
  if (!isJsonObject(value)) return { ok: false, reason: 'not_object', error: 'frame is not a JSON object' }
  const type = value.type
  if (type !== undefined && type !== null && typeof type !== 'string') {
    return { ok: false, reason: 'invalid_fields', error: 'type: must be a string' }
  }
  const t = type ?? ''
  if (!isMessageType(t)) return { ok: false, reason: 'unknown_type', type: t, error: `unknown message type ${JSON.stringify(t)}` }
  try {
    return { ok: true, message: decodeByType(t, value) }
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, reason: 'invalid_fields', type: t, error: `${t}: ${err.message}` }
    throw err
  }
}

function decodeByType(type: MessageType, o: Record<string, unknown>): Message {
  if (type === 'auth') {
    const msg: AuthMessage = { type, token: optString(o, 'token') ?? '' }
    const nodeId = optString(o, 'node_id')
    if (nodeId) msg.node_id = boundedString(nodeId, 'node_id', 256)
    const caps = optCaps(o)
    if (caps) msg.caps = caps
    const nonce = optString(o, 'nonce')
    if (nonce) msg.nonce = boundedString(nonce, 'nonce', 256)
    const clock = optInteger(o, 'clock_unix_ms', 0, Number.MAX_SAFE_INTEGER)
    if (clock) msg.clock_unix_ms = clock
    return msg
  }
  if (type === 'auth_ok') {
    const msg: AuthOkMessage = { type }
    const message = optString(o, 'message')
    if (message) msg.message = message
    const nodeId = optString(o, 'node_id')
    if (nodeId) msg.node_id = boundedString(nodeId, 'node_id', 256)
    const caps = optCaps(o)
    if (caps) msg.caps = caps
    const clock = optInteger(o, 'clock_unix_ms', 0, Number.MAX_SAFE_INTEGER)
    if (clock) msg.clock_unix_ms = clock
    const proof = optString(o, 'proof')
    if (proof) msg.proof = boundedString(proof, 'proof', 256)
    return msg
  }
  if (type === 'auth_challenge') {
    const msg: AuthChallengeMessage = {
      type,
      nonce: boundedString(reqString(o, 'nonce'), 'nonce', 256),
      node_id: boundedString(reqString(o, 'node_id'), 'node_id', 256),
      caps: optCaps(o) ?? [],
      clock_unix_ms: optInteger(o, 'clock_unix_ms', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    }
    const proof = optString(o, 'proof')
    if (proof) msg.proof = boundedString(proof, 'proof', 256)
    return msg
  }
  if (type === 'auth_response') {
    const msg: AuthResponseMessage = { type, proof: boundedString(reqString(o, 'proof'), 'proof', 256) }
    const nonce = optString(o, 'nonce')
    if (nonce) msg.nonce = boundedString(nonce, 'nonce', 256)
    return msg
  }
  if (type === 'delta') {
    const msg: DeltaMessage = {
      type,
      node_id: boundedString(reqString(o, 'node_id'), 'node_id', 256),
      batch: reqInteger(o, 'batch', 0, Number.MAX_SAFE_INTEGER),
      entries: [],
    }
    return withEntries(msg, o.entries)
  }
  if (type === 'delta_ack') {
    return { type, batch: reqInteger(o, 'batch', 0, Number.MAX_SAFE_INTEGER), applied: optInteger(o, 'applied', 0, Number.MAX_SAFE_INTEGER) ?? 0 }
  }
  if (type === 'digest') {
    const buckets = o.buckets
    if (!Array.isArray(buckets) || buckets.length < 1 || buckets.length > MAX_DIGEST_BUCKETS || (buckets.length & (buckets.length - 1)) !== 0) {
      throw new FieldError(`buckets: must be an array whose length is a power of two in 1..${MAX_DIGEST_BUCKETS}`)
    }
    if (!buckets.every((b) => typeof b === 'string' && /^[0-9a-f]{16}$/.test(b))) {
      throw new FieldError('buckets: every digest must be 16 lowercase hex characters')
    }
    return {
      type,
      node_id: boundedString(reqString(o, 'node_id'), 'node_id', 256),
      buckets: buckets as string[],
      entries: optInteger(o, 'entries', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    }
  }
  if (type === 'bucket_entries') {
    const buckets = o.buckets
    if (!Array.isArray(buckets) || buckets.length > MAX_DIGEST_BUCKETS || !buckets.every((b) => Number.isInteger(b) && b >= 0 && b < MAX_DIGEST_BUCKETS)) {
      throw new FieldError(`buckets: must be an array of at most ${MAX_DIGEST_BUCKETS} bucket indexes`)
    }
    if (typeof o.more !== 'boolean') throw new FieldError('more: must be a boolean')
    const msg: BucketEntriesMessage = {
      type,
      node_id: boundedString(reqString(o, 'node_id'), 'node_id', 256),
      buckets: buckets as number[],
      entries: [],
      more: o.more,
    }
    return withEntries(msg, o.entries)
  }
  if (type === 'records_full') {
    const raw = o.records
    let records: DnsRecord[] | null = null
    const rejected: RecordRejection[] = []
    if (raw !== undefined && raw !== null) {
      if (!Array.isArray(raw)) throw new FieldError('records: must be an array or null')
      records = []
      for (let i = 0; i < raw.length; i++) {
        const d = decodeRecord(raw[i], i)
        if ('record' in d) records.push(d.record)
        else rejected.push(d.rejection)
      }
    }
    const msg: RecordsFullMessage = {
      type,
      node_id: optString(o, 'node_id') ?? '',
      seq: optInteger(o, 'seq', 0, Number.MAX_SAFE_INTEGER) ?? 0,
      timestamp_unix: optInteger(o, 'timestamp_unix', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 0,
      records,
    }
    if (rejected.length > 0) msg.rejected = rejected
    return msg
  }
  if (type === 'admin_config_apply') {
    const msg: AdminConfigApplyMessage = { type, admin_token: optString(o, 'admin_token') ?? '' }
    const token = optString(o, 'cluster_auth_token')
    if (token) msg.cluster_auth_token = token
    const peers = o.cluster_peers
    if (peers !== undefined && peers !== null) {
      if (!Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) {
        throw new FieldError('cluster_peers: must be an array of strings')
      }
      msg.cluster_peers = peers as string[]
    }
    for (const k of ['cluster_replica_only', 'cluster_reject_local_writes', 'cluster_admin'] as const) {
      const v = o[k]
      if (v === undefined || v === null) continue
      if (typeof v !== 'boolean') throw new FieldError(`${k}: must be a boolean`)
      msg[k] = v
    }
    const interval = optInteger(o, 'cluster_sync_interval_seconds', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    if (interval !== undefined) msg.cluster_sync_interval_seconds = interval
    return msg
  }
  const message = optString(o, 'message')
  return message ? { type, message } : { type }
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

/** Decodes `raw` into msg.entries, keeping the refused ones in msg.rejected. */
function withEntries<T extends DeltaMessage | BucketEntriesMessage>(msg: T, raw: unknown): T {
  const { entries, rejected } = decodeEntries(raw)
  msg.entries = entries
  if (rejected.length > 0) msg.rejected = rejected
  return msg
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

function optCaps(o: Record<string, unknown>): string[] | undefined {
  const caps = o.caps
  if (caps === undefined || caps === null) return undefined
  if (!Array.isArray(caps) || caps.length > MAX_CAPS || !caps.every((c) => typeof c === 'string' && c.length <= 64)) {
    throw new FieldError(`caps: must be an array of at most ${MAX_CAPS} short strings`)
  }
  return caps as string[]
}

function reqString(o: Record<string, unknown>, k: string): string {
  const v = optString(o, k)
  if (v === undefined) throw new FieldError(`${k}: is required`)
  return v
}

function reqInteger(o: Record<string, unknown>, k: string, min: number, max: number): number {
  const v = optInteger(o, k, min, max)
  if (v === undefined) throw new FieldError(`${k}: is required`)
  return v
}

function boundedString(v: string, k: string, max: number): string {
  if (v.length > max) throw new FieldError(`${k}: longer than ${max} characters`)
  return v
}

/** One wire record through THE record codec (record-json.ts); name and type kept as sent. */
function decodeRecord(value: unknown, index: number): { record: DnsRecord } | { rejection: RecordRejection } {
  const d = decodeRecordJson(value)
  if (d.ok) return { record: d.record }
  const rejection: RecordRejection = { index, reason: d.reason, message: describeRecordProblem(d) }
  if (d.name !== undefined) rejection.name = d.name
  return { rejection }
}


function optString(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw new FieldError(`${k}: must be a string`)
  return v
}

function optInteger(o: Record<string, unknown>, k: string, min: number, max: number): number | undefined {
  const v = o[k]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
    throw new FieldError(`${k}: must be an integer in ${min}..${max}`)
  }
  return v
}
