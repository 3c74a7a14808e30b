/**
 * THE record validation: the rules every record meets, wherever it comes from (records file,
 * cluster peer, API, TUI). record-json.ts (the codec) and checkRecordInput (API/TUI) both apply
 * recordContentProblems, so nothing one path accepts can make another fail (issue #10 item 2).
 * Stricter than the original in places; docs/records.md lists each difference. Pure: no I/O.
 */
import { tokenizePresentation, type Token } from '../dns/wire/presentation.js'
import { rdataProblem } from '../dns/wire/rdata.js'
import { UINT32_MAX, isUint32 } from '../values.js'
import { rrTypeByMnemonic, STORABLE_TYPES, type RdataShape } from './rr-types.js'
import { canonicalIp, canonicalName } from './record.js'

/** Per-field length bounds, in UTF-16 code units, checked before any other rule. */
export const MAX_TYPE_CHARS = 32
export const MAX_VALUE_CHARS = 65_535
export const MAX_ID_CHARS = 256
export const MAX_MAC_CHARS = 256
/** Longest owner name string looked at (the DNS rule below is 253; this only bounds the work). */
export const MAX_NAME_CHARS = 1024

/** Mnemonics a record may have: the storable types of THE type table (store/rr-types.ts). */
export const KNOWN_RECORD_TYPES: ReadonlySet<string> = STORABLE_TYPES

/** True when `type` (any case) is a known RR type mnemonic. */
export function isKnownRecordType(type: string): boolean {
  return KNOWN_RECORD_TYPES.has(type.trim().toUpperCase())
}

/** RFC 1035 2.3.4: labels of at most 63 octets, names of at most 255 octets on the wire (253 as text). */
export const MAX_LABEL_CHARS = 63
export const MAX_NAME_TEXT_CHARS = 253

// Letters of any script (a UTF-8 name such as "café.example" is valid on the wire, RFC 2181 11),
// digits, '-' and '_'; no spaces, punctuation or controls (they cannot be written as one token).
const LABEL = /^[\p{L}\p{M}\p{N}_-]+$/u
/** A name every check below accepts when it is at most MAX_NAME_TEXT_CHARS long: ASCII labels of 1..63 characters, '*' only leftmost, one trailing dot. */
const PLAIN_ASCII_NAME = /^(\*\.)?[A-Za-z0-9_-]{1,63}(\.[A-Za-z0-9_-]{1,63})*\.?$/

/**
 * Why `name` is not a usable owner or target name, or undefined when it is: one trailing dot
 * allowed, labels of 1..63 bytes (UTF-8) of letters, digits, '-' and '_' (RFC 2782 service
 * labels), '*' only as a whole leftmost label (RFC 4592), total at most 253 bytes (RFC 1035 2.3.4:
 * 255 octets on the wire). The root "." is accepted only with `allowRoot`.
 */
export function dnsNameProblem(name: string, opts: { allowRoot?: boolean } = {}): string | undefined {
  // the usual name (ASCII labels of letters, digits, '-', '_', a leading '*'): valid without the per-label checks below
  if (PLAIN_ASCII_NAME.test(name) && (name.endsWith('.') ? name.length - 1 : name.length) <= MAX_NAME_TEXT_CHARS) return undefined
  if (name === '.') return opts.allowRoot === true ? undefined : 'must not be the root'
  const text = name.endsWith('.') ? name.slice(0, -1) : name
  if (text.length === 0) return 'must not be empty'
  if (text.length > MAX_NAME_TEXT_CHARS) return `has ${text.length} characters, more than ${MAX_NAME_TEXT_CHARS}`
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > MAX_NAME_TEXT_CHARS) return `has ${bytes} bytes, more than ${MAX_NAME_TEXT_CHARS}`
  const labels = text.split('.')
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]
    if (l.length === 0) return 'has an empty label'
    const n = Buffer.byteLength(l, 'utf8')
    if (n > MAX_LABEL_CHARS) return `has a label of ${n} ${n === l.length ? 'characters' : 'bytes'}, more than ${MAX_LABEL_CHARS}`
    if (l === '*' && i === 0) continue
    if (!LABEL.test(l)) return `has a label with a character other than letters, digits, "-" and "_" ("${l.slice(0, 63)}")`
  }
  return undefined
}

/** True when `name` is a usable owner or target name (see dnsNameProblem). */
export function isValidDnsName(name: string, opts: { allowRoot?: boolean } = {}): boolean {
  return dnsNameProblem(name, opts) === undefined
}

/** True for an IPv4 dotted quad. */
export function isIpv4(text: string): boolean {
  const ip = canonicalIp(text)
  return ip !== undefined && !ip.includes(':')
}

/** True for an IPv6 address (no zone id). */
export function isIpv6(text: string): boolean {
  const ip = canonicalIp(text)
  return ip !== undefined && ip.includes(':')
}

/** True for an IP literal of either family. */
export function isIpAddress(text: string): boolean {
  return canonicalIp(text) !== undefined
}

const isUint = (s: string, max: number): boolean => /^\d{1,10}$/.test(s) && Number(s) <= max
const isTarget = (s: string): boolean => isValidDnsName(s, { allowRoot: true })
const isHex = (s: string): boolean => /^[0-9A-Fa-f]+$/.test(s) && s.length % 2 === 0

type ValueCheck = (fields: string[], value: string) => string | undefined

// A quoted token keeps its quotes, so "10" is not a number and "a.example" not a name.
const fieldText = (t: Token): string => (t.quoted ? `"${t.text}"` : t.text)

/**
 * RDATA checks by shape (store/rr-types.ts says which types have which shape): each returns a
 * problem or undefined. Fields are presentation tokens, quoted ones with their quotes, so a quoted
 * number or name fails.
 */
const VALUE_CHECKS: Partial<Record<RdataShape, ValueCheck>> = {
  a: (_f, v) => (isIpv4(v) ? undefined : 'must be an IPv4 address'),
  aaaa: (_f, v) => (isIpv6(v) ? undefined : 'must be an IPv6 address'),
  name: (f) => (f.length === 1 && isValidDnsName(f[0]) ? undefined : 'must be a domain name'),
  mx: (f) =>
    f.length === 2 && isUint(f[0], 65535) && isTarget(f[1])
      ? undefined
      : 'must be "<preference 0..65535> <host>"',
  srv: (f) =>
    f.length === 4 && isUint(f[0], 65535) && isUint(f[1], 65535) && isUint(f[2], 65535) && isTarget(f[3])
      ? undefined
      : 'must be "<priority> <weight> <port> <target>" (numbers 0..65535)',
  soa: (f) =>
    f.length === 7 && isTarget(f[0]) && isTarget(f[1]) && f.slice(2).every((x) => isUint(x, UINT32_MAX))
      ? undefined
      : `must be "<mname> <rname> <serial> <refresh> <retry> <expire> <minimum>" (numbers 0..${UINT32_MAX})`,
  caa: (f) =>
    f.length >= 3 && isUint(f[0], 255) && /^[A-Za-z0-9]+$/.test(f[1])
      ? undefined
      : 'must be "<flags 0..255> <tag> <value>"',
  naptr: (f) =>
    f.length === 6 && isUint(f[0], 65535) && isUint(f[1], 65535) && isTarget(f[5])
      ? undefined
      : 'must be "<order> <preference> <flags> <service> <regexp> <replacement>"',
  svcb: (f) =>
    f.length >= 2 && isUint(f[0], 65535) && isTarget(f[1]) ? undefined : 'must be "<priority> <target> [params...]"',
  tlsa: (f) =>
    f.length >= 4 && isUint(f[0], 255) && isUint(f[1], 255) && isUint(f[2], 255) && isHex(f.slice(3).join(''))
      ? undefined
      : 'must be "<usage> <selector> <matching type> <hex data>"',
  ds: (f) =>
    f.length >= 4 && isUint(f[0], 65535) && isUint(f[1], 255) && isUint(f[2], 255) && isHex(f.slice(3).join(''))
      ? undefined
      : 'must be "<key tag> <algorithm> <digest type> <hex digest>"',
}

/** A record input that passed validation, in stored form. */
export interface ValidRecordInput {
  id?: string
  /** canonicalName applied. */
  name: string
  /** Upper-case mnemonic. */
  type: string
  /** Trimmed presentation text. */
  value: string
  /** Undefined when not supplied. */
  ttl?: number
}

export type RecordInputCheck = { ok: true; record: ValidRecordInput } | { ok: false; errors: string[] }

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/**
 * Validates an API/TUI record input (untrusted: any shape). Returns the normalised input or
 * every problem found, each starting with the field name (`value: must be an IPv4 address`).
 */
export function checkRecordInput(input: unknown): RecordInputCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['record: must be an object'] }
  }
  const o = input as Record<string, unknown>
  const errors: string[] = []
  const str = (key: string): string | undefined => {
    const v = o[key]
    if (typeof v === 'string') return v
    if (v !== undefined && v !== null) errors.push(`${key}: must be a string`)
    return undefined
  }
  const rawName = str('name')
  const rawType = str('type')
  const rawValue = str('value')
  const rawId = str('id')
  const name = rawName === undefined ? '' : canonicalName(rawName)
  const type = rawType === undefined ? '' : rawType.trim().toUpperCase()
  const value = rawValue === undefined ? '' : rawValue.trim()

  let ttl: number | undefined
  if (o.ttl !== undefined && o.ttl !== null) {
    if (!isUint32(o.ttl)) {
      errors.push(`ttl: must be an integer 0..${UINT32_MAX}`)
    } else ttl = o.ttl
  }

  let id: string | undefined
  if (rawId !== undefined && rawId !== '') {
    if (rawId.length > MAX_ID_CHARS || !ID.test(rawId)) errors.push('id: must be a UUID or a token of letters, digits, ".", "_" and "-"')
    else id = rawId
  }

  if (rawName !== undefined && rawName.length > MAX_NAME_CHARS) errors.push(`name: not a valid DNS name: has ${rawName.length} characters, more than ${MAX_NAME_TEXT_CHARS}`)
  else if (rawType !== undefined && rawType.length > MAX_TYPE_CHARS) errors.push(`type: must be at most ${MAX_TYPE_CHARS} characters`)
  else for (const p of recordContentProblems(name, type, value)) errors.push(`${p.field}: ${p.reason}`)

  if (errors.length > 0) return { ok: false, errors }
  const record: ValidRecordInput = { name, type, value }
  if (id !== undefined) record.id = id
  if (ttl !== undefined) record.ttl = ttl
  return { ok: true, record }
}


/** One broken rule: the field (`name`, `type` or `value`) and why, e.g. `must be an IPv4 address`. */
export interface ContentProblem {
  field: 'name' | 'type' | 'value'
  reason: string
}

/**
 * The one validation of a record's name, type and value (canonical name, upper-case type,
 * trimmed value): DNS name rules (a PTR may be named by its IP address), a known type, the
 * per-type value checks, and that the value encodes to RDATA the server can answer with
 * (dns/rdata.ts: same encoder as the answers, at most 65,535 bytes). Empty when valid.
 */
export function recordContentProblems(name: string, type: string, value: string): ContentProblem[] {
  const out: ContentProblem[] = []
  if (type === '') out.push({ field: 'type', reason: 'is required' })
  else if (!isKnownRecordType(type)) out.push({ field: 'type', reason: `unknown record type "${type.slice(0, MAX_TYPE_CHARS)}"` })

  if (name === '') out.push({ field: 'name', reason: 'is required' })
  else if (type === 'PTR') {
    if (!isIpAddress(name) && !(isValidDnsName(name) && /\.(in-addr|ip6)\.arpa$/i.test(name))) {
      out.push({ field: 'name', reason: 'a PTR name must be an IP address or an in-addr.arpa / ip6.arpa name' })
    }
  } else {
    const problem = dnsNameProblem(name)
    if (problem) out.push({ field: 'name', reason: `not a valid DNS name: ${problem}` })
  }

  if (value === '') out.push({ field: 'value', reason: 'is required' })
  else if (value.length > MAX_VALUE_CHARS) out.push({ field: 'value', reason: `has ${value.length} characters, more than ${MAX_VALUE_CHARS}` })
  // A record is answered by parsing "<name> <ttl> IN <type> <value>" as one master-file line.
  else if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) out.push({ field: 'value', reason: 'must not contain control characters' })
  else if (KNOWN_RECORD_TYPES.has(type)) {
    const split = tokenizePresentation(value)
    const shape = rrTypeByMnemonic(type)?.shape
    const check = shape === undefined ? undefined : VALUE_CHECKS[shape]
    const problem = !split.ok ? split.problem : check?.(split.tokens.map(fieldText), value) ?? rdataProblem(type, value)
    if (problem) out.push({ field: 'value', reason: problem })
  }
  return out
}
