/**
 * Ours: DNSSEC key sharing (docs/dnssec.md "Keys shared by the cluster"). A node whose key files are
 * absent asks a peer that announced CAP_DNSSEC_KEYS with `dnssec_keys_pull`; the peer answers
 * `dnssec_keys` (the BIND key files' text) or `error`. Never sent to a peer without the capability
 * (Go peers announce none). Decoding bounds every field; what the texts mean is checked by the
 * receiver with the key-file parser. Pure.
 */
import { FieldError, boundedString, goString, reqString } from './json.js'

/** Announced only by a node that signs a zone (dnssec_sign_enabled). */
export const CAP_DNSSEC_KEYS = 'dnssec_keys/1'

/** At most this many key pairs in one answer (a KSK and a ZSK, each during a rollover, fit easily). */
export const MAX_SHARED_KEYS = 16
/** Max characters of one key file's text (as read-keys.ts MAX_KEY_FILE_BYTES: an RSA-4096 .private is ~3.3 KB). */
export const MAX_SHARED_KEY_TEXT = 16_384

export interface DnssecKeysPullMessage {
  type: 'dnssec_keys_pull'
  /** The zone whose keys are asked for (dnssec_sign_zone of the asker). */
  zone: string
}

/** One key pair: `name` is the file name without extension (`K<zone>.+<alg>+<tag>`), the two texts as in the files. */
export interface SharedKey {
  name: string
  key: string
  private: string
}

export interface DnssecKeysMessage {
  type: 'dnssec_keys'
  zone: string
  keys: SharedKey[]
}

export function encodeDnssecKeysPull(msg: DnssecKeysPullMessage): string {
  return `{"type":"dnssec_keys_pull","zone":${goString(msg.zone)}}`
}

export function decodeDnssecKeysPull(o: Record<string, unknown>): DnssecKeysPullMessage {
  return { type: 'dnssec_keys_pull', zone: boundedString(reqString(o, 'zone'), 'zone', 255) }
}

export function encodeDnssecKeys(msg: DnssecKeysMessage): string {
  const keys = msg.keys.map((k) => `{"name":${goString(k.name)},"key":${goString(k.key)},"private":${goString(k.private)}}`)
  return `{"type":"dnssec_keys","zone":${goString(msg.zone)},"keys":[${keys.join(',')}]}`
}

export function decodeDnssecKeys(o: Record<string, unknown>): DnssecKeysMessage {
  const zone = boundedString(reqString(o, 'zone'), 'zone', 255)
  const list = o.keys
  if (!Array.isArray(list) || list.length === 0 || list.length > MAX_SHARED_KEYS) {
    throw new FieldError(`keys: must be an array of 1..${MAX_SHARED_KEYS} key pairs`)
  }
  const keys = list.map((k: unknown, i): SharedKey => {
    if (typeof k !== 'object' || k === null || Array.isArray(k)) throw new FieldError(`keys[${i}]: must be an object`)
    const e = k as Record<string, unknown>
    const str = (f: string, max: number): string => {
      const v = e[f]
      if (typeof v !== 'string') throw new FieldError(`keys[${i}].${f}: must be a string`)
      return boundedString(v, `keys[${i}].${f}`, max)
    }
    const name = str('name', 255)
    // The name is matched against our own file names, never used as a path; still refuse separators.
    if (!/^K[^/\\\0]+$/.test(name)) throw new FieldError(`keys[${i}].name: not a BIND key file name`)
    return {
      name,
      key: str('key', MAX_SHARED_KEY_TEXT),
      private: str('private', MAX_SHARED_KEY_TEXT),
    }
  })
  return { type: 'dnssec_keys', zone, keys }
}
