/**
 * BIND key files as `dnssec-keygen` writes them: `K<zone>.+<alg>+<tag>.key` (a DNSKEY record in
 * zone-file form after `;` comment lines that carry the timing metadata) and `.private`
 * (`Private-key-format: v1.x`, `Algorithm:`, the key fields in base64, then timing lines).
 * Pure: the caller reads the files. Errors name the file and the field, never a key byte.
 */
import type { KeyObject } from 'node:crypto'
import { DnsplaneError } from '../errors.js'
import { tokenize } from '../dns/wire/presentation.js'
import { encodeName } from '../dns/wire/rdata.js'
import { nameKey } from '../store/record.js'
import { isSupportedAlgorithm, privateKeyFromFields, algorithmMnemonic, type DnssecAlgorithm } from './algorithms.js'
import { DNSKEY_FLAG_SEP, DNSKEY_FLAG_ZONE, DNSKEY_PROTOCOL, encodeDnskeyRdata, keyTag } from './keytag.js'

/** BIND's timing metadata (`Created`, `Publish`, `Activate`, `Inactive`, `Delete`, ...) as Unix seconds. */
export type KeyTiming = Readonly<Record<string, number>>

export interface PublicKeyFile {
  /** The owner (zone) in lookup-key form: lower-case, no trailing dot. */
  zone: string
  flags: number
  algorithm: DnssecAlgorithm
  publicKey: Buffer
  dnskeyRdata: Buffer
  keyTag: number
  timing: KeyTiming
}

/** A key pair ready to sign with. */
export interface SigningKey extends PublicKeyFile {
  privateKey: KeyObject
  /** True for a key-signing key (SEP flag): it signs the DNSKEY RRset only. */
  ksk: boolean
}

const TIMING_NAMES = ['Created', 'Publish', 'Activate', 'Revoke', 'Inactive', 'Delete', 'SyncPublish', 'SyncDelete']

function fail(file: string, why: string): never {
  throw new DnsplaneError('ERR_CONFIG_INVALID', `DNSSEC key file ${file}: ${why}`)
}

/** `YYYYMMDDHHMMSS` (UTC) -> Unix seconds, or undefined. */
export function parseKeyTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text)
  if (!m) return undefined
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number)
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000
}

function readTiming(line: string, timing: Record<string, number>, file: string): void {
  const m = /^;?\s*([A-Za-z]+):\s*(\S+)/.exec(line)
  if (!m || !TIMING_NAMES.includes(m[1])) return
  const t = parseKeyTime(m[2])
  if (t === undefined) fail(file, `${m[1]} is not a YYYYMMDDHHMMSS time`)
  timing[m[1]] = t
}

/** Parses a `.key` file: the DNSKEY line (owner [ttl] [IN] DNSKEY flags 3 alg base64...) and the timing comments. */
export function parsePublicKeyFile(text: string, file: string): PublicKeyFile {
  const timing: Record<string, number> = {}
  let found: PublicKeyFile | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith(';')) {
      readTiming(line, timing, file)
      continue
    }
    if (found) fail(file, 'holds more than one record')
    found = parseDnskeyLine(line, file)
  }
  if (!found) fail(file, 'holds no DNSKEY record')
  return { ...found, timing }
}

function parseDnskeyLine(line: string, file: string): PublicKeyFile {
  const tokens = tokenize(line.replace(/;.*$/, ''))
  const at = tokens?.findIndex((t) => t.text.toUpperCase() === 'DNSKEY') ?? -1
  if (!tokens || at < 1) fail(file, 'the record is not a DNSKEY record')
  const owner = tokens[0].text
  if (!encodeName(owner)) fail(file, 'the owner name is not a valid name')
  const [flags, protocol, alg] = tokens.slice(at + 1, at + 4).map((t) => (/^\d{1,5}$/.test(t.text) ? Number(t.text) : NaN))
  const b64 = tokens.slice(at + 4).map((t) => t.text).join('')
  if (!(flags <= 0xffff) || (flags & DNSKEY_FLAG_ZONE) === 0) fail(file, 'the DNSKEY flags are not those of a zone key (256 or 257)')
  if (protocol !== DNSKEY_PROTOCOL) fail(file, 'the DNSKEY protocol field is not 3')
  if (!isSupportedAlgorithm(alg)) fail(file, `algorithm ${tokens[at + 3]?.text ?? '(none)'} is not supported (8, 10, 13, 14 or 15)`)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) fail(file, 'the public key is not base64')
  const publicKey = Buffer.from(b64, 'base64')
  const dnskeyRdata = encodeDnskeyRdata({ flags, protocol, algorithm: alg, publicKey })
  return { zone: nameKey(owner), flags, algorithm: alg, publicKey, dnskeyRdata, keyTag: keyTag(dnskeyRdata), timing: {} }
}

/**
 * Parses a `.private` file against its public half and gives the signing key. The private fields'
 * values never appear in an error.
 */
export function parsePrivateKeyFile(text: string, file: string, pub: PublicKeyFile): SigningKey {
  const fields = new Map<string, Buffer>()
  const timing: Record<string, number> = { ...pub.timing }
  let format: string | undefined
  let alg: number | undefined
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith(';')) continue
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line)
    if (!m) fail(file, 'a line is not "Field: value"')
    const [, name, value] = m
    if (name === 'Private-key-format') format = value
    else if (name === 'Algorithm') alg = /^\d+/.test(value) ? parseInt(value, 10) : NaN
    else if (TIMING_NAMES.includes(name)) readTiming(line, timing, file)
    else if (/^[A-Za-z0-9+/]*={0,2}$/.test(value)) fields.set(name, Buffer.from(value, 'base64'))
    else fail(file, `field ${name} is not base64`)
  }
  if (format === undefined || !/^v1\.\d+$/.test(format)) fail(file, 'not a BIND private key file (no "Private-key-format: v1.x" line)')
  if (alg !== pub.algorithm) fail(file, `its algorithm (${alg === undefined ? 'none' : algorithmMnemonic(alg)}) is not the public key's (${algorithmMnemonic(pub.algorithm)})`)
  let privateKey: KeyObject
  try {
    privateKey = privateKeyFromFields(pub.algorithm, fields, pub.publicKey)
  } catch (err) {
    fail(file, (err as Error).message)
  }
  return { ...pub, timing, privateKey, ksk: (pub.flags & DNSKEY_FLAG_SEP) !== 0 }
}
