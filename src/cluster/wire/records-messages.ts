/**
 * The original's record-carrying messages (spec §4-§6): records_full and admin_config_apply,
 * and one record on the wire (through THE record codec, store/record-json.ts). Each type's
 * shape, encoder and decoder sit together. Pure.
 */
import { GO_ZERO_TIME, type DnsRecord } from '../../store/record.js'
import { decodeRecordJson, describeRecordProblem, type RecordRejectReason } from '../../store/record-json.js'
import { FieldError, goString, int, optInteger, optString } from './json.js'

// ---------------------------------------------------------------- one record

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

/** One wire record through THE record codec (record-json.ts); name and type kept as sent. */
export function decodeRecord(value: unknown, index: number): { record: DnsRecord } | { rejection: RecordRejection } {
  const d = decodeRecordJson(value)
  if (d.ok) return { record: d.record }
  const rejection: RecordRejection = { index, reason: d.reason, message: describeRecordProblem(d) }
  if (d.name !== undefined) rejection.name = d.name
  return { rejection }
}

// ---------------------------------------------------------------- records_full

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

export function encodeRecordsFull(msg: RecordsFullMessage): string {
  let s = `{"type":"records_full","node_id":${goString(msg.node_id)},"seq":${int(msg.seq)}`
  if (msg.timestamp_unix) s += `,"timestamp_unix":${int(msg.timestamp_unix)}`
  const recs = msg.records && msg.records.length > 0 ? '[' + msg.records.map(encodeRecord).join(',') + ']' : 'null'
  return s + `,"records":${recs}}`
}

export function decodeRecordsFull(o: Record<string, unknown>): RecordsFullMessage {
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
    type: 'records_full',
    node_id: optString(o, 'node_id') ?? '',
    seq: optInteger(o, 'seq', 0, Number.MAX_SAFE_INTEGER) ?? 0,
    timestamp_unix: optInteger(o, 'timestamp_unix', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ?? 0,
    records,
  }
  if (rejected.length > 0) msg.rejected = rejected
  return msg
}

// ---------------------------------------------------------------- admin_config_apply

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

const ADMIN_FLAGS = ['cluster_replica_only', 'cluster_reject_local_writes', 'cluster_admin'] as const

export function encodeAdminConfigApply(msg: AdminConfigApplyMessage): string {
  let s = `{"type":"admin_config_apply","admin_token":${goString(msg.admin_token)}`
  if (msg.cluster_auth_token) s += `,"cluster_auth_token":${goString(msg.cluster_auth_token)}`
  if (msg.cluster_peers && msg.cluster_peers.length > 0) {
    s += `,"cluster_peers":[${msg.cluster_peers.map(goString).join(',')}]`
  }
  for (const k of ADMIN_FLAGS) if (msg[k] !== undefined) s += `,"${k}":${msg[k]}`
  if (msg.cluster_sync_interval_seconds !== undefined) {
    s += `,"cluster_sync_interval_seconds":${int(msg.cluster_sync_interval_seconds)}`
  }
  return s + '}'
}

export function decodeAdminConfigApply(o: Record<string, unknown>): AdminConfigApplyMessage {
  const msg: AdminConfigApplyMessage = { type: 'admin_config_apply', admin_token: optString(o, 'admin_token') ?? '' }
  const token = optString(o, 'cluster_auth_token')
  if (token) msg.cluster_auth_token = token
  const peers = o.cluster_peers
  if (peers !== undefined && peers !== null) {
    if (!Array.isArray(peers) || !peers.every((p) => typeof p === 'string')) {
      throw new FieldError('cluster_peers: must be an array of strings')
    }
    msg.cluster_peers = peers as string[]
  }
  for (const k of ADMIN_FLAGS) {
    const v = o[k]
    if (v === undefined || v === null) continue
    if (typeof v !== 'boolean') throw new FieldError(`${k}: must be a boolean`)
    msg[k] = v
  }
  const interval = optInteger(o, 'cluster_sync_interval_seconds', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
  if (interval !== undefined) msg.cluster_sync_interval_seconds = interval
  return msg
}
