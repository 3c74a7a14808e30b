/**
 * cluster/wire/: the bytes between nodes. codec.ts frames them (4-byte length); this file is the
 * message table (cluster-protocol spec §3): the closed set of wire types, each with its encoder
 * and decoder side by side (auth-messages.ts, records-messages.ts, lww-messages.ts), one
 * Go-compatible encodeMessage (key order = the original's struct order, omitempty as Go applies
 * it, Go's string escaping) and parseMessage, which validates untrusted bytes into a union keyed
 * by `type`. Pure: no I/O; imports nothing from the rest of the cluster but the version model.
 */
import { isRfc3339 } from '../../store/record-json.js'
import { isJsonObject } from '../../values.js'
import * as auth from './auth-messages.js'
import * as keys from './keys-messages.js'
import { FieldError, goString, optString } from './json.js'
import * as lww from './lww-messages.js'
import * as records from './records-messages.js'

export { CAP_CHALLENGE, CAP_RECORD_LWW } from './auth-messages.js'
export type { AuthChallengeMessage, AuthMessage, AuthOkMessage, AuthResponseMessage } from './auth-messages.js'
export { CAP_DNSSEC_KEYS, MAX_SHARED_KEYS } from './keys-messages.js'
export type { DnssecKeysMessage, DnssecKeysPullMessage, SharedKey } from './keys-messages.js'
export { encodeEntry, parseEntryList } from './lww-messages.js'
export type { BucketEntriesMessage, DeltaAckMessage, DeltaMessage, DigestMessage } from './lww-messages.js'
export { encodeRecord } from './records-messages.js'
export type { AdminConfigApplyMessage, RecordRejection, RecordsFullMessage } from './records-messages.js'
export { goString } from './json.js'
export { isRfc3339 }

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
  'dnssec_keys_pull',
  'dnssec_keys',
] as const

export type MessageType = (typeof MESSAGE_TYPES)[number]

/** Types that use the original's "simple message" shape: `type` plus an omitempty `message`. */
export type SimpleType = Exclude<MessageType, 'auth' | 'auth_ok' | 'records_full' | 'admin_config_apply' | ExtensionType>

/** Our message types beyond the original's set. */
export type ExtensionType = 'auth_challenge' | 'auth_response' | 'delta' | 'delta_ack' | 'digest' | 'bucket_entries' | 'dnssec_keys_pull' | 'dnssec_keys'

export interface SimpleMessage<T extends SimpleType = SimpleType> {
  type: T
  /** Omitted on the wire when empty or undefined. */
  message?: string
}

export type Message =
  | auth.AuthMessage
  | auth.AuthOkMessage
  | SimpleMessage
  | records.RecordsFullMessage
  | records.AdminConfigApplyMessage
  | auth.AuthChallengeMessage
  | auth.AuthResponseMessage
  | lww.DeltaMessage
  | lww.DeltaAckMessage
  | lww.DigestMessage
  | lww.BucketEntriesMessage
  | keys.DnssecKeysPullMessage
  | keys.DnssecKeysMessage

/** Why a frame was not a valid message; a closed set (used as log field and metric label). */
export type ParseFailure = 'invalid_json' | 'not_object' | 'unknown_type' | 'invalid_fields'

export type ParseResult =
  | { ok: true; message: Message }
  | { ok: false; reason: ParseFailure; /** The `type` string when one was readable. */ type?: string; error: string }

/** True when `type` is one of MESSAGE_TYPES. */
export function isMessageType(type: string): type is MessageType {
  return (MESSAGE_TYPES as readonly string[]).includes(type)
}

// ---------------------------------------------------------------- the table

/** The message of one type (every simple type shares SimpleMessage). */
type MessageOf<T extends MessageType> = T extends SimpleType ? SimpleMessage : Extract<Message, { type: T }>

interface Codec<T extends MessageType> {
  encode(msg: MessageOf<T>): string
  /** Throws FieldError naming the first bad field. */
  decode(o: Record<string, unknown>, type: T): MessageOf<T>
}

function encodeSimple(m: SimpleMessage): string {
  return m.message ? `{"type":${goString(m.type)},"message":${goString(m.message)}}` : `{"type":${goString(m.type)}}`
}

function decodeSimple(o: Record<string, unknown>, type: SimpleType): SimpleMessage {
  const message = optString(o, 'message')
  return message ? { type, message } : { type }
}

const simple = { encode: encodeSimple, decode: decodeSimple }

/** Every message type with its encoder and decoder; the compiler insists each type is here. */
const CODECS: { [T in MessageType]: Codec<T> } = {
  auth: { encode: auth.encodeAuth, decode: auth.decodeAuth },
  auth_ok: { encode: auth.encodeAuthOk, decode: auth.decodeAuthOk },
  auth_fail: simple,
  error: simple,
  ping: simple,
  pong: simple,
  pull: simple,
  records_full: { encode: records.encodeRecordsFull, decode: records.decodeRecordsFull },
  admin_config_apply: { encode: records.encodeAdminConfigApply, decode: records.decodeAdminConfigApply },
  admin_config_ok: simple,
  admin_config_fail: simple,
  auth_challenge: { encode: auth.encodeAuthChallenge, decode: auth.decodeAuthChallenge },
  auth_response: { encode: auth.encodeAuthResponse, decode: auth.decodeAuthResponse },
  delta: { encode: lww.encodeDelta, decode: lww.decodeDelta },
  delta_ack: { encode: lww.encodeDeltaAck, decode: lww.decodeDeltaAck },
  digest: { encode: lww.encodeDigest, decode: lww.decodeDigest },
  bucket_entries: { encode: lww.encodeBucketEntries, decode: lww.decodeBucketEntries },
  dnssec_keys_pull: { encode: keys.encodeDnssecKeysPull, decode: keys.decodeDnssecKeysPull },
  dnssec_keys: { encode: keys.encodeDnssecKeys, decode: keys.decodeDnssecKeys },
}

/**
 * JSON text of `msg` exactly as the Go original marshals it: struct key order, omitempty,
 * `"records": null` for an empty set, time fields always present (zero time for empty).
 */
export function encodeMessage(msg: Message): string {
  const codec = CODECS[msg.type] as Codec<MessageType>
  return codec.encode(msg as MessageOf<MessageType>)
}

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
    return { ok: true, message: (CODECS[t] as Codec<MessageType>).decode(value, t) }
  } catch (err) {
    if (err instanceof FieldError) return { ok: false, reason: 'invalid_fields', type: t, error: `${t}: ${err.message}` }
    throw err
  }
}
